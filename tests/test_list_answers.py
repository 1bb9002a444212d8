"""Lists end to end: an intact list answers with its items; the same list cut off is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import answered, assert_exact, ingested

from qa.lists import shown_under_labels

INTRO = "The Harbour Board approved the following measures for the winter season:"
ITEMS = [
    "Extending the ferry pier by forty metres.",
    "Dredging the northern channel twice a year.",
    "Installing tide gauges at both breakwaters.",
]
BEFORE = (
    "# Harbour plan\n\nThe Harbour Board met on 3 October to review the state of the port. "
    "Storms had damaged the old pier and silt had narrowed the channel. "
)
AFTER = "\n\n## Funding\n\nThe measures are paid for from the port's reserve fund.\n"


def write(folder: Path, body: str, name: str = "harbour.md") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return folder


def test_intact_list_is_answered_with_its_items(tmp_path: Path) -> None:
    items = "\n".join(f"- {item}" for item in ITEMS)
    corpus = write(tmp_path / "intact", f"{BEFORE}{INTRO}\n\n{items}{AFTER}")
    parts = ingested(tmp_path / "data-intact", corpus)
    answer = parts.chain().ask("Which measures did the Harbour Board approve?")
    assert not answer.refused, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert sum(item.rstrip(".") in quotes for item in ITEMS) >= 2
    assert_exact(answer, parts.sources)


def test_cut_list_is_refused_as_truncated(tmp_path: Path) -> None:
    corpus = write(tmp_path / "cut", f"{BEFORE}{INTRO}\n")
    parts = ingested(tmp_path / "data-cut", corpus)
    answer = parts.chain().ask("Which measures did the Harbour Board approve?")
    assert answer.refused and answer.refusal_reason == "source_truncated", answer.answer
    assert answer.citations and answer.citations[-1].quote.endswith(":")
    text = answer.answer + " ".join(c.quote for c in answer.citations)
    assert not any(word in text for word in ("Dredging", "tide gauges", "forty metres"))
    control = parts.chain().ask("When did the Harbour Board meet?")
    assert not control.refused, control.answer
    assert any("3 October" in c.quote for c in control.citations)


LONG_ITEMS = [
    f"Rebuilding the {place}, costed at {n * 7} thousand crowns, with the work finished "
    f"within {n + 2} months by contractors from the neighbouring towns along the coast."
    for n, place in enumerate(
        [
            "ferry pier",
            "northern channel",
            "tide gauge",
            "breakwater",
            "fish market",
            "customs shed",
            "lighthouse",
            "slipway",
            "crane",
            "warehouse",
            "footbridge",
            "sea wall",
            "marina",
            "pilot station",
        ],
        start=1,
    )
]


def test_a_list_running_past_its_chunk_is_answered_whole(tmp_path: Path) -> None:
    items = "\n".join(f"- {item}" for item in LONG_ITEMS)
    corpus = write(tmp_path / "long", f"{BEFORE}{INTRO}\n\n{items}{AFTER}")
    parts = ingested(tmp_path / "data-long", corpus)
    chunks = parts.sources.chunks_for("harbour.md")
    intro_chunk = next(c for c in chunks if INTRO in c.text)
    assert LONG_ITEMS[-1] not in intro_chunk.text  # the list really runs past the chunk
    answer = parts.chain().ask("How many measures did the Harbour Board approve?")
    assert not answer.refused, answer.answer
    assert f"There are {len(LONG_ITEMS)}" in answer.answer
    assert any(LONG_ITEMS[-1] in c.quote for c in answer.citations)
    assert_exact(answer, parts.sources)
    last = parts.chain().ask("What is the last measure the Harbour Board approved?")
    assert any(c.quote == LONG_ITEMS[-1] for c in last.citations), last.answer
    assert_exact(last, parts.sources)


def test_a_table_running_past_its_chunk_is_answered_with_its_rows(tmp_path: Path) -> None:
    """The rows an answer shows are quoted from the chunks that hold them."""
    header = "| Measure | Cost and schedule |\n| --- | --- |"
    rows = [f"| {m.split(',')[0]} | {m.split(',', 1)[1].strip()} |" for m in LONG_ITEMS]
    table = "\n".join([header, *rows])
    # Other passages about the Board, so that search brings more than the table.
    minutes = "".join(
        f"\n\n## Meeting {n}\n\nThe Harbour Board discussed the budget for the {season} "
        f"season at its meeting number {n}."
        for n, season in enumerate(["spring", "summer", "autumn", "fishing", "tourist"] * 2, 2)
    )
    corpus = write(tmp_path / "table", f"{BEFORE}{INTRO}\n\n{table}{AFTER}{minutes}")
    parts = ingested(tmp_path / "data-table", corpus)
    intro_chunk = next(c for c in parts.sources.chunks_for("harbour.md") if INTRO in c.text)
    assert rows[4] not in intro_chunk.text  # the table really runs past the chunk
    answer = parts.chain().ask("Which measures did the Harbour Board approve?")
    assert not answer.refused, answer.answer
    quotes = [c.quote for c in answer.citations]
    assert quotes[:2] == [INTRO, header.split("\n")[0]]
    assert quotes[2:7] == rows[:5], quotes
    assert_exact(answer, parts.sources)


def test_a_quoted_introduction_is_found_and_answered_with_its_items(tmp_path: Path) -> None:
    corpus = tmp_path / "quoted"
    corpus.mkdir()
    ranked_by = ["speed", "safety", "comfort", "price", "range", "styling"]
    topics = ["bicycles", "scooters", "trains", "ferries", "buses", "trams"]
    for i, topic in enumerate(topics):
        (corpus / f"{topic}.md").write_text(
            f"# {topic.title()}\n\nThe key features of {topic} are widely debated. Reviewers "
            f"rank the features of {topic} by {ranked_by[i]} and by {ranked_by[(i + 1) % 6]}; "
            f"other features matter less.\n\nWhich features count most for {topic} depends on "
            "the rider.\n",
            encoding="utf-8",
        )
    items = ["a stone breakwater", "a tidal basin", "a lighthouse on the mole"]
    (corpus / "harbour.md").write_text(
        "# Harbour notes\n\nThe harbour opened in 1850 and was rebuilt twice. "
        "The key features are:\n\n" + "".join(f"- {item}\n" for item in items),
        encoding="utf-8",
    )
    parts = ingested(tmp_path / "data-quoted", corpus)
    retriever = parts.chain().retriever
    # The words alone do not single the passage out among pages full of "key features" ...
    plain = "Which features are given after The key features are?"
    assert retriever.retrieve(plain)[0].chunk.document != "harbour.md"
    # ... the same words in quotation marks do, as a phrase in a search engine.
    quoted = 'Which features are given after "The key features are"?'
    assert retriever.retrieve(quoted)[0].chunk.document == "harbour.md"
    answer = parts.chain().ask(quoted)
    assert not answer.refused, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert all(item in quotes for item in items)
    assert_exact(answer, parts.sources)


def among_inventories(corpus: Path, harbour: str, inventory_tail: str = "") -> Path:
    """A harbour page among eight inventory pages that use the words of "how many items are
    listed after ..." over and over."""
    corpus.mkdir()
    for n in range(8):
        (corpus / f"inventory-{n}.md").write_text(
            f"# Inventory {n}\n\nHow many items are listed in inventory {n}? The items listed "
            f"here are counted each week once the works are approved, and the listed items are "
            f"checked item by item after the works.{inventory_tail}\n",
            encoding="utf-8",
        )
    (corpus / "harbour.md").write_text(f"# Harbour notes\n\n{harbour}", encoding="utf-8")
    return corpus


