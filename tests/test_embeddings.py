"""The embedder against the real packaged all-MiniLM-L6-v2."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from langchain_huggingface import HuggingFaceEmbeddings

from vectorstore import Embedder, default_model_path
from vectorstore.embeddings import Precision, bfloat16_is_native


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_default_model_path_points_at_packaged_weights() -> None:
    path = Path(default_model_path())
    assert (path / "model.safetensors").is_file()
    assert (path / "tokenizer.json").is_file()


def test_embedder_reports_model_facts(embedder: Embedder) -> None:
    assert embedder.dimension == 384
    assert embedder.max_seq_length == 256
    assert embedder.model_name == "all-minilm-l6-v2"
    assert isinstance(embedder, Embeddings)
    assert isinstance(embedder.langchain, HuggingFaceEmbeddings)


def test_document_embeddings_are_unit_length_and_in_input_order(embedder: Embedder) -> None:
    texts = [
        "short",
        "a considerably longer sentence about the Budapest Memorandum of 1994 and its guarantees",
        "medium length text about cats",
    ]
    vectors = embedder.embed_documents(texts)
    assert len(vectors) == 3
    for vector in vectors:
        assert len(vector) == 384
        assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0, abs_tol=1e-4)
    # Sorting by length inside must not scramble the order: each text matches itself best.
    for i, text in enumerate(texts):
        alone = embedder.embed_documents([text])[0]
        sims = [_cosine(alone, v) for v in vectors]
        assert max(range(3), key=sims.__getitem__) == i
        assert sims[i] == pytest.approx(1.0, abs=1e-4)


def test_embeddings_are_deterministic_and_match_langchain(embedder: Embedder) -> None:
    text = "The treaty was signed in Budapest."
    first = embedder.embed_documents([text])[0]
    second = embedder.embed_documents([text])[0]
    assert first == pytest.approx(second, abs=1e-6)
    assert embedder.langchain.embed_documents([text])[0] == pytest.approx(first, abs=1e-5)
    assert embedder.embed_query(text) == pytest.approx(first, abs=1e-5)


def test_related_texts_are_closer_than_unrelated(embedder: Embedder) -> None:
    query = embedder.embed_query("Which security guarantees did Ukraine receive?")
    related, unrelated = embedder.embed_documents(
        [
            "Ukraine was given security assurances in exchange for its nuclear arsenal.",
            "Preheat the oven and bake the bread for forty minutes.",
        ]
    )
    assert _cosine(query, related) > _cosine(query, unrelated) + 0.2


def test_embed_batches_reports_progress_per_batch(embedder: Embedder) -> None:
    texts = [f"sentence number {i} " * (i % 7 + 1) for i in range(70)]
    seen: list[int] = []
    vectors = embedder.embed_batches(texts, on_batch=seen.append)
    assert sum(seen) == 70
    assert len(seen) == math.ceil(70 / embedder.batch_size)
    assert vectors == embedder.embed_documents(texts)


def test_embed_documents_of_nothing_is_nothing(embedder: Embedder) -> None:
    assert embedder.embed_documents([]) == []
    assert embedder.count_tokens([]) == []


def test_query_cache_serves_repeated_queries(embedder: Embedder) -> None:
    query = "a question asked twice in test_query_cache"
    before = embedder.cache_info()
    first = embedder.embed_query(query)
    first[0] = 42.0  # callers get a copy: mutating it must not poison the cache
    second = embedder.embed_query(query)
    after = embedder.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses + 1
    assert second[0] != 42.0


def test_count_tokens_matches_the_model_tokenizer(embedder: Embedder) -> None:
    texts = ["Budapest Memorandum", "", "word " * 400, "naïve café – ünïcode"]
    counts = embedder.count_tokens(texts)
    tokenizer = embedder.langchain._client.tokenizer
    expected = [len(tokenizer.encode(t, add_special_tokens=False)) for t in texts]
    assert counts == expected
    assert counts[1] == 0
    assert counts[2] == 400  # no truncation at max_seq_length


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Embedder(batch_size=0)
    with pytest.raises(ValueError, match="query_cache_size"):
        Embedder(query_cache_size=-1)
    with pytest.raises(ValueError, match="model_name"):
        Embedder(model_name="Not A Slug")


def test_missing_model_directory_fails_without_download(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no sentence-transformers model"):
        Embedder(str(tmp_path))


_SPAN_TEXTS = [
    "The treaty was signed in Budapest in 1994. Bake the bread for forty minutes.",
    "Security assurances were given in exchange for the nuclear arsenal.",
]


def _span_vectors(embedder: Embedder) -> tuple[list[list[float]], list[np.ndarray]]:
    first = _SPAN_TEXTS[0]
    cut = first.index(" Bake")
    return embedder.embed_with_spans(_SPAN_TEXTS, [[(0, cut), (cut + 1, len(first))], []])


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_embed_with_spans_matches_plain_embeddings(precision: Precision) -> None:
    embedder = Embedder(precision=precision)
    assert embedder.uses_bfloat16 is (precision == "bfloat16")
    vectors, spans = _span_vectors(embedder)
    plain = embedder.embed_documents(_SPAN_TEXTS)
    tolerance = 1e-5 if precision == "float32" else 1e-3
    for got, want in zip(vectors, plain, strict=True):
        assert _cosine(got, want) == pytest.approx(1.0, abs=tolerance)
    assert [s.shape for s in spans] == [(2, 384), (0, 384)]
    # Each span vector, read in context, is nearer its own sentence than the other one.
    treaty, bread = embedder.embed_documents(
        ["The treaty was signed in Budapest in 1994.", "Bake the bread for forty minutes."]
    )
    assert _cosine(spans[0][0].tolist(), treaty) > _cosine(spans[0][0].tolist(), bread)
    assert _cosine(spans[0][1].tolist(), bread) > _cosine(spans[0][1].tolist(), treaty)


def test_bfloat16_spans_stay_within_float32_precision() -> None:
    _, exact = _span_vectors(Embedder(precision="float32"))
    _, fast = _span_vectors(Embedder(precision="bfloat16"))
    assert float((exact[0] * fast[0]).sum(axis=1).min()) > 0.999


def test_auto_precision_uses_bfloat16_only_where_native() -> None:
    assert Embedder().uses_bfloat16 is bfloat16_is_native()
    assert Embedder(device="cuda:0").uses_bfloat16 is False


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="precision must be one of"):
        Embedder(precision="float16")  # type: ignore[arg-type]
