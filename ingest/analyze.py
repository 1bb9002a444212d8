"""Analyse loaded text into a :class:`Document`: boilerplate, structure, caption, gaps."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ingest.blocks import (
    find_blocks,
    format_exclusions,
    outside_code,
    parse_blocks,
    without_overlap,
)
from ingest.cleaning import find_boilerplate, find_caption
from ingest.gaps import detect_gaps
from ingest.loaders import LoadedFile
from ingest.structure import find_sections
from vectorstore.types import ITEM_PART_KINDS, Block, Document, Section, Span

# Image captions are a web-article habit; Markdown documentation opens with short lead-ins.
CAPTION_MEDIA_TYPES = frozenset({"text/plain", "text/html"})


def analyze_document(
    doc_id: str,
    path: str,
    text: str,
    media_type: str,
    html_headings: Sequence[tuple[int, int, int]] | None = None,
    html_blocks: Sequence[Block] | None = None,
    furniture: Sequence[Span] = (),
) -> Document:
    """Run cleaning, structure, caption and gap detection over stored text; ``furniture`` is
    page furniture the loader found (a PDF's running heads and page numbers)."""
    # None for plain text, parsed below once its headings are known (it has no code blocks).
    parsed = parse_blocks(text, media_type, html_blocks=html_blocks)
    excluded = outside_code(find_boilerplate(text), parsed or ())
    if by_format := format_exclusions(text, media_type):
        extra = without_overlap(by_format, [(s.start, s.end) for s in excluded])
        excluded = sorted([*excluded, *extra], key=lambda s: s.start)
    if furniture:
        extra = without_overlap(furniture, [(s.start, s.end) for s in excluded])
        excluded = sorted([*excluded, *extra], key=lambda s: s.start)
    title, sections = find_sections(text, media_type, excluded, html_headings)
    # A web page shows its images: a caption sits beside one (the image's own label passed
    # over), not under any first heading (SQLite's "1. Introduction" opens with a one-sentence
    # definition).
    figures = [
        Span(b.start, b.end, "figure", text[b.start : b.end])
        for b in (parsed or ())
        if media_type == "text/html" and b.kind == "figure"
    ]
    seen = sorted([*excluded, *figures], key=lambda s: s.start)
    caption = _caption(text, media_type, sections, seen)
    if caption is not None and parsed is not None and media_type == "text/html":
        caption = caption if _beside_figure(text, caption, figures) else None
    if caption is not None and any(s.heading_start == caption.start for s in sections):
        # A caption without a full stop reads like a heading; it is not one.
        title, sections = find_sections(text, media_type, [*excluded, caption], html_headings)
    headings = [(s.heading_start, s.heading_end, s.level, s.title) for s in sections]
    found = find_blocks(text, media_type, excluded, headings=headings, parsed=parsed)
    blocks = [b for b in found if b.kind not in ITEM_PART_KINDS]
    parts = [b for b in found if b.kind in ITEM_PART_KINDS]
    code = [b for b in parts if b.kind == "item_code"]
    gaps = detect_gaps(doc_id, text, sections, excluded, blocks, item_code=code)
    return Document(
        id=doc_id,
        path=path,
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        media_type=media_type,
        title=title,
        sections=sections,
        excluded=excluded,
        caption=caption,
        gaps=gaps,
        blocks=blocks,
        item_parts=parts,
    )


def analyze_loaded(doc_id: str, path: str, loaded: LoadedFile) -> Document:
    """:func:`analyze_document` over what a loader returned (HTML blocks, PDF furniture)."""
    return analyze_document(
        doc_id,
        path,
        loaded.text,
        loaded.media_type,
        loaded.headings,
        loaded.blocks,
        loaded.furniture,
    )


def _beside_figure(text: str, span: Span, figures: Sequence[Span]) -> bool:
    """Whether a figure (an image standing alone) ends right before ``span`` or starts right
    after it, with only blank space between."""
    return any(
        (f.end <= span.start and not text[f.end : span.start].strip())
        or (f.start >= span.end and not text[span.end : f.start].strip())
        for f in figures
    )


def _caption(
    text: str, media_type: str, sections: Sequence[Section], excluded: Sequence[Span]
) -> Span | None:
    if media_type not in CAPTION_MEDIA_TYPES or not sections or sections[0].level != 1:
        return None
    title = sections[0]
    return find_caption(text, (title.heading_start, title.heading_end), excluded)