def test_a_quoted_introduction_is_searched_for_on_its_own_words(tmp_path: Path) -> None:
    """The rest of the question ("how many items are listed") fills the dense and lexical
    candidates with other pages; the quoted passage is still searched for, and found."""
    items = ["a stone breakwater", "a tidal basin", "a lighthouse on the mole"]
    corpus = among_inventories(
        tmp_path / "pulled",
        "The harbour opened in 1850. The approved works are:\n\n"
        + "".join(f"- {item}\n" for item in items),
    )
    parts = ingested(tmp_path / "data-pulled", corpus)
    retriever = parts.chain().retriever.model_copy(update={"candidates": 3})
    question = 'How many items are listed after "The approved works are", and what are they?'
    plain = question.replace('"', "")
    assert all(ev.chunk.document != "harbour.md" for ev in retriever.retrieve(plain))
    # Found, and first: the other pages match the rest of the question in both rankings.
    assert retriever.retrieve(question)[0].chunk.document == "harbour.md"


def test_a_quoted_passage_of_common_words_is_found(tmp_path: Path) -> None:
    """ "This includes, for example": its words are on every page, so the page holding the
    passage ranks below the first candidates on them alone; more of their matches are read for
    the passage itself."""
    corpus = tmp_path / "common"
    corpus.mkdir()
    for n in range(8):
        (corpus / f"inventory-{n}.md").write_text(
            f"# Inventory {n}\n\nThis list includes examples. Example {n} includes an example "
            "that includes this example.\n",
            encoding="utf-8",
        )
    (corpus / "harbour.md").write_text(
        "# Harbour notes\n\nThe harbour opened in 1850 after long works on the quays, the "
        "moles and the channels of the old port, paid by the town over twenty years. "
        "This includes, for example:\n\n- a stone breakwater\n- a tidal basin\n",
        encoding="utf-8",
    )
    parts = ingested(tmp_path / "data-common", corpus)
    retriever = parts.chain().retriever.model_copy(update={"candidates": 3})
    question = 'List them: "This includes, for example".'
    narrow = retriever.model_copy(update={"passage_candidates": 3})
    assert all(ev.chunk.document != "harbour.md" for ev in narrow.retrieve(question))
    assert retriever.retrieve(question)[0].chunk.document == "harbour.md"


