"""Find web boilerplate and image captions in stored text, without changing the text.

Nothing is deleted: the finders return :class:`Span` objects that the chunker skips, so offsets
into the stored text stay valid for citations.

Boilerplate rules (line based, see :func:`find_boilerplate`):

- Every rule matches a WHOLE line (after trimming whitespace and light Markdown decoration such
  as ``## ``, ``- `` or ``**``), never a phrase inside a sentence, and only lines of at most
  ``MAX_LINE_WORDS`` words. Prose that mentions "share" or "cookies" is therefore never flagged.
- Strong lines are boilerplate on their own: comment-form text ("Leave a Reply", "Your email
  address will not be published", "Required fields are marked *", "Save my name, email, and
  website ...", "Post Comment"), share and subscribe bars ("Share this:", "Share on Facebook",
  "Subscribe to our newsletter"), cookie notices ("We use cookies ..." mentioning the site or
  consent, up to ``MAX_COOKIE_WORDS`` words), breadcrumbs ("Home » News » World",
  "Home > World > Europe", or three or more short segments joined by » or ›), and
  related-content headers ("Related posts", "You may also like").
- Weak lines (form field labels "Name*", "Email *", "Website"; network names "Facebook",
  "Twitter"; "Comments"; "Accept all") are boilerplate only inside a run that also contains a
  strong line. A heading that happens to read "Comments" above real prose is left alone.
- A run is a sequence of candidate lines separated only by blank lines; each run that contains a
  strong line becomes one span from the start of its first line to the end of its last line.

Caption rule: see :func:`find_caption`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from vectorstore.types import Span

MAX_LINE_WORDS = 20
MAX_COOKIE_WORDS = 60
MAX_CAPTION_WORDS = 30
MAX_CAPTION_CHARS = 250
# A caption without a full stop needs this many words (shorter lines are headings).
MIN_BARE_CAPTION_WORDS = 5
# The paragraph after a caption must be this many times longer (in characters) ...
CAPTION_BODY_RATIO = 2.0
# ... and have at least this many words.
MIN_CAPTION_BODY_WORDS = 25

_NETWORKS = (
    r"facebook|twitter|x|linkedin|whatsapp|reddit|pinterest|telegram|email|e-mail|"
    r"threads|bluesky|mastodon|tumblr|messenger|print"
)

_STRONG_PATTERNS = [
    # comment forms
    r"leave a (reply|comment|response)( to .{1,80})?",
    r"(post|add|write|submit) a (comment|reply|response)",
    r"your email address will not be published\.?( required fields are marked\s*\*?\.?)?",
    r"required fields are marked\s*\*?\.?",
    r"save my name,? e-?mail,? and website in this browser for the next time i comment\.?",
    r"(post|submit) (comment|reply)",
    r"cancel reply",
    r"you must be logged in to post a comment\.?",
    r"\d+ (comments?|responses?|replies)",
    # share and subscribe bars
    r"share (this|this (article|post|story|page))\s*:?",
    rf"((share|post) (on|to|via) ({_NETWORKS})\s*[|,·•]?\s*)+",
    rf"click to (share|email|print) (on|to|this|a link)( ({_NETWORKS}))?.*",
    r"(subscribe|sign up)( now)? (to|for) (our|the|my) (free )?(newsletter|mailing list|updates)"
    r"[.!]?",
    r"follow us( on [\w ,&-]{1,60})?\s*:?",
    r"like this:?",
    # cookie banners without the long notice
    r"(accept|reject|allow|decline) (all )?cookies",
    r"(cookie|privacy) (settings|preferences|policy)",
    r"manage (cookie )?(settings|preferences|consent)",
    # related content
    r"(related|recommended|popular|recent|latest|more) (posts|articles|stories|reading|news)\s*:?",
    r"(you|you'll) (may|might|will) also (like|enjoy)\s*:?",
    r"read (more|next|also)\s*:?",
    r"recommended for you",
    # page chrome
    r"advertisement|sponsored( content)?",
    r"skip to (main )?content",
    r"back to top",
    r"(©|\(c\)|copyright)\s*(©\s*)?(\d{4}\b).{0,80}",
    r".{0,80}all rights reserved\.?",
]
_WEAK_PATTERNS = [
    r"(name|e-?mail|website|url|comment|message)\s*\*?\s*:?\s*\*?",
    r"comments?( \(\d+\))?\s*:?",
    r"replies|responses|reply",
    rf"({_NETWORKS}|share|tweet|pin it|copy link|more)",
    r"accept( all)?|reject( all)?|ok|got it|δ",
]
_STRONG = re.compile("|".join(f"(?:{p})" for p in _STRONG_PATTERNS), re.IGNORECASE)
_WEAK = re.compile("|".join(f"(?:{p})" for p in _WEAK_PATTERNS), re.IGNORECASE)
_COOKIE_NOTICE = re.compile(
    r"(we|this (web)?site|our (web)?site) uses? cookies\b.*"
    r"\b(site|website|experience|browsing|consent|accept|privacy|policy|agree|continu)",
    re.IGNORECASE,
)
_DECORATION = re.compile(r"^(#{1,6}\s+|[-*+•]\s+|>\s*)|^[*_]+|[*_]+$")
_CRUMB_ANY = re.compile(r"\s*[»›]\s*")
_CRUMB_HOME = re.compile(r"^home\s*(»|›|>|/|\||→)\s*", re.IGNORECASE)
_CRUMB_SEPARATORS = re.compile(r"\s*(?:»|›|>|/|\||→)\s*")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(\s|$)")
_LIST_OR_MARKUP = re.compile(r"^\s*([-*+•>#|]|\d+[.)]\s|```|~~~|<)")

Line = tuple[int, int, str]


def iter_lines(text: str, start: int = 0, end: int | None = None) -> Iterator[Line]:
    """Yield ``(start, end, line)`` for each line of ``text[start:end]``, newline excluded."""
    stop = len(text) if end is None else end
    pos = start
    while pos < stop:
        newline = text.find("\n", pos, stop)
        line_end = stop if newline == -1 else newline
        content_end = line_end - 1 if line_end > pos and text[line_end - 1] == "\r" else line_end
        yield pos, content_end, text[pos:content_end]
        pos = line_end + 1


def find_boilerplate(text: str) -> list[Span]:
    """Spans (kind="boilerplate") of whole-line web boilerplate: comment forms, share bars, ..."""
    spans: list[Span] = []
    run: list[tuple[int, int, bool]] = []
    for start, end, line in iter_lines(text):
        if not line.strip():
            continue
        kind = classify_line(line)
        if kind is None:
            _close_run(text, run, spans)
            run = []
        else:
            run.append((start, end, kind == "strong"))
    _close_run(text, run, spans)
    return spans


def _close_run(text: str, run: list[tuple[int, int, bool]], spans: list[Span]) -> None:
    if any(strong for _, _, strong in run):
        start, end = run[0][0], run[-1][1]
        spans.append(Span(start, end, "boilerplate", text[start:end]))


def classify_line(line: str) -> str | None:
    """``"strong"``, ``"weak"`` or None for one line, by the rules in the module docstring."""
    core = _core(line)
    words = core.split()
    if not words:
        return None
    if len(words) <= MAX_COOKIE_WORDS and _COOKIE_NOTICE.match(core):
        return "strong"
    if len(words) > MAX_LINE_WORDS:
        return None
    if _STRONG.fullmatch(core) or _is_breadcrumb(core):
        return "strong"
    if _WEAK.fullmatch(core):
        return "weak"
    return None


def _core(line: str) -> str:
    core = line.strip()
    for _ in range(3):
        stripped = _DECORATION.sub("", core).strip()
        if stripped == core:
            break
        core = stripped
    return core


def _is_breadcrumb(line: str) -> bool:
    if _CRUMB_HOME.match(line):
        segments = _CRUMB_SEPARATORS.split(line)
    else:
        segments = _CRUMB_ANY.split(line)
        if len(segments) < 3:
            return False
    segments = [s for s in segments if s]
    return len(segments) >= 2 and all(_is_crumb_segment(s) for s in segments)


def _is_crumb_segment(segment: str) -> bool:
    return len(segment.split()) <= 8 and not _SENTENCE_END.search(segment)


def find_caption(
    text: str, title_span: tuple[int, int] | None, excluded: Sequence[Span] = ()
) -> Span | None:
    """The image caption right under the title (kind="caption"), or None.

    Heuristic: the first paragraph after the title line (skipping blank lines and excluded
    spans) is a caption when it is a single line of at most ``MAX_CAPTION_WORDS`` words and
    ``MAX_CAPTION_CHARS`` characters holding at most one sentence, is not a list item or markup,
    does not end with a colon, does not read like a heading (without a full stop it needs
    ``MIN_BARE_CAPTION_WORDS`` words and must not be in Title Case), and the paragraph after it
    is at least ``CAPTION_BODY_RATIO`` times longer with at least ``MIN_CAPTION_BODY_WORDS``
    words (a caption sits above the first long paragraph of an article; a short lead-in above
    another short line is left alone). A one-sentence lead paragraph that is much shorter than
    the next one is indistinguishable by shape and will be taken for a caption.
    """
    if title_span is None:
        return None
    paragraphs = _paragraphs_after(text, title_span[1], excluded, limit=2)
    if len(paragraphs) < 2:
        return None
    (start, end, lines), (b_start, b_end, _) = paragraphs
    if lines != 1 or not _looks_like_caption(text[start:end]):
        return None
    body = text[b_start:b_end]
    if len(body) < CAPTION_BODY_RATIO * (end - start) or len(body.split()) < MIN_CAPTION_BODY_WORDS:
        return None
    return Span(start, end, "caption", text[start:end])


def _looks_like_caption(line: str) -> bool:
    words = line.split()
    if not words or len(words) > MAX_CAPTION_WORDS or len(line) > MAX_CAPTION_CHARS:
        return False
    if line.rstrip().endswith(":") or _LIST_OR_MARKUP.match(line):
        return False
    stripped = line.rstrip()
    if any(m.end() < len(stripped) for m in _SENTENCE_END.finditer(stripped)):
        return False
    if _SENTENCE_END.search(stripped):
        return True
    # Without a full stop it must not read like a heading: several words, not Title Case.
    long_words = [w for w in words if len(w) >= 4]
    capitalised = sum(1 for w in long_words if w[0].isupper())
    return len(words) >= MIN_BARE_CAPTION_WORDS and capitalised * 2 < len(long_words)


def _paragraphs_after(
    text: str, offset: int, excluded: Sequence[Span], limit: int
) -> list[tuple[int, int, int]]:
    """Up to ``limit`` paragraphs ``(start, end, line_count)`` after ``offset``."""
    found: list[tuple[int, int, int]] = []
    current: list[tuple[int, int]] = []
    for start, end, line in iter_lines(text, offset):
        blank = not line.strip() or any(s.start <= start < s.end for s in excluded)
        if not blank:
            current.append((start, end))
            continue
        if current:
            found.append((current[0][0], current[-1][1], len(current)))
            current = []
            if len(found) == limit:
                return found
    if current:
        found.append((current[0][0], current[-1][1], len(current)))
    return found[:limit]
