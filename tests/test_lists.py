"""Lists as answers: the items after an introduction, and claims quoting them exactly."""

from __future__ import annotations

import pytest

from ingest.analyze import analyze_document
from ingest.candidates import answer_candidates
from qa.lists import (
    led_by,
    list_claims,
    list_intro_of,
    list_items_after,
    list_question_form,
    section_list,
    table_after,
    table_headed_by,
)
from vectorstore.types import Document

STEPS = [f"Step number {n} of the procedure." for n in range(1, 8)]
MARKDOWN = (
    "# Procedure\n\nBefore you start, read the manual. The procedure has these steps:\n\n"
    + "\n".join(f"{n}. {s}" for n, s in enumerate(STEPS, start=1))
    + "\n\n## Other\n\nA closing paragraph.\n"
)


def _doc(text: str = MARKDOWN, name: str = "p.md", media: str = "text/markdown") -> Document:
    return analyze_document(name, name, text, media)


def _intro(doc: Document) -> int:
    return next(c.start for c in answer_candidates(doc) if c.role == "list_intro")


def test_items_after_an_introduction() -> None:
    doc = _doc()
    items = list_items_after(doc, _intro(doc))
    assert [i.text for i in items] == STEPS
    for item in items:
        assert doc.text[item.start : item.end] == item.text


def test_nested_items_are_skipped_and_missing_lists_are_empty() -> None:
    text = "Pick one of these:\n\n- Alpha\n  - alpha detail\n- Beta\n\nThe end.\n"
    doc = _doc(text)
    assert [i.text for i in list_items_after(doc, 0)] == ["Alpha", "Beta"]
    cut = _doc("Intro.\n\nPick one of these:\n\n## Next section\n\n- Alpha\n")
    assert list_items_after(cut, cut.text.index("Pick")) == []
    assert list_items_after(_doc("Pick one of these:\n"), 0) == []
    plain = Document(id="x", path="x", text="Pick:\n- a\n", content_hash="h")
    assert list_items_after(plain, 0) == []


def test_rst_and_html_lists() -> None:
    rst = _doc("Options\n=======\n\nThe options are:\n\n#. fast\n#. safe\n", "o.rst", "text/x-rst")
    assert [i.text for i in list_items_after(rst, rst.text.index("The options"))] == [
        "fast",
        "safe",
    ]


def test_a_label_inside_an_item_is_part_of_it() -> None:
    """A tab inside the first item (a heading over its example) does not end the list."""
    rst = _doc(
        "Uses\n====\n\nThere are 3 uses:\n\n"
        "1. Freezing.\n\n   .. tab:: Unix\n\n      .. code-block:: shell\n\n"
        "         tide freeze\n\n"
        "   .. tab:: Windows\n\n      .. code-block:: shell\n\n         tide.exe freeze\n\n"
        "2. Pinning.\n3. Patching.\n\nAfter the list.\n",
        "u.rst",
        "text/x-rst",
    )
    items = list_items_after(rst, rst.text.index("There are"))
    assert [i.text for i in items] == ["Freezing.", "Pinning.", "Patching."]


def test_question_forms() -> None:
    assert list_question_form("How many steps are there, and what are they?") == "count"
    assert list_question_form("What is the first step?") == "first"
    assert list_question_form("Which one comes last?") == "last"
    assert list_question_form("Which steps does it list?") == "all"


def test_all_items_capped_with_a_closing_claim_that_cites_the_rest() -> None:
    doc = _doc()
    items = list_items_after(doc, _intro(doc))
    claims = list_claims("Which steps are listed?", doc, items, evidence=2)
    assert [c.quote for c in claims[:5]] == STEPS[:5]
    assert claims[5].text == "… and 2 more."
    rest = claims[5].quote
    assert rest == doc.text[items[5].start : items[6].end]
    assert STEPS[5] in rest and STEPS[6] in rest
    assert all(c.evidence == 2 for c in claims)
    assert all(c.quote in doc.text for c in claims)


def test_first_last_and_count() -> None:
    doc = _doc()
    items = list_items_after(doc, _intro(doc))
    (first,) = list_claims("What is the first step?", doc, items)
    assert first.quote == STEPS[0] and STEPS[0] in first.text
    (last,) = list_claims("And the final one?", doc, items)
    assert last.quote == STEPS[-1]
    (count,) = list_claims("How many steps, and what are they?", doc, items, cap=3)
    assert count.text.startswith("There are 7: Step number 1 of the procedure;")
    assert count.text.endswith("; and 4 more.")
    assert count.quote == doc.text[items[0].start : items[-1].end]
    # Composed wording is marked, so verification checks the quote, not the count's words.
    assert count.structural
    assert not any(c.structural for c in list_claims("Which steps?", doc, items, cap=10))


def test_no_count_is_claimed_against_the_count_the_introduction_states() -> None:
    """Items read in part (a tab inside the first item cut the list in two) are not counted
    over the introduction's own number: "There are 1" contradicted "there are 4 uses"."""
    doc = _doc()
    items = list_items_after(doc, _intro(doc))
    question = "How many steps are there?"
    assert list_claims(question, doc, items, intro="It has 9 steps:") == []
    assert list_claims(question, doc, items, intro="In practice there are nine steps:") == []
    (agreed,) = list_claims(question, doc, items, intro="It has 7 steps:")
    assert agreed.text.startswith("There are 7:")
    # A version is no count.
    (versioned,) = list_claims(question, doc, items, intro="Tide 3.1 has these steps:")
    assert versioned.text.startswith("There are 7:")