def test_a_quoted_identifier_is_found_as_rendered_text_reads_it(tmp_path: Path) -> None:
    """`load_works()` quoted as "load works", the way a page's rendered text reads."""
    corpus = among_inventories(
        tmp_path / "first",
        "The harbour opened in 1850. By default, `load_works()` will:\n\n"
        "- dredge the channel\n- repair the mole\n",
        inventory_tail=" By default the works will start.",
    )
    parts = ingested(tmp_path / "data-first", corpus)
    # Few candidates, so that the other pages fill both rankings.
    retriever = parts.chain().retriever.model_copy(update={"candidates": 3})
    # The quote leaves out the identifier's underscore and brackets, as rendered text reads.
    question = 'How many items are listed after "By default, load works will", and what are they?'
    assert retriever.retrieve(question)[0].chunk.document == "harbour.md"


def test_an_answer_lists_only_gaps_of_its_own_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "two"
    corpus.mkdir()
    # The cut list's announcement sits at the same offsets as the answer in the other file.
    cut = "A museum of folk costume opened in 1901. Its collections included:\n"
    fact = (
        "The big telescope of the observatory arrived in 1893 from Paris by train. "
        "The big telescope was mounted on the observatory's dome in 1894. "
        "Astronomers used the big telescope of the observatory until 1960. "
        "The big telescope of the observatory was restored in 2001.\n"
    )
    (corpus / "museum.md").write_text(cut, encoding="utf-8")
    (corpus / "observatory.md").write_text(fact, encoding="utf-8")
    parts = ingested(tmp_path / "data-two", corpus)
    museum = parts.sources.get_document("museum.md")
    assert museum is not None
    gaps = museum.gaps
    assert gaps and gaps[0].start < len(fact)
    answer = parts.chain().ask("When did the big telescope arrive at the observatory?")
    assert not answer.refused, answer.answer
    assert answer.citations[0].document == "observatory.md"
    assert answer.gaps == []


