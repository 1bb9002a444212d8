"""The exact dense index alone (hand-made vectors), and the retriever searching it (real
model, real Chroma)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from helpers import components_for, make_settings, with_settings

from qa.components import Components
from qa.settings import RetrievalSettings
from vectorstore import DenseIndex


def test_search_ranks_every_vector_exactly() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(500, 16)).astype(np.float32)
    index = DenseIndex()
    index.build([f"c{i}" for i in range(500)], vectors, generation=3)
    query = rng.normal(size=16)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = np.argsort(-(unit @ (query / np.linalg.norm(query))))[:20]
    found = index.search(query.tolist(), 20)
    assert [chunk_id for chunk_id, _ in found] == [f"c{i}" for i in expected]
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert index.generation == 3 and len(index) == 500


def test_equal_vectors_come_back_in_index_order_every_time() -> None:
    index = DenseIndex()
    index.build(["a", "b", "c", "d"], [[1.0, 0.0], [0.0, 1.0], [0.0, 2.0], [0.0, 1.0]], 1)
    first = index.search([0.0, 1.0], 3)
    assert [chunk_id for chunk_id, _ in first] == ["b", "c", "d"]
    assert all(index.search([0.0, 1.0], 3) == first for _ in range(5))
    assert index.search([1.0, 0.0], 10)[0][0] == "a"
    assert len(index.search([1.0, 0.0], 10)) == 4


def test_bad_input_is_refused() -> None:
    index = DenseIndex()
    assert index.search([1.0, 0.0], 5) == []
    with pytest.raises(ValueError, match="2 ids but 1 vectors"):
        index.build(["a", "b"], [[1.0, 0.0]], 1)
    with pytest.raises(ValueError, match="unique"):
        index.build(["a", "a"], [[1.0, 0.0], [0.0, 1.0]], 1)
    index.build(["a"], [[1.0, 0.0]], 1)
    with pytest.raises(ValueError, match="dimensions"):
        index.search([1.0, 0.0, 0.0], 1)
    with pytest.raises(ValueError, match="k must be"):
        index.search([1.0, 0.0], 0)


@pytest.mark.model
def test_the_retriever_searches_the_committed_chunks_exactly(
    tmp_path: Path, sample: Components
) -> None:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "bread.txt").write_text("Bake the bread for forty minutes at 200 degrees.\n")
    (corpus / "match.txt").write_text("The football match ended in a draw after extra time.\n")
    parts = components_for(make_settings(tmp_path / "data", corpus), sample)
    assert parts.pipeline().run([corpus]).ok
    retriever = parts.chain().retriever
    question = "How long does the bread bake?"
    exact = retriever.retrieve(question)
    assert exact[0].chunk.document == "bread.txt"
    assert len(parts.dense) == parts.sources.count_chunks() == 2
    vector = parts.embedder.embed_query(question)
    assert [c for c, _ in parts.dense.search(vector, 2)] == [
        c for c, _ in parts.store.query(vector, 2)
    ]
    # A new document is searched once its ingest commits (the generation moves).
    (corpus / "river.txt").write_text("The river floods every spring after the snow melts.\n")
    assert parts.pipeline().run([corpus]).ok
    assert retriever.retrieve("When does the river flood?")[0].chunk.document == "river.txt"
    assert len(parts.dense) == 3
    # Vectors Chroma holds for chunks never committed are not searched.
    stray = parts.embedder.embed_documents(["When does the river flood? In spring."])
    stray_chunk = replace(exact[0].chunk, id="stray#0", document="stray.txt")
    parts.store.upsert([stray_chunk], stray)
    assert all(e.chunk.id != "stray#0" for e in retriever.retrieve("When does the river flood?"))


@pytest.mark.model
def test_past_the_limit_chroma_answers(sample: Components) -> None:
    hnsw = with_settings(sample, retrieval=RetrievalSettings(exact_max_chunks=0))
    question = "Which earlier agreement does the article cite as a precedent?"
    assert hnsw.chain().retriever.retrieve(question)[0].chunk.text
    assert len(hnsw.dense) == 0
    exact = sample.chain().retriever.retrieve(question)
    assert [e.chunk.id for e in hnsw.chain().retriever.retrieve(question)] == [
        e.chunk.id for e in exact
    ]