def test_no_items_no_claims_and_bad_cap() -> None:
    doc = _doc()
    assert list_claims("Which?", doc, []) == []
    with pytest.raises(ValueError):
        list_claims("Which?", doc, list_items_after(doc, _intro(doc)), cap=0)


def test_an_item_going_on_into_the_next_ends_with_a_full_stop_not_a_comma() -> None:
    """ "All it does is:" / "1. Take your declaration," / "2. and attach them.": an item shown
    as a sentence ends with a full stop, not ",."; its quote stays the item as written."""
    text = (
        "# Work\n\nAll it does is:\n\n1. Take your declaration,\n2. write methods from it;\n"
        "3. and attach them to your class.\n"
    )
    doc = _doc(text)
    items = list_items_after(doc, _intro(doc))
    claims = list_claims("What does it do?", doc, items)
    assert [c.text for c in claims] == [
        "Take your declaration.",
        "write methods from it.",
        "and attach them to your class.",
    ]
    assert [c.quote for c in claims] == [
        "Take your declaration,",
        "write methods from it;",
        "and attach them to your class.",
    ]


def test_the_introduction_of_an_items_list() -> None:
    """An item's list is introduced by the last sentence of the block before its first item,
    when that sentence ends with a colon; a nested list by its parent item; a list after a
    sentence that introduces nothing has none."""
    text = (
        "We handle a subset of the standard. Unsupported options include:\n\n"
        "- Hierarchical storage\n- Lossless coding\n  - lossless detail:\n    - deeper\n\n"
        "The library reads files.\n\n- Alpha\n- Beta\n"
    )
    doc = _doc(text)
    for item in ("Hierarchical storage", "Lossless coding"):
        intro = list_intro_of(doc, text.index(item))
        assert intro is not None and intro.text == "Unsupported options include:"
        assert doc.text[intro.start : intro.end] == intro.text
    nested = list_intro_of(doc, text.index("deeper"))
    assert nested is not None and nested.text.endswith("lossless detail:")
    assert list_intro_of(doc, text.index("Alpha")) is None
    assert list_intro_of(doc, text.index("The library")) is None


def test_the_list_that_opens_a_section() -> None:
    """A list right under a heading is the section's list, read from its first item; a list
    after a paragraph, or an offset past the first item, is no section's opening list."""
    text = (
        "# Tidewater\n\n## Features\n\n- Reads gauges\n- Predicts tides\n  - nested\n"
        "- Warns of storms\n\n## Usage\n\nRun it daily.\n\n- Alpha\n- Beta\n"
    )
    doc = _doc(text)
    items = section_list(doc, text.index("Reads"))
    assert [i.text for i in items] == ["Reads gauges", "Predicts tides", "Warns of storms"]
    assert all(doc.text[i.start : i.end] == i.text for i in items)
    assert section_list(doc, text.index("Predicts")) == []
    assert section_list(doc, text.index("Alpha")) == []
    assert section_list(doc, text.index("Run it")) == []


def test_the_table_an_introduction_announces() -> None:
    table = "| Port | Tide |\n|------|------|\n| Hull | 4 m |\n| Leith | 5 m |\n"
    doc = _doc(f"# Tides\n\nThe tides are:\n\n{table}")
    rows = table_after(doc, doc.text.index("The tides are:"))
    assert [r.text for r in rows] == ["| Port | Tide |", "| Hull | 4 m |", "| Leith | 5 m |"]
    assert all(doc.text[r.start : r.end] == r.text for r in rows)
    # A paragraph between them: the introduction announces something else.
    doc = _doc(f"# Tides\n\nThe tides are:\n\nThey vary.\n\n{table}")
    assert table_after(doc, doc.text.index("The tides are:")) == []


def test_the_table_a_header_row_heads() -> None:
    table = "| Port | Tide |\n|------|------|\n| Hull | 4 m |\n| Leith | 5 m |\n"
    doc = _doc(f"# Tides\n\nThe tides vary.\n\n{table}")
    rows = table_headed_by(doc, doc.text.index("| Port"))
    assert [r.text for r in rows] == ["| Port | Tide |", "| Hull | 4 m |", "| Leith | 5 m |"]
    assert table_headed_by(doc, doc.text.index("| Hull")) == []  # a row is no header
    assert table_headed_by(doc, doc.text.index("The tides")) == []
    alone = _doc("# Tides\n\nThe tides are:\n\n| Port | Tide |\n|------|------|\n")
    assert table_headed_by(alone, alone.text.index("| Port")) == []  # a header heads no rows
    assert table_after(alone, alone.text.index("The tides are:")) == []


def test_what_a_candidate_leads() -> None:
    table = "| Port | Tide |\n|------|------|\n| Hull | 4 m |\n"
    doc = _doc(f"# Tides\n\nThe ports are:\n\n- Hull\n- Leith\n\nThe tides are:\n\n{table}")
    listed = led_by(doc, doc.text.index("The ports"), introduces=True)
    assert listed is not None and [i.text for i in listed.parts] == ["Hull", "Leith"]
    tabled = led_by(doc, doc.text.index("The tides"), introduces=True)
    assert tabled is not None and [r.text for r in tabled.rows] == [
        "| Port | Tide |",
        "| Hull | 4 m |",
    ]
    headed = led_by(doc, doc.text.index("| Port"), introduces=False)
    assert headed is not None and headed.parts == tabled.rows
    assert led_by(doc, doc.text.index("| Hull"), introduces=False) is None