def test_an_introduction_is_quoted_with_what_it_introduces(tmp_path: Path) -> None:
    page = (
        "# Tidewater\n\nTidewater predicts harbour tides from gauge readings. It reads every "
        "gauge of the harbour each ten minutes.\n\n"
        "The official Tidewater website:\n\n  https://tidewater.example.org/\n\n"
        "## Support\n\nQuestions go to the harbour office.\n"
    )
    question = "What is the official Tidewater website?"
    answer, quotes, parts = answered(tmp_path, "tidewater.md", page, question)
    assert "https://tidewater.example.org/" in quotes, quotes
    assert_exact(answer, parts.sources)


def test_an_introduction_over_a_labelled_example_is_quoted_with_label_and_code(
    tmp_path: Path,
) -> None:
    """A book's examples carry a label line above their code ("Filename: src/main.rs"): the
    introduction brings the label and the code, not the label alone.  A sentence between
    them is not a label: the introduction brings only that sentence."""
    page = (
        "<html><body><h1>Gauges</h1><p>Tidewater reads every gauge of the harbour.</p>"
        "<p>You can read one gauge by its number, like this:</p>"
        '<p><span class="filename">Filename: src/main.rs</span></p>'
        "<pre><code>let reading = gauges[3].read();</code></pre>"
        "<p>You can reset a gauge like this:</p><p>Resetting clears the stored readings.</p>"
        "<pre><code>gauges[3].reset();</code></pre></body></html>"
    )
    question = "How do I read one gauge by its number?"
    answer, quotes, parts = answered(tmp_path, "gauges.html", page, question)
    assert quotes[:2] == [
        "You can read one gauge by its number, like this:",
        "Filename: src/main.rs",
    ]
    assert any("gauges[3].read()" in q for q in quotes[2:]), quotes
    assert_exact(answer, parts.sources)
    answer, quotes, parts = answered(
        tmp_path / "reset", "gauges.html", page, "How do I reset a gauge?"
    )
    assert "Resetting clears the stored readings." in quotes, quotes
    assert not any("reset();" in q for q in quotes), quotes


def test_an_introduction_over_tabs_is_quoted_with_the_first_tab_s_example(tmp_path: Path) -> None:
    """Tabs (``.. tab:: Unix``) label the example an introduction announces, one per system;
    the example sits under the tab's heading, in another chunk, and comes with it.  Under a
    described object's signature a description needs its name: nothing is brought there."""
    tabs = (
        ".. tab:: Unix/macOS\n\n   .. code-block:: console\n\n      $ tide show harbour\n\n"
        ".. tab:: Windows\n\n   .. code-block:: console\n\n      C:> tide show harbour\n\n"
    )
    page = (
        "Reading gauges\n==============\n\nTidewater reads every gauge of the harbour.\n\n"
        "To show the readings of a harbour:\n\n" + tabs + "Ports\n=====\n\n"
        "Each port has these settings:\n\n.. attribute:: Port.depth\n\n"
        "   The depth of the channel at low tide.\n"
    )
    question = "How do I show the readings of a harbour?"
    answer, quotes, parts = answered(tmp_path, "guide.rst", page, question)
    assert quotes[0] == "To show the readings of a harbour:", quotes
    assert any("$ tide show harbour" in q and "C:>" not in q for q in quotes[1:]), quotes
    assert_exact(answer, parts.sources)
    document = parts.sources.get_document("guide.rst")
    assert document is not None
    settings = document.text.index("Each port has these settings:")
    assert shown_under_labels(document, settings) is None


