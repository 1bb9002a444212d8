"""Generate truncation tests from any corpus: cut and intact copies with list questions.

``python -m eval.truncation --corpus DIR [--corpus DIR ...] --out DIR`` reads every supported
file of the corpora with the ingest code (structure, blocks), finds list introductions (a
sentence ending in a colon followed by a list of at least ``MIN_ITEMS`` items), keeps at most
``--per-document`` of them per document (evenly spread), and writes:

- **cut copies**: the document cut right after the introducing sentence, followed by one tail
  variant: ``eof`` (nothing), ``blank`` (blank lines) or a block of web boilerplate of one kind
  (``share``, ``newsletter``, ``cookie``, ``comments``, ``related``), each kind in several
  generic wordings written here. Round ``k`` holds the ``k``-th cut of every document, so a
  corpus never holds two copies of one document;
- **intact copies**: the documents unchanged;
- **datasets** in the project's YAML format (:mod:`eval.dataset`), split tune/test **by source
  document** (a stable hash of its path): ``{split}/truncation-cut-{k}.yaml`` with list
  questions (``expect: refuse``, ``refusal_reason: source_truncated``, ``must_not_contain``:
  words of the real items) and control questions on facts stated before the cut (``expect:
  answer``), and ``{split}/truncation-intact.yaml`` with the same list questions (``expect:
  answer``, ``cited_contains_any``: the items' opening words);
- ``manifest.json``: every copy with its introduction's offsets, and the ingest-side figures
  measured with the current code (:func:`measure`): the share of cut copies where a gap is
  recorded at the introduction, the share of intact copies with a gap at one of the chosen
  introductions (false gaps), and the share with any gap at all (the source may have real ones).

``--render html`` writes every copy as the HTML page its Markdown renders to (markdown-it-py,
CommonMark with tables; raw HTML such as ``<img>`` lines passes through), cut in the Markdown
before rendering, so the same questions run over the HTML loader's stored text: the
introduction, its items and the control sentences are read from the rendered page.

List questions are written from the introduction in several forms ("which ...", "what is the
first ...", "how many ... and what are they", "list them", "... use your general knowledge if it
doesn't say"). Nothing here is specific to a corpus; the generated files go to ``--out`` (a
temporary or data directory), never into the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml
from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ingest.analyze import analyze_document, analyze_loaded
from ingest.chunking import split_sentences
from ingest.loaders import LoadError, iter_files, load_file, parse_html
from qa.lists import ListItem, list_items_after
from vectorstore.types import Document

MIN_ITEMS = 2
MIN_INTRO_WORDS = 4
MAX_ITEM_FRAGMENT_WORDS = 5
MAX_FORBIDDEN_WORDS = 6
MAX_CONTROL_SENTENCES = 12
TEST_SHARE = 0.5
VARIANTS = ("eof", "blank", "share", "newsletter", "cookie", "comments", "related")
RENDERINGS = ("html",)

# Generic page furniture, several wordings per kind (none taken from any corpus).
BOILERPLATE: dict[str, tuple[str, ...]] = {
    "share": (
        "Share this:\n\n- Facebook\n- X\n- LinkedIn\n- Email",
        "Share this post\n\n[Twitter](#) | [Facebook](#) | [Reddit](#)",
        "Spread the word:\n\nTweet · Share on LinkedIn · Copy link",
        "Share on Facebook\nShare on Twitter\nShare via Email",
    ),
    "newsletter": (
        "## Subscribe to our newsletter\n\nGet the latest posts delivered straight to your "
        "inbox. No spam, unsubscribe at any time.\n\nEmail address\n\nSubscribe",
        "Stay in the loop! Sign up for our weekly digest and never miss an update.\n\n"
        "Your email\n\nSign up",
        "Join 12,000 readers who get our newsletter every Friday.\n\nEnter your e-mail address",
    ),
    "cookie": (
        "We use cookies to improve your experience on our site. By continuing to browse, you "
        "agree to our use of cookies.\n\nAccept all · Manage preferences",
        "This website uses cookies to personalise content and analyse traffic. You can change "
        "your cookie settings at any time.\n\nAccept\n\nDecline",
        "Cookies help us deliver our services. By using this site you consent to the use of "
        "cookies.\n\nGot it",
    ),
    "comments": (
        "Leave a Reply\n\nYour email address will not be published. Required fields are "
        "marked *\n\nComment *\n\nName *\n\nEmail *\n\nPost Comment",
        "3 comments\n\nJoin the discussion: log in to post a comment.\n\nBe the first to reply.",
        "Comments\n\nYou must be logged in to post a comment.\n\nNotify me of new comments by "
        "email.",
    ),
    "related": (
        "## Related posts\n\n- [Ten tips for faster builds](#)\n- [What changed this year](#)\n"
        "- [A short history of the project](#)",
        "You might also like\n\n* Getting started in five minutes\n* Our favourite tools\n"
        "* Notes from the last meetup",
        "Read next:\n\n- How we test releases\n- A tour of the dashboard",
    ),
}

_TRAILING_MARKUP = re.compile(r"[\s*_`)\]]+$")
_MARKUP = re.compile(r"\{\s*[#*%][^}]*\}|[*_`#>\[\]()|{}]|https?://\S+")
_HEAD_NOUN = re.compile(
    r"\b(?:the following|these|those|several|some|various|a few|many|multiple|two|three|four|"
    r"five|six|seven|eight|nine|ten|\d+|main|key|other|different)\s+"
    r"((?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*s)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{4,}")


@dataclass
class Introduction:
    """One list introduction found in a source document."""

    source: str
    suffix: str
    intro_start: int
    intro_end: int
    intro: str
    items: list[str]
    item_fragments: list[str]
    noun: str
    control: list[str] = field(default_factory=list)
    control_topic: str | None = None  # the control question
    source_end: int = -1  # where a copy is cut in the source file (``intro_end`` unrendered)


@dataclass
class CopyRecord:
    """A generated copy: where it is, what it was cut from, and its expected gap."""

    path: str
    source: str
    kind: str  # "cut" or "intact"
    variant: str
    split: str
    round: int
    intro_start: int
    intro_end: int


def find_introductions(document: Document) -> list[Introduction]:
    """The list introductions of ``document`` (a paragraph sentence ending in a colon)."""
    found: list[Introduction] = []
    text = document.text
    for block in document.blocks:
        if block.kind not in ("paragraph", "list_item"):
            continue
        sentences = split_sentences(text, block.start, block.end)
        if not sentences:
            continue
        start, end = sentences[-1]
        sentence = text[start:end]
        if not _TRAILING_MARKUP.sub("", sentence).endswith(":") or sentence.endswith("::"):
            continue
        wording = plain(sentence)
        if len(wording.split()) < MIN_INTRO_WORDS:
            continue
        items = list_items_after(document, start)
        if len(items) < MIN_ITEMS or not all(_words(i.text) for i in items):
            continue
        intro = Introduction(
            source=document.id,
            suffix=Path(document.path).suffix,
            intro_start=start,
            intro_end=end,
            intro=wording,
            items=[i.text for i in items],
            item_fragments=[_fragment(i) for i in items],
            noun=_head_noun(wording),
            source_end=end,
        )
        _add_control(document, intro)
        found.append(intro)
    return found


def plain(text: str) -> str:
    return " ".join(_MARKUP.sub(" ", text).split())


def _words(text: str) -> list[str]:
    return _WORD.findall(plain(text))


def _fragment(item: ListItem) -> str:
    first_line = item.text.strip().splitlines()[0]
    return " ".join(first_line.split(" ")[:MAX_ITEM_FRAGMENT_WORDS]).strip()


def _head_noun(intro: str) -> str:
    match = _HEAD_NOUN.search(intro)
    return match.group(1).lower() if match else "items"


_DEFINITION = re.compile(
    r"^(?:(?P<article>The|A|An)\s+)?(?P<subject>[A-Za-z][\w-]*(?:\s+[\w-]+){0,3}?)\s+"
    r"(?P<verb>is|are)\s+(?P<rest>.{12,})[.!]$"
)
_NOT_SUBJECTS = frozenset(
    "it this that there these those they you we he she which what who here one each all some "
    "many most if as because when since so but and then now in on for with by to of at also "
    "just only your our its their another".split()
)
# Subjects made only of these words are too vague to ask about ("the first step").
_VAGUE = frozenset(
    "way step option thing things part idea point case example result reason answer question "
    "problem solution difference goal main first next last same other best good important "
    "versatile simple new default easy news actual".split()
)


def _add_control(document: Document, intro: Introduction) -> None:
    """A fact stated before the introduction to ask about (see :func:`control_question`)."""
    text = document.text
    before = prose_sentences(document, 0, intro.intro_start)
    for s, e in reversed(before):
        match = _DEFINITION.match(plain(text[s:e]))
        words = [w.lower() for w in match.group("subject").split()] if match else []
        if match and not set(words) & _NOT_SUBJECTS and not set(words) <= _VAGUE:
            article = (match.group("article") or "").lower()
            subject = f"{article} {match.group('subject')}".strip()
            intro.control_topic = f"What {match.group('verb')} {subject}?"
            intro.control = [fragment(text, s, e)]
            return
    for section in reversed(document.sections):
        if section.heading_start >= intro.intro_start:
            continue
        body_end = min(section.end, intro.intro_start)
        sentences = [(s, e) for s, e in before if section.start <= s and e <= body_end]
        if sentences:
            title = plain(document.title or "")
            topic = plain(section.title)
            where = f'"{topic}" in "{title}"' if title and title != topic else f'"{topic}"'
            intro.control_topic = f"What does the documentation say about {where}?"
            intro.control = [fragment(text, s, e) for s, e in sentences[:MAX_CONTROL_SENTENCES]]
            return


def prose_sentences(document: Document, start: int, end: int) -> list[tuple[int, int]]:
    """Offsets of the sentences of the paragraphs inside ``[start, end)`` that state something:
    at least eight words, not an introduction ending in a colon."""
    text = document.text
    return [
        (s, e)
        for b in document.blocks
        if b.kind == "paragraph" and start <= b.start and b.end <= end
        for s, e in split_sentences(text, b.start, b.end)
        if len(plain(text[s:e]).split()) >= 8 and not text[s:e].rstrip().endswith(":")
    ]


def fragment(text: str, start: int, end: int) -> str:
    """The first words of ``text[start:end]``: what a citation of it must contain."""
    return " ".join(text[start:end].split(" ")[:MAX_ITEM_FRAGMENT_WORDS])


def split_of(source: str, test_share: float = TEST_SHARE) -> str:
    """``test`` or ``tune`` for a source document, by a stable hash of its id."""
    digest = int(hashlib.sha256(source.encode("utf-8")).hexdigest()[:8], 16)
    return "test" if digest / 0xFFFFFFFF < test_share else "tune"


def _unambiguous(found: dict[str, list[Introduction]]) -> dict[str, list[Introduction]]:
    """``found`` without the introductions worded like another one of the corpora: a question
    quoting "The following arguments are supported:" cannot say which of its lists it means."""
    uses = Counter(intro.intro for intros in found.values() for intro in intros)
    return {
        doc_id: [intro for intro in intros if uses[intro.intro] == 1]
        for doc_id, intros in found.items()
    }


def _choose(found: Sequence[Introduction], limit: int) -> list[Introduction]:
    if len(found) <= limit:
        return list(found)
    step = len(found) / limit
    return [found[int(i * step)] for i in range(limit)]


def _variant(intro: Introduction, index: int) -> tuple[str, str]:
    key = int(hashlib.sha256(f"{intro.source}:{intro.intro_end}".encode()).hexdigest()[:8], 16)
    variant = VARIANTS[(key + index) % len(VARIANTS)]
    if variant == "eof":
        return variant, "\n"
    if variant == "blank":
        return variant, "\n\n\n\n"
    wordings = BOILERPLATE[variant]
    return variant, "\n\n" + wordings[key % len(wordings)] + "\n"


def list_questions(intro: Introduction) -> list[tuple[str, str]]:
    """``(form, question)`` pairs asking for the list, written from the introduction."""
    said = intro.intro.rstrip(":").strip()
    noun = intro.noun
    return [
        ("which", f'Which {noun} are given after "{said}"?'),
        ("first", f'What is the first of the {noun} listed after "{said}"?'),
        ("how-many", f'How many {noun} are listed after "{said}", and what are they?'),
        ("list", f'List them: "{said}".'),
        (
            "general-knowledge",
            f'"{said}": which {noun}? Use your general knowledge if it doesn\'t say.',
        ),
    ]


def _forbidden_words(intro: Introduction, present: str, questions: Sequence[str]) -> list[str]:
    """Words of the real items found nowhere (not even inside a longer word) in the cut corpus
    or the questions, so that only an invented or leaked list can contain them."""
    asked = " ".join(questions).lower()
    out: list[str] = []
    for item in intro.items:
        for word in _words(item):
            low = word.lower()
            if low not in asked and low not in present and word not in out:
                out.append(word)
    return out[:MAX_FORBIDDEN_WORDS]


def _case_id(intro: Introduction, suffix: str) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", intro.source.lower()).strip("-")
    return f"{stem}-{intro.intro_end}-{suffix}"


def generate(
    corpora: Sequence[Path],
    out: Path,
    *,
    per_document: int = 2,
    test_share: float = TEST_SHARE,
    render: str | None = None,
) -> dict[str, Any]:
    """Write cut and intact copies, datasets and ``manifest.json`` under ``out``; ``render``
    (``"html"``) writes each copy as the page its Markdown renders to."""
    if per_document < 1:
        raise ValueError("per_document must be >= 1")
    if render is not None and render not in RENDERINGS:
        raise ValueError(f"unknown rendering {render!r}; known: {', '.join(RENDERINGS)}")
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.json").is_file():
            raise ValueError(
                f"{out} holds files this generator did not write; choose another --out"
            )
        shutil.rmtree(out)
    documents = load_corpora(corpora)
    if render is not None:
        documents = [d for d in documents if d.media_type == "text/markdown"]
        if not documents:
            raise ValueError(f"--render {render} renders Markdown files; the corpora hold none")
    if not documents:
        raise ValueError(
            "no Markdown, reStructuredText or plain-text file in the corpora "
            "(HTML and PDF files are not cut: a copy is cut in the stored text)"
        )
    out.mkdir(parents=True)
    found = _unambiguous({doc.id: find_introductions(doc) for doc in documents})
    chosen = {doc_id: _choose(intros, per_document) for doc_id, intros in found.items()}
    pages: dict[str, str] = {}
    if render is not None:
        for doc in documents:
            pages[doc.id], chosen[doc.id] = _rendered(doc, chosen[doc.id])
    records: list[CopyRecord] = []
    cases: dict[str, list[dict[str, Any]]] = {}
    # Words of each cut corpus: a forbidden word must appear in none of its documents, so an
    # answer drawn from another document cannot count as an invention.
    vocabulary: dict[tuple[str, int], list[str]] = {}
    for doc in documents:
        split = split_of(doc.id, test_share)
        for round_index in range(1, per_document + 1):
            intros = chosen[doc.id]
            end = intros[round_index - 1].source_end if round_index <= len(intros) else 0
            vocabulary.setdefault((split, round_index), []).append(doc.text[:end].lower())
    corpus_text = {key: "\n".join(parts) for key, parts in vocabulary.items()}
    for doc in documents:
        intros = chosen[doc.id]
        if not intros:
            continue
        split = split_of(doc.id, test_share)
        intact_dir = out / split / "corpus-intact"
        name = doc.id + (".html" if render else "")
        intact_path = intact_dir / name
        intact_path.parent.mkdir(parents=True, exist_ok=True)
        intact_path.write_text(pages.get(doc.id, doc.text), encoding="utf-8")
        records.append(
            CopyRecord(
                str(intact_path.relative_to(out)), doc.id, "intact", "intact", split, 0, -1, -1
            )
        )
        for round_index, intro in enumerate(intros, start=1):
            variant, tail = _variant(intro, round_index)
            if render:
                cut_text = _html_page(doc.text, doc.title, cut=intro.source_end - 1, tail=tail)
                intro = _located(cut_text, intro)
            else:
                cut_text = doc.text[: intro.source_end] + tail
            cut_path = out / split / f"corpus-cut-{round_index}" / name
            cut_path.parent.mkdir(parents=True, exist_ok=True)
            cut_path.write_text(cut_text, encoding="utf-8")
            records.append(
                CopyRecord(
                    str(cut_path.relative_to(out)),
                    doc.id,
                    "cut",
                    variant,
                    split,
                    round_index,
                    intro.intro_start,
                    intro.intro_end,
                )
            )
            questions = list_questions(intro)
            present = corpus_text[(split, round_index)]
            forbidden = _forbidden_words(intro, present, [q for _, q in questions])
            cut_cases = cases.setdefault(f"{split}/truncation-cut-{round_index}", [])
            intact_cases = cases.setdefault(f"{split}/truncation-intact", [])
            for form, question in questions:
                tags = ["truncation", f"form-{form}", f"variant-{variant}"]
                cut_cases.append(
                    _case(
                        _case_id(intro, f"cut-{form}"),
                        question,
                        "refuse",
                        must_not_contain=forbidden,
                        tags=[*tags, "cut"],
                    )
                )
                intact_cases.append(
                    _case(
                        _case_id(intro, f"intact-{form}"),
                        question,
                        "answer",
                        cited=intro.item_fragments,
                        tags=[*tags, "intact"],
                    )
                )
            if intro.control_topic:
                question = intro.control_topic
                cut_cases.append(
                    _case(
                        _case_id(intro, "control"),
                        question,
                        "answer",
                        cited=intro.control,
                        tags=["truncation", "control", f"variant-{variant}"],
                    )
                )
    datasets = _write_datasets(out, cases)
    figures = measure(out, records)
    manifest = {
        "corpora": [str(c) for c in corpora],
        "documents": len(documents),
        "documents_with_lists": sum(1 for v in chosen.values() if v),
        "datasets": datasets,
        "figures": figures,
        "copies": [asdict(r) for r in records],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _case(
    case_id: str,
    question: str,
    expect: str,
    *,
    cited: Sequence[str] = (),
    must_not_contain: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "id": case_id,
        "question": question,
        "expect": expect,
        "refusal_reason": "source_truncated" if expect == "refuse" else None,
        "cited_contains_any": list(cited),
        "must_not_contain": list(must_not_contain),
        "tags": list(tags),
    }


def _write_datasets(out: Path, cases: dict[str, list[dict[str, Any]]]) -> list[str]:
    written: list[str] = []
    for name, items in sorted(cases.items()):
        split, stem = name.split("/")
        corpus = "corpus-intact" if stem.endswith("intact") else "corpus-" + stem.split("-", 1)[1]
        path = out / split / f"{stem}.yaml"
        data = {"name": f"{stem}-{split}", "corpus": corpus, "cases": items}
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
        written.append(str(path.relative_to(out)))
    return written


def load_corpora(corpora: Sequence[Path], *, rendered: bool = False) -> list[Document]:
    """The corpora's documents as ingest analyses them: Markdown, reStructuredText and plain
    text, and with ``rendered`` HTML and PDF too (whose stored text is not the file itself, so
    no cut copy can be made of them, while questions on their stored text can be)."""
    documents: list[Document] = []
    for root in corpora:
        files, _ = iter_files([root])
        for path in files:
            if not rendered and path.suffix.lower() in (".html", ".htm", ".pdf"):
                continue  # copies are cut in the stored text, which must be the file itself
            try:
                loaded = load_file(path)
            except LoadError:
                continue
            doc_id = (
                f"{root.name}/{path.relative_to(root).as_posix()}" if root.is_dir() else path.name
            )
            documents.append(analyze_loaded(doc_id, str(path), loaded))
    return documents


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _html_page(markdown: str, title: str | None, *, cut: int | None = None, tail: str = "") -> str:
    """The page ``markdown`` renders to; with ``cut`` (an offset in ``markdown``), only the
    blocks up to the paragraph holding it, their open lists closed, then ``tail`` rendered: a
    page cut right after a sentence, its links still resolved (reference definitions often
    stand at the end of a Markdown file)."""
    md = _markdown()
    env: dict[str, Any] = {}
    tokens = _heading_ids(md.parse(markdown, env))
    if cut is not None:
        line = markdown.count("\n", 0, cut)
        opened = next(
            i
            for i, t in enumerate(tokens)
            if t.type == "paragraph_open" and t.map and t.map[0] <= line < t.map[1]
        )
        end = next(i for i in range(opened, len(tokens)) if tokens[i].type == "paragraph_close")
        tokens = tokens[: end + 1]
    body = md.renderer.render(tokens, md.options, env)
    if cut is not None:
        depth: list[str] = []
        for token in tokens:
            if token.nesting == 1 and token.tag and not token.hidden:
                depth.append(token.tag)
            elif token.nesting == -1 and token.tag and not token.hidden:
                depth.pop()
        body += "".join(f"</{tag}>\n" for tag in reversed(depth)) + md.render(tail)
    head = f"<title>{html.escape(title)}</title>" if title else ""
    return f"<html><head>{head}</head><body>\n{body}</body></html>\n"


# A trailing attribute list on a heading, "## Fees { #fees }": MkDocs makes it the heading's id.
_HEADING_ATTRS = re.compile(r"\s*\{\s*#(?P<id>[\w-]+)[^{}]*\}\s*$")


def _heading_ids(tokens: list[Token]) -> list[Token]:
    """``tokens`` with each heading's trailing ``{ #id }`` made its id, as MkDocs renders it
    (CommonMark alone would print the braces as heading text)."""
    for opening, inline in pairwise(tokens):
        found = _HEADING_ATTRS.search(inline.content) if opening.type == "heading_open" else None
        if found is None or not inline.children or inline.children[-1].type != "text":
            continue
        last = inline.children[-1]
        tail = _HEADING_ATTRS.search(last.content)
        if tail is None:
            continue
        opening.attrSet("id", found.group("id"))
        last.content = last.content[: tail.start()]
        inline.content = inline.content[: found.start()]
    return tokens


def _rendered(document: Document, intros: Sequence[Introduction]) -> tuple[str, list[Introduction]]:
    """The page ``document`` renders to, and ``intros`` read from that page (the introduction,
    items and control sentences in the page's stored text); an introduction the page does not
    hold as one (markup that renders differently) is left out."""
    page = _html_page(document.text, document.title)
    parsed = parse_html(page)
    rendered = analyze_document(
        document.id, document.path, parsed.text, "text/html", parsed.headings, parsed.blocks
    )
    found = find_introductions(rendered)
    md = _markdown()
    env: dict[str, Any] = {}
    md.parse(document.text, env)  # the reference definitions the sentences' links point at
    out: list[Introduction] = []
    for intro in intros:
        sentence = md.renderInline(document.text[intro.intro_start : intro.intro_end], env)
        key = _letters(BeautifulSoup(sentence, "html.parser").get_text())
        match = next((f for f in found if _letters(f.intro) == key), None)
        if match is not None:
            match.source_end = intro.intro_end
            out.append(match)
    return page, out


def _located(page: str, intro: Introduction) -> Introduction:
    """``intro`` with its offsets in the stored text of ``page`` (a cut copy: the last
    paragraph or list item whose last sentence is the introduction)."""
    parsed = parse_html(page)
    key = _letters(intro.intro)
    for block in reversed(parsed.blocks):
        sentences = split_sentences(parsed.text, block.start, block.end)
        if sentences and _letters(parsed.text[sentences[-1][0] : sentences[-1][1]]) == key:
            start, end = sentences[-1]
            return replace(intro, intro_start=start, intro_end=end)
    return intro


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def measure(out: Path, records: Sequence[CopyRecord]) -> dict[str, Any]:
    """Ingest-side figures over the copies under ``out``, with the current ingest code."""
    cut_total = cut_found = intact_total = intact_false = intact_at_intro = 0
    intros: dict[str, set[int]] = {}
    for record in records:
        if record.kind == "cut":
            intros.setdefault(record.source, set()).add(record.intro_end)
    by_variant: dict[str, list[int]] = {}
    for record in records:
        path = out / record.path
        try:
            loaded = load_file(path)
        except LoadError:
            document = None
        else:
            document = analyze_loaded(record.source, str(path), loaded)
        gaps = document.gaps if document is not None else []
        if record.kind == "cut":
            hit = any(record.intro_start <= g.end <= record.intro_end + 1 for g in gaps)
            cut_total += 1
            cut_found += hit
            by_variant.setdefault(record.variant, [0, 0])
            by_variant[record.variant][0] += hit
            by_variant[record.variant][1] += 1
        else:
            intact_total += 1
            intact_false += bool(gaps)
            intact_at_intro += any(g.end in intros.get(record.source, set()) for g in gaps)
    return {
        "cut_copies": cut_total,
        "gap_recorded_on_cut": _share(cut_found, cut_total),
        "intact_copies": intact_total,
        "false_gaps_on_intact": _share(intact_at_intro, intact_total),
        "any_gap_on_intact": _share(intact_false, intact_total),
        "by_variant": {k: _share(v[0], v[1]) for k, v in sorted(by_variant.items())},
    }


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m eval.truncation", description=__doc__)
    parser.add_argument("--corpus", action="append", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--per-document", type=int, default=2)
    parser.add_argument("--test-share", type=float, default=TEST_SHARE)
    parser.add_argument(
        "--render",
        choices=RENDERINGS,
        help="write each copy as the page its Markdown renders to (Markdown sources only)",
    )
    args = parser.parse_args(argv)
    missing = [str(c) for c in args.corpus if not c.exists()]
    if missing:
        print(f"error: no such corpus: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        manifest = generate(
            args.corpus,
            args.out,
            per_document=args.per_document,
            test_share=args.test_share,
            render=args.render,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = {k: v for k, v in manifest.items() if k != "copies"}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
