"""The BM25 lexical index over chunk texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from vectorstore import Chunk, LexicalIndex

TEXTS = [
    "The 1994 Budapest Memorandum gave Ukraine security assurances.",
    "Negotiators met in Geneva to discuss a ceasefire along the front line.",
    "The plan caps the size of the armed forces at 600,000 personnel.",
    "Sanctions relief would be phased in over several years.",
]


def chunks(texts: list[str] = TEXTS) -> list[Chunk]:
    return [
        Chunk(id=f"doc#{i}", document="doc", text=t, start=0, end=len(t), index=i)
        for i, t in enumerate(texts)
    ]


@pytest.fixture
def index() -> LexicalIndex:
    lexical = LexicalIndex()
    lexical.build(chunks(), generation=7)
    return lexical


def test_exact_term_finds_its_chunk_first(index: LexicalIndex) -> None:
    assert index.search("Budapest", 3)[0][0] == "doc#0"
    assert index.search("where was the ceasefire discussed? Geneva", 3)[0][0] == "doc#1"
    assert index.search("600,000", 3)[0][0] == "doc#2"


def test_an_identifier_is_found_by_its_parts_and_whole() -> None:
    lexical = LexicalIndex()
    lexical.build(chunks(["Call `load_dotenv()` first.", "Load the settings file."]), 1)
    assert lexical.search("load dotenv", 2)[0][0] == "doc#0"
    assert lexical.search("load_dotenv", 2)[0][0] == "doc#0"
    assert [cid for cid, _ in lexical.search("dotenv", 2)] == ["doc#0"]


def test_a_version_number_is_found_whole() -> None:
    """Its one-digit parts are too short to be words: "3.2.4" found nothing."""
    lexical = LexicalIndex()
    lexical.build(chunks(["3.2.4 (2024-11-01): fixed certs.", "3.2.3 (2024-07-10): pinned."]), 1)
    assert [cid for cid, _ in lexical.search("What changed in 3.2.4?", 2)] == ["doc#0"]


def test_a_version_after_a_v_is_the_same_version() -> None:
    """ "v3.2.4" read as the words "v3" and "2.4" until a "v" was allowed before a version."""
    lexical = LexicalIndex()
    lexical.build(chunks(["v3.2.4 (2024-11-01): fixed certs.", "v3.2.3: pinned the v2 API."]), 1)
    assert [cid for cid, _ in lexical.search("What changed in 3.2.4?", 2)] == ["doc#0"]
    assert [cid for cid, _ in lexical.search("What changed in V3.2.4?", 2)] == ["doc#0"]
    assert [cid for cid, _ in lexical.search("the v2 API", 2)] == ["doc#1"]


def test_results_are_matches_only_best_first(index: LexicalIndex) -> None:
    results = index.search("Budapest sanctions", 10)
    assert {chunk_id for chunk_id, _ in results} == {"doc#0", "doc#3"}
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)
    assert len(index.search("Ukraine Geneva sanctions forces", 2)) == 2


def test_stemming_matches_inflected_forms(index: LexicalIndex) -> None:
    assert index.search("negotiation", 2)[0][0] == "doc#1"
    assert index.search("phase", 2)[0][0] == "doc#3"


def test_unknown_or_stop_word_queries_find_nothing(index: LexicalIndex) -> None:
    assert index.search("zyzzyva", 5) == []
    assert index.search("what is the", 5) == []
    assert index.search("   ", 5) == []


def test_empty_index_finds_nothing(tmp_path: Path) -> None:
    lexical = LexicalIndex(tmp_path / "bm25")
    assert lexical.search("Budapest", 5) == []
    lexical.build([], generation=3)
    assert lexical.search("Budapest", 5) == []
    lexical.save()
    again = LexicalIndex(tmp_path / "bm25")
    assert again.load() is True
    assert again.generation == 3
    assert again.search("Budapest", 5) == []


def test_save_and_load_round_trip(tmp_path: Path, index: LexicalIndex) -> None:
    index.path = tmp_path / "bm25"
    index.save()
    index.save()  # replacing an existing copy works too
    loaded = LexicalIndex(tmp_path / "bm25")
    assert loaded.generation == -1
    assert loaded.load() is True
    assert loaded.generation == 7
    assert len(loaded) == 4
    assert loaded.search("Budapest sanctions", 10) == index.search("Budapest sanctions", 10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bm25"]


def test_load_without_a_saved_index_is_false(tmp_path: Path) -> None:
    assert LexicalIndex(tmp_path / "missing").load() is False
    assert LexicalIndex(None).load() is False


def test_rebuild_replaces_content(index: LexicalIndex) -> None:
    index.build(chunks(["Only Vienna is mentioned here."]), generation=8)
    assert index.generation == 8
    assert index.search("Budapest", 5) == []
    assert index.search("Vienna", 5)[0][0] == "doc#0"


def test_invalid_arguments(tmp_path: Path, index: LexicalIndex) -> None:
    with pytest.raises(ValueError, match="k must be"):
        index.search("Budapest", 0)
    with pytest.raises(ValueError, match="no path"):
        index.save()
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        LexicalIndex(target)