NESTED = {
    "changes.md": (
        "# Tidewater changes\n\n## Version 2.0\n\n"
        "- Dropped support for paper tide tables.\n"
        "- Added new gauge options:\n"
        "    - `--gauge-interval` sets how often each gauge is read.\n"
        "    - `--gauge-limit` caps how many readings are kept.\n"
        "    - `--gauge-units` switches between metres and feet.\n"
        "- Fixed the clock drift on long runs.\n"
    ),
    "changes.rst": (
        "Tidewater changes\n=================\n\n"
        "* Dropped support for paper tide tables.\n"
        "* Added new gauge options:\n\n"
        "  - ``--gauge-interval`` sets how often each gauge is read.\n"
        "  - ``--gauge-limit`` caps how many readings are kept.\n"
        "  - ``--gauge-units`` switches between metres and feet.\n\n"
        "* Fixed the clock drift on long runs.\n"
    ),
    "changes.html": (
        "<html><head><title>Tidewater changes</title></head><body><h1>Tidewater changes</h1>"
        "<ul><li>Dropped support for paper tide tables.</li><li>Added new gauge options:<ul>"
        "<li><code>--gauge-interval</code> sets how often each gauge is read.</li>"
        "<li><code>--gauge-limit</code> caps how many readings are kept.</li>"
        "<li><code>--gauge-units</code> switches between metres and feet.</li></ul></li>"
        "<li>Fixed the clock drift on long runs.</li></ul></body></html>\n"
    ),
}


@pytest.mark.parametrize("name", sorted(NESTED))
def test_a_nested_list_is_answered_with_the_items_under_its_parent(
    tmp_path: Path, name: str
) -> None:
    """A list item ending in a colon introduces its nested list, in every format."""
    corpus = write(tmp_path / "nested", NESTED[name], name)
    parts = ingested(tmp_path / "data-nested", corpus)
    answer = parts.chain().ask('List them: "Added new gauge options".')
    assert not answer.refused, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert all(flag in quotes for flag in ("--gauge-interval", "--gauge-limit", "--gauge-units"))
    assert "clock drift" not in quotes and "paper tide" not in quotes
    assert_exact(answer, parts.sources)


def test_a_list_item_ending_in_a_colon_never_takes_its_siblings_for_its_items(
    tmp_path: Path,
) -> None:
    """An item introduces only what is nested under it: the items after it at its own level are
    other points of the same list, not what it announces."""
    corpus = write(
        tmp_path / "siblings",
        "# Tidewater\n\nTidewater reads harbour gauges.\n\n## Notes\n\n"
        "- Supported gauge platforms:\n"
        "- The daemon restarts itself after a crash.\n"
        "- Logs rotate every week.\n",
        "notes.md",
    )
    parts = ingested(tmp_path / "data-siblings", corpus)
    answer = parts.chain().ask("What are the supported gauge platforms?")
    quotes = " ".join(c.quote for c in answer.citations)
    assert "restarts itself" not in quotes and "rotate every week" not in quotes, quotes
    assert_exact(answer, parts.sources)


OPTIONS = (
    "# Tidewater\n\n## Configure options\n\n"
    "The configure script takes these options. It is best to read the manual first.\n\n"
    + "".join(
        f"* `--{name}`\n\n  {description}\n\n"
        for name, description in (
            (
                "enable-gauge-cache",
                "By default, gauge readings are kept for an hour.  Use this\n"
                "  option to keep them for a day instead.",
            ),
            (
                "disable-tide-tables",
                "By default, tide tables are printed with each forecast.  "
                "Use this option\n  to print the forecast alone.",
            ),
            (
                "with-harbour=NAME",
                "Use this flag to choose the harbour the forecasts are for.  "
                "NAME is\n  passed to the gauge reader.",
            ),
        )
    )
    + "## Platforms\n\n* Known not to need a driver:\n\n  macOS\n\n"
    "* Known to need the serial driver:\n\n  Linux, FreeBSD\n\n"
    "* Supported gauges:\n  * `Tidelog 3`: the harbour master's gauge, read over the serial\n"
    "    line every ten minutes (older models every hour).\n"
)


def test_a_readme_option_item_answers_with_its_description_paragraph(tmp_path: Path) -> None:
    """A README's option list writes each option as an item's first paragraph and its
    description as the next ("* `--disable-setuid`" over "By default, man will be installed as
    a setuid program ...  Use this option to install man as a non-setuid program instead."):
    the option is asked for by name, the description answers, all of its paragraph."""
    corpus = write(tmp_path / "readme", OPTIONS, name="tidewater.md")
    parts = ingested(tmp_path / "data", corpus, chunking={"max_tokens": 40})
    answer = parts.chain().ask("What does --disable-tide-tables do?")
    assert not answer.refused, answer.answer
    quotes = [c.quote for c in answer.citations]
    assert quotes[0].startswith("By default, tide tables are printed"), quotes
    assert any(q.startswith("Use this option\n  to print the forecast alone") for q in quotes)
    assert not any("gauge readings" in q or "harbour the forecasts" in q for q in quotes)
    assert_exact(answer, parts.sources)


def test_an_items_lead_brings_its_own_paragraph_not_the_last_items(tmp_path: Path) -> None:
    """ "* Known to need the serial driver:" over its paragraph "Linux, FreeBSD": the lead
    introduces its own paragraph, and the item before's last paragraph ("macOS" under "Known not
    to need a driver:") is no term it describes."""
    corpus = write(tmp_path / "readme", OPTIONS, name="tidewater.md")
    parts = ingested(tmp_path / "data", corpus)
    answer = parts.chain().ask("Which systems are known to need the serial driver?")
    assert not answer.refused, answer.answer
    quotes = [c.quote for c in answer.citations]
    assert quotes[:2] == ["Known to need the serial driver:", "Linux, FreeBSD"], quotes
    # A nested item's wrapped line goes on at its text's column: one candidate, not two.
    gauge = parts.chain().ask("How often is the Tidelog 3 gauge read?")
    assert any(c.quote.endswith("(older models every hour).") for c in gauge.citations)
    for a in (answer, gauge):
        assert_exact(a, parts.sources)


GLOSSARY = (
    "Tidewater\n=========\n\nTidewater predicts harbour tides from gauge readings. A project "
    "may hold many gauges, and each release of a project is read by the same tools.\n\n"
    "Terms\n-----\n\nThe following terms are used by this manual:\n\n"
    "project\n    A harbour, its gauges and the readings taken there.  Projects have unique "
    "names.\n\n"
    "release\n    A snapshot of a project's readings at one point in time.\n\n"
    "gauge\n    A post in the water that measures its level.\n\n"
    "Functions\n---------\n\n"
    "``settle(*gauges)``\n    Wait until the given gauges read a steady level.\n\n"
    "``drain(gauge)``\n    Empty the gauge's well before a reading.\n"
)


def test_a_glossary_term_over_its_indented_definition_answers_what_it_is(tmp_path: Path) -> None:
    """reStructuredText writes a definition list's term on its own line over its indented
    definition ("project" over "    A library, framework, ..." in setuptools' pkg_resources
    manual): "What is a project?" quotes that item, its definition's sentences and no other
    term's; "What does settle() do?" finds the function by its signature."""
    corpus = write(tmp_path / "manual", GLOSSARY, name="tidewater.rst")
    parts = ingested(tmp_path / "data", corpus)
    answer = parts.chain().ask("What is a project?")
    assert answer.decided_by == "defined", answer.answer
    quotes = [c.quote for c in answer.citations]
    assert quotes[0].startswith("project\n    A harbour, its gauges"), quotes
    assert not any("snapshot" in q or "A post" in q for q in quotes)
    settle = parts.chain().ask("What does settle() do?")
    assert settle.decided_by == "purpose_stated", settle.answer
    assert [c.quote for c in settle.citations] == [
        "``settle(*gauges)``\n    Wait until the given gauges read a steady level."
    ]
    for a in (answer, settle):
        assert_exact(a, parts.sources)
