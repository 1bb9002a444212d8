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
  "Home > World > Europe", or three or more short segments joined by » or ›),
  related-content headers ("Related posts", "You may also like"), and the chrome of
  documentation sites: page feedback ("Was this page helpful?"), edit links ("Edit this page on
  GitHub", "View page source"), pagers ("« Previous | Next »", "Next: Configuration"), update
  stamps ("Last updated on March 3, 2024") and generator credits ("Built with Sphinx ...").
- Weak lines (form field labels "Name*", "Email *", "Website"; network names "Facebook",
  "Twitter"; "Comments"; "Accept all") are boilerplate only inside a run that also contains a
  strong line. A heading that happens to read "Comments" above real prose is left alone.
- A run is a sequence of candidate lines separated only by blank lines; each run that contains a
  strong line becomes one span from the start of its first line to the end of its last line.
- A line that reads like furniture but opens in lower case under a line of prose broken off
  mid-sentence (ending on a word or a comma) is the end of that sentence, wrapped ("you might
  see something" / "like this:"), not furniture.
- A line of at most ``MAX_LINE_WORDS`` words right under furniture (blank lines between) that
  holds a word of the same class joins the run as a weak line: "To find out more, including how
  to control cookies, see here: Cookie Policy" under a cookie notice.

Beyond these fixed lines, a short paragraph (at most ``MAX_BOX_WORDS`` words; "paragraph" is
a run of non-blank lines) is recognised by *classes of vocabulary*, whatever its wording (see
:func:`classify_paragraph`):

- a cookie notice: a cookie word, a consent word (accept, agree, consent, preferences,
  privacy, experience, ...) and the site speaking (we, our, this site, you);
- a newsletter or subscribe box: a subscribe word (subscribe, newsletter, sign up, mailing
  list, ...) together with an e-mail word, a second subscribe word or a call to action ("never
  miss", "stay updated", "delivered to ..."); a call to action with an e-mail word; or a short
  paragraph promising something in "your inbox";
- a share bar: a share word with a network name (or "social media", "your friends"), a short
  line opening with a share word and ending with a colon, two or more network names with little
  else, or three share/network/e-mail/print buttons in a short line;
- a comment form: a comment word with a comment-form word (published, required, logged in,
  moderation, be the first, join the discussion, let us know, are closed, ...);
- a related-content header: a short line opening with related / recommended / popular /
  "you might also like" / "read next" / "more from ..." and not a sentence; the list of short
  items (post titles) right under it belongs to it.

Short lines holding any of these classes' words (a lone "Subscribe", "Your email", "Twitter",
"Accept", "No thanks") are weak lines; a run of two or more weak lines of different classes that
are neither list items nor code ("Newsletter" / "Email address" / "Subscribe") is boilerplate
too. Inside a longer paragraph a line is judged alone only when it has at most
``MAX_LONE_LINE_WORDS`` words (wrapped prose is not). Lines inside fenced code are never
boilerplate; a line of tildes or backticks right under text is an underline, not a fence.

Caption rule: see :func:`find_caption`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from typing import Literal

from vectorstore.language import STOPWORDS
from vectorstore.types import Span

MAX_LINE_WORDS = 20
MAX_BOX_WORDS = 60
MAX_BOX_LINES = 8
MAX_INBOX_WORDS = 25
MAX_BAR_WORDS = 10
# Inside a longer paragraph, a line is judged alone only when it is this short (not wrapped prose).
MAX_LONE_LINE_WORDS = 8
MAX_WEAK_CLASS_WORDS = 6
MAX_RELATED_ITEM_WORDS = 14
MAX_COOKIE_WORDS = 60
# A comment box speaks of commenting ("Let us know your thoughts in the comments below": 3 other
# words); a sentence with more words of its own is content ("the minimum version of Ninja
# required to process the build correctly. See the discussion of versioning.": 8).
MAX_OTHER_WORDS = 5
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

# Documentation-site generators and hosts (credits such as "Built with Sphinx").
_SITE_TOOLS = (
    r"sphinx|mkdocs|material for mkdocs|docusaurus|hugo|jekyll|gitbook|read the docs|"
    r"readthedocs|wordpress|ghost|docsify|vitepress|vuepress|pelican|jupyter book|mdbook|"
    r"github pages|netlify|gatsby|astro|starlight|nextra|mintlify|readme\.com"
)
# One pager link: "« Previous", "Next page →", "Prev".
_PAGER = r"([«‹←<]\s*)?(previous|prev|next|older|newer)( (page|chapter|section|topic))?(\s*[»›→>])?"

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
    r"\d+ (comments?|responses?|replies|thoughts)((?: on| to) .{1,80})?",
    r"(?:←\s*)?(?:previous|next|older|newer) (?:posts?|articles?|stor(?:y|ies)|entr(?:y|ies))\b"
    r".{0,80}",
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
    r"(©|\(c\)|copyright)\s*(©\s*|copyright\s*)?(\d{4}\b).{0,80}",
    r".{0,80}all rights reserved\.?",
    # documentation-site chrome: page feedback, edit links, pagination, update stamps, credits
    r"(was|is|did) this (page|article|section|doc|document|documentation|guide|answer|post)"
    r"( \w+){0,2} (helpful|useful|help( you)?)\s*\??(\s*\W*\s*(yes|no)\b){0,2}\W*",
    r"thanks? (you )?for (your )?(feedback|rating)[.!]*",
    r"(rate|give feedback on|send feedback about) this (page|article|doc)\W*",
    r"((edit|improve|view|suggest (an )?edits? (to|on)|report an? (issue|problem|bug)"
    r" (with|on|about)) (this|the) (page|file|document|article|section|doc)"
    r"( (on|in) (github|gitlab|bitbucket|codeberg))?|edit (on|in) (github|gitlab|bitbucket)"
    r"|view (page )?source|show source)\W*",
    rf"{_PAGER}(\s*[|·•/]?\s*{_PAGER})*",
    # "Next: Configuration"; Texinfo's "Next: Index, Previous: Memory Usage, Up: libffi [Index]"
    r"(previous|prev|next)( (page|chapter|section|topic|article))?\s*:\s*[^.!?:]{1,60}"
    r"((previous|prev|next|up)\s*:\s*[^.!?:]{1,60})*",
    r"(page )?last (updated|modified|update|edited|changed|reviewed)( on| at)?\s*:?\s*"
    r"([\w ,./:-]{0,30}\d[\w ,./:+-]{0,30}|.{0,30} ago)\.?",
    rf"(documentation |site )?(built|made|generated|created|powered|hosted) (with|by|using|on) "
    rf"({_SITE_TOOLS})\b.{{0,80}}",
]
_WEAK_PATTERNS = [
    r"(name|e-?mail|website|url|comment|message)\s*\*?\s*:?\s*\*?",
    r"comments?( \(\d+\))?\s*:?",
    r"replies|responses|reply",
    rf"({_NETWORKS}|share|tweet|pin it|copy link|more)",
    r"accept( all)?|reject( all)?|ok|got it|δ",
    r"(yes|no)(\s*[|/·]?\s*(yes|no))?|[^\w\s]{1,3}(\s+[^\w\s]{1,3})*",  # feedback buttons
]
_STRONG = re.compile("|".join(f"(?:{p})" for p in _STRONG_PATTERNS), re.IGNORECASE)
_WEAK = re.compile("|".join(f"(?:{p})" for p in _WEAK_PATTERNS), re.IGNORECASE)
_COOKIE_NOTICE = re.compile(
    r"(we|this (web)?site|our (web)?site) uses? cookies\b.*"
    r"\b(site|website|experience|browsing|consent|accept|privacy|policy|agree|continu)",
    re.IGNORECASE,
)
_VOCABULARY = {
    "cookie": r"cookies|cookie (?:policy|settings|notice|banner|preferences|consent|statement)|"
    r"gdpr|ccpa",
    "consent": r"consent\w*|accept\w*|agree\w*|allow|decline|reject|preferences?|settings|"
    r"opt[- ]?(?:in|out)|privacy|personali[sz]\w*|analytics|tracking|experience|browsing|"
    r"continu\w*|essential|necessary|dismiss|got it|ok|okay|i understand|understood|"
    r"learn more|find out more|more information|partners|similar technologies|your device|"
    r"personal (?:data|information)|your privacy",
    "voice": r"we|our|us|this (?:web)?site|this blog|the site",
    "subscribe": r"subscri\w*|newsletters?|mailing list|sign(?:ing)?[- ]?up|unsubscribe|spam|"
    r"digest|join \d[\d,.]*\+? (?:readers|subscribers|others)",
    "email": r"e-?mail(?: address)?|inbox",
    "cta": r"never miss|don'?t miss|stay (?:in the loop|updated|informed|tuned|connected)|"
    r"receive (?:updates|our|the latest|news|new posts)|get notified|"
    r"get (?:the latest|our latest|updates|new posts|the best)|delivered (?:to|straight|weekly)|"
    r"straight to your|the best of the (?:week|month)",
    "share": r"share|sharing|tweet|retweet|pin it|copy link",
    "network": r"facebook|twitter|linkedin|whatsapp|reddit|pinterest|telegram|bluesky|"
    r"mastodon|tumblr|messenger|hacker news|pocket|flipboard|x\.com|social media|"
    r"social networks?|your friends|your followers|your network",
    "comment": r"comments?|repl(?:y|ies)|discussion",
    "comment_form": r"published|required|logged in|log in|sign in|moderat\w*|be the first|"
    r"join the discussion|cancel|leave a|post a|add a|notify me|name\s*\*|email\s*\*|website|"
    r"let us know|your thoughts|have your say|speak your mind|are closed|yet|publish|"
    r"add your|your comment|powered by|enable javascript",
}
_CLASS = {
    k: re.compile(rf"(?<![\w-])(?:{v})(?![\w-])", re.IGNORECASE) for k, v in _VOCABULARY.items()
}
_RELATED_HEADER = re.compile(
    r"(?:related|recommended|popular|trending|more|other|similar|latest|recent|top)\s+"
    r"(?:posts?|articles?|stories|reads|reading|news|content|guides|links|videos)\b.{0,30}|"
    r"recommended for you|related|recommended|trending now|readers also \w+|"
    r"(?:see|read|browse|show) (?:more|other|similar) (?:posts|articles|stories)\b.{0,30}|"
    r"(?:you|you'll) (?:may|might|will|would) (?:also )?(?:like|enjoy|be interested in)\b.{0,30}|"
    r"(?:read|up) next\b.{0,30}|more (?:from|like this|on this|in|stories|posts|articles|reading)"
    r"\b.{0,40}|(?:don'?t|do not) miss\b.{0,30}|keep reading\b.{0,30}",
    re.IGNORECASE,
)
_SHARE_LEAD = re.compile(r"(?:share|sharing|spread the word|tell (?:a friend|others))\b", re.I)
_INTRODUCES = re.compile(r"\w[^:]{25,}:\s*$")
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}\s")
_PRINT = re.compile(r"(?<![\w-])print(?![\w-])", re.IGNORECASE)
_CODE_LIKE = re.compile(r"[=(){}<>]|>>>|https?://|\w\.\w+/")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
# Inline markup of a line as the reader sees it: links ``[text](target)`` / ``[text][ref]``,
# images ``![alt](src)``, an image inside a link (a badge).
MD_TARGET = r"(?:\([^()\s]*(?:\s+\"[^\"]*\")?\)|\[[^\[\]]*\])"
_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]" + MD_TARGET)
_MD_LINKED_IMAGE = re.compile(r"\[\s*(!\[[^\[\]]*\]" + MD_TARGET + r")\s*\]" + MD_TARGET)
_MD_LINK = re.compile(r"\[([^\[\]]*)\]" + MD_TARGET)
_DECORATION = re.compile(r"^(#{1,6}\s+|[-*+•]\s+|>\s*)|^[*_]+|[*_]+$")
_CRUMB_ANY = re.compile(r"\s*[»›]\s*")
_CRUMB_HOME = re.compile(r"^home\s*(»|›|>|/|\||→)\s*", re.IGNORECASE)
_CRUMB_SEPARATORS = re.compile(r"\s*(?:»|›|>|/|\||→)\s*")
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(\s|$)")
_LIST_OR_MARKUP = re.compile(r"^\s*([-*+•>#|]|\d+[.)]\s|```|~~~|<)")

Line = tuple[int, int, str]


def line_indent(line: str) -> int:
    """The line's indentation in columns (tabs to multiples of eight)."""
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


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
    """Spans of whole-line web boilerplate (kind="boilerplate": comment forms, share bars, ...)
    and of tables of contents laid out as text (kind=:data:`CONTENTS`)."""
    lines = list(iter_lines(text))
    kinds = _line_kinds(lines)
    spans: list[Span] = []
    run: list[tuple[int, int, bool]] = []
    for (start, end, _), kind in zip(lines, kinds, strict=True):
        if kind == "blank":
            continue
        if kind is None:
            _close_run(text, run, spans)
            run = []
        else:
            run.append((start, end, kind == "strong"))
    _close_run(text, run, spans)
    # The boilerplate runs are apart and in order: a contents overlaps one only if it overlaps
    # the last that starts before it ends.
    starts = [s.start for s in spans]
    for contents in _contents(text, lines):
        before = bisect.bisect_left(starts, contents.end)
        if not before or spans[before - 1].end <= contents.start:
            spans.append(contents)
    spans.sort(key=lambda s: s.start)
    trailer = _LOCAL_VARIABLES.search(text, max(0, len(text) - LOCAL_VARIABLES_WINDOW))
    if trailer is not None and not any(s.start <= trailer.start() < s.end for s in spans):
        spans.append(Span(trailer.start(1), trailer.end(1), "boilerplate", trailer.group(1)))
    return spans


# The kind of an excluded table of contents: left out of the text as boilerplate is, but what a
# line announcing it ("Table of Contents:") announces, so no gap (:mod:`ingest.gaps`).
CONTENTS = "contents"
# Leader dots or a gap of spaces before a page number, at the end of a contents line.
_PAGE_NUMBER = re.compile(r"(?:\s*(?:\.\s?){2,}\s*|\s{2,})\d{1,4}\s*$")
# A table of contents needs this many entries, and this share of its lines.
MIN_CONTENTS_ENTRIES = 3
MIN_CONTENTS_SHARE = 2 / 3
# A line ending in leader dots (five or more, spaced or not: more than an ellipsis ending a
# sentence) and a page number is a contents entry on its own: prose does not run dots up to a
# number.
_LEADER_ENTRY = re.compile(r"(?:\.\s?){5,}\s*\d{1,4}\s*$")
# Leader dots and a page number end a line: only its end is searched (a line of thousands of
# dots with no number after them took the search seconds, going back over them from each dot).
LEADER_WINDOW = 200
# A numbered line: its number ("4.3", dots between parts, one after optional) and first word.
_NUMBERED_TITLE = re.compile(r"[ \t]*(\d{1,3}(?:\.\d{1,3})*)\.?[ \t]+(\w+)")


def _leader_entry(line: str) -> bool:
    """The line ends in leader dots and a page number (see :data:`_LEADER_ENTRY`)."""
    return _LEADER_ENTRY.search(line.rstrip()[-LEADER_WINDOW:]) is not None


def _entry(line: str) -> str:
    """A line as a contents entry and a heading are compared: page number, leader dots, runs
    of spaces and case aside."""
    head, tail = line[:-LEADER_WINDOW], line[-LEADER_WINDOW:]
    return " ".join((head + _PAGE_NUMBER.sub("", tail)).split()).casefold()


def _numbered(line: str) -> tuple[str, str] | None:
    """A numbered line's number and first word ("4.3", "how"), the way a contents entry and
    its section's heading are matched when their titles wrap or read a little differently."""
    found = _NUMBERED_TITLE.match(line)
    return (found.group(1), found.group(2).casefold()) if found else None


def _contents(text: str, lines: Sequence[Line]) -> list[Span]:
    """Tables of contents laid out as text (a plain-text manual's, an RFC's, a FAQ's): a run of
    paragraphs most of whose lines (:data:`MIN_CONTENTS_SHARE`, wrapped lines counted with
    their entry) are entries, at least :data:`MIN_CONTENTS_ENTRIES` in all. An entry repeats,
    page numbers and leader dots aside, a line standing alone further on, as a section title
    does, or opens with the number and first word of a paragraph further on (a numbered title
    wrapped there, or worded a little differently); or a paragraph most of whose lines (even
    its one line) end in leader dots and a page number (a PDF manual's "2.1 ASN.1 syntax . . .
    . 2", its entries run together with the headings the text repeats). A contents grouped by
    chapter is several paragraphs; one of them may hold one or two entries. The entries were
    read as text, a run of titles quoted as a sentence ("Simplified API VI. Modifying/
    Customizing libpng VII. MNG support")."""
    blank = [not line.strip() for _, _, line in lines]
    later: dict[str, int] = {}  # an entry, and the last line standing alone that repeats it
    opening: dict[tuple[str, str], int] = {}  # a number and word, the last paragraph opening so
    for i, (_, _, line) in enumerate(lines):
        if blank[i] or (i and not blank[i - 1]):
            continue
        if (numbered := _numbered(line)) is not None:
            opening[numbered] = i
        if i + 1 == len(lines) or blank[i + 1]:
            later[_entry(line)] = i

    def entry(i: int, stop: int) -> Literal["numbered", "titled"] | None:
        """Whether line ``i`` of a paragraph ending before ``stop`` is an entry, and how."""
        if not any(ch.isalnum() for ch in lines[i][2]):
            return None  # a rule repeated between parts names nothing
        numbered = _numbered(lines[i][2])
        if numbered is not None and opening.get(numbered, -1) >= stop:
            return "numbered"
        if later.get(_entry(lines[i][2]), -1) >= stop:
            return "titled" if numbered is None else "numbered"
        return None

    spans: list[Span] = []
    run: list[tuple[int, int]] = []  # paragraphs of entries, one after another
    found = False  # a paragraph of the run holds enough entries on its own
    for first, stop in [*_paragraph_ranges(lines), (len(lines), len(lines))]:
        led = sum(_leader_entry(lines[i][2]) for i in range(first, stop))
        if led and led >= MIN_CONTENTS_SHARE * (stop - first):
            start, end = lines[first][0], lines[stop - 1][1]
            spans.append(Span(start, end, CONTENTS, text[start:end]))
            continue
        entries = covered = counted = 0
        indent = None  # the indent of the entry a wrapped line continues
        for i in range(first, stop):
            if (kind := entry(i, stop)) is not None:
                entries, covered, indent = entries + 1, covered + 1, line_indent(lines[i][2])
                counted += kind == "numbered"
            elif indent is not None and line_indent(lines[i][2]) > indent:
                covered += 1
            else:
                indent = None
        enough = entries >= MIN_CONTENTS_ENTRIES
        # A paragraph of one or two lines joins a contents only as numbered entries: titles
        # repeated one to a paragraph are as likely a list laid out loosely.
        all_numbered = counted == stop - first
        if (
            stop > first
            and covered >= MIN_CONTENTS_SHARE * (stop - first)
            and (enough or all_numbered)
        ):
            run.append((first, stop))
            found = found or enough
            continue
        if found:
            start, end = lines[run[0][0]][0], lines[run[-1][1] - 1][1]
            spans.append(Span(start, end, CONTENTS, text[start:end]))
        run, found = [], False
    return sorted(spans, key=lambda s: s.start)


# Emacs reads file-local variables from a "Local Variables:" ... "End:" block in the last 3,000
# characters of a file (GNU READMEs and NEWS files end with one): editor settings, not text.
LOCAL_VARIABLES_WINDOW = 3000
_LOCAL_VARIABLES = re.compile(
    r"^([^\w\n]{0,4}local variables:[^\w\n]{0,4}\n"
    r"(?:.*\n){0,20}?[^\w\n]{0,4}end:[^\w\n]{0,4})\s*\Z",
    re.IGNORECASE | re.MULTILINE,
)


def _line_kinds(lines: Sequence[Line]) -> list[str | None]:
    """``blank``, ``strong``, ``weak`` or None for each line (rules in the module docstring)."""
    kinds: list[str | None] = []
    fenced: set[int] = set()
    in_fence = ""
    for index, (_, _, line) in enumerate(lines):
        fence = _FENCE.match(line)
        if fence and not in_fence and index > 0 and lines[index - 1][2].strip():
            fence = None  # a line of tildes or backticks under text is an underline
        if in_fence:
            fenced.add(index)
            kinds.append(None)
            if fence and fence.group(1)[0] == in_fence[0] and line.strip() == fence.group(1):
                in_fence = ""
            continue
        if fence:
            in_fence = fence.group(1)
            fenced.add(index)
            kinds.append(None)
            continue
        kinds.append("blank" if not line.strip() else classify_line(line))
    announced = False  # the paragraph before announces what follows ("... accounts:")
    for first, last in _paragraph_ranges(lines):
        after_announcement, announced = announced, False
        if any(i in fenced for i in range(first, last)):
            continue
        texts = [lines[i][2] for i in range(first, last)]
        introduces = texts[-1].rstrip().endswith(":") and _INTRODUCES.search(texts[-1])
        if introduces or any(_ATX_HEADING.match(t) for t in texts):
            # A sentence announcing what follows, or a heading, is content, whatever its words.
            # (Only a line ending in a colon is searched: on one without, the search went over
            # the rest of the line from each letter, seconds on a line of 100,000 characters.)
            announced = bool(introduces)
            continue
        if (
            after_announcement
            and all(_LIST_OR_MARKUP.match(t) for t in texts)
            and not _CLASS["share"].search(" ".join(map(_core, texts)))
        ):
            # The list an announcement introduces is content: "the project has the following
            # social media accounts:" and a list of its profiles. A share bar says "share", or
            # comes under a header of its own ("Spread the word:"), which then stands between.
            continue
        if all(_is_furniture_like(t) for t in texts) and classify_paragraph(texts):
            for index in range(first, last):
                kinds[index] = "strong"
            continue
        for index in range(first, last):
            line = lines[index][2]
            short = len(line.split()) <= MAX_LONE_LINE_WORDS
            if kinds[index] is None and short and classify_paragraph([line]):
                kinds[index] = "strong"
    for index in range(1, len(lines)):
        if kinds[index] in ("strong", "weak") and _goes_on(
            lines[index - 1][2], kinds[index - 1], lines[index][2]
        ):
            kinds[index] = None  # "you might see something" / "like this:": one sentence
    _absorb_continuations(lines, kinds, fenced)
    _absorb_related_lists(lines, kinds)
    return kinds


def _goes_on(previous: str, kind: str | None, line: str) -> bool:
    """The line above is prose broken off mid-sentence (ending on a word or a comma) and the
    line opens in lower case: a line that reads like furniture ("like this:") is the rest of
    that sentence, wrapped ("When you get an error, you might see something" / "like this:")."""
    return (
        kind is None and _MID_SENTENCE.search(previous) is not None and line.lstrip()[:1].islower()
    )


# A line ending on a word or a comma: its sentence goes on below.
_MID_SENTENCE = re.compile(r"[\w,]\s*$")


def _absorb_continuations(lines: Sequence[Line], kinds: list[str | None], fenced: set[int]) -> None:
    """A short line right under page furniture, speaking of the same thing, belongs to it: the
    "To find out more, including how to control cookies, see here: Cookie Policy" under a cookie
    notice, "Join the discussion below" under a comment count."""
    previous: set[str] = set()
    for index, (_, _, line) in enumerate(lines):
        kind = kinds[index]
        if kind == "blank":
            continue
        core = _core(line)
        if (
            kind is None
            and index not in fenced
            and previous
            and len(core.split()) <= MAX_LINE_WORDS
            and not _CODE_LIKE.search(core)
            and furniture_classes(core) & previous
        ):
            kinds[index] = "weak"
            kind = "weak"
        previous = furniture_classes(core) - {"strong", "related"} if kind is not None else set()


def _paragraph_ranges(lines: Sequence[Line]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    first: int | None = None
    for index, (_, _, line) in enumerate(lines):
        if not line.strip():
            if first is not None:
                ranges.append((first, index))
            first = None
        elif first is None:
            first = index
    if first is not None:
        ranges.append((first, len(lines)))
    return ranges


def _absorb_related_lists(lines: Sequence[Line], kinds: list[str | None]) -> None:
    """The short items (post titles) listed under a related-content header are boilerplate."""
    index = 0
    while index < len(lines):
        if kinds[index] == "strong" and _is_related_header(_core(lines[index][2])):
            follow = index + 1
            while follow < len(lines):
                line = lines[follow][2]
                if not line.strip():
                    follow += 1
                    continue
                if kinds[follow] is not None and kinds[follow] != "blank":
                    follow += 1
                    continue
                if _is_short_item(line):
                    kinds[follow] = "weak"
                    follow += 1
                    continue
                break
            index = follow
        else:
            index += 1


def _is_furniture_like(line: str) -> bool:
    core = _core(line)
    if any(rx.search(core) for name, rx in _CLASS.items() if name != "voice"):
        return True
    short = len(core.split()) <= MAX_WEAK_CLASS_WORDS
    return short and not core.endswith(":") and not _SENTENCE_END.search(core)


def _is_short_item(line: str) -> bool:
    core = _core(line)
    words = core.split()
    if not words or len(words) > MAX_RELATED_ITEM_WORDS:
        return False
    return bool(_LIST_OR_MARKUP.match(line) or _MD_LINK.search(line))


def _is_related_header(core: str) -> bool:
    words = core.split()
    if not words or len(words) > 8 or not _RELATED_HEADER.fullmatch(core):
        return False
    return not _SENTENCE_END.search(core) or core.endswith(":")


def furniture_classes(text: str) -> set[str]:
    """The furniture vocabulary classes (cookie, subscribe, share, comment, ...) in ``text``."""
    core = _core(text)
    found = {name for name, rx in _CLASS.items() if rx.search(core)}
    if _is_related_header(core) or _STRONG.fullmatch(core):
        found.add("related" if _is_related_header(core) else "strong")
    return found - {"voice", "consent"}


def _weak_box(text: str, run: Sequence[tuple[int, int, bool]]) -> bool:
    """Several short furniture lines of different classes ("Newsletter" / "Email" / "Join")."""
    if len(run) < 2:
        return False
    classes: set[str] = set()
    for start, end, _ in run:
        line = text[start:end]
        if _LIST_OR_MARKUP.match(line) or _CODE_LIKE.search(line):
            return False
        core = _core(line)
        found = {name for name, rx in _CLASS.items() if name != "voice" and rx.search(core)}
        classes |= found or ({"generic"} if _WEAK.fullmatch(core) else set())
    return len(classes) >= 2


def classify_paragraph(lines: Sequence[str]) -> bool:
    """True when a short paragraph is page furniture by its classes of vocabulary."""
    core = " ".join(_core(line) for line in lines)
    words = core.split()
    if not words or len(words) > MAX_BOX_WORDS or len(lines) > MAX_BOX_LINES:
        return False
    hits = {name: {m.group(0).lower() for m in rx.finditer(core)} for name, rx in _CLASS.items()}
    consent = {w[:6] for w in hits["consent"]}
    if hits["cookie"] and consent and (hits["voice"] or len(consent - {"consen"}) >= 2):
        return True
    subscribe = hits["subscribe"]
    signup = {w for w in subscribe if w.startswith("sign")}
    box = any(w.startswith(("newsletter", "mailing")) for w in subscribe) and hits["voice"]
    if subscribe - signup and (hits["email"] or len(subscribe) >= 2 or box or hits["cta"]):
        return True
    if signup and hits["cta"]:
        return True
    if hits["cta"] and hits["email"]:
        return True
    if "inbox" in hits["email"] and len(words) <= MAX_INBOX_WORDS:
        return True
    if len(words) <= 12 and hits["share"] and hits["network"]:
        return True
    if len(words) <= 6 and _SHARE_LEAD.match(core) and core.endswith(":"):
        return True
    networks = len(hits["network"])
    if networks >= 2 and len(words) - networks <= 3:
        return True
    buttons = networks + len(hits["share"]) + len(hits["email"]) + bool(_PRINT.search(core))
    if buttons >= 3 and len(words) <= MAX_BAR_WORDS:
        return True
    comment_form = bool(hits["comment"]) and bool(hits["comment_form"])
    return comment_form and len(words) <= 30 and len(_other_words(core)) <= MAX_OTHER_WORDS


def _other_words(core: str) -> list[str]:
    """The content words of ``core`` outside every furniture vocabulary class."""
    for rx in _CLASS.values():
        core = rx.sub(" ", core)
    return [w for w in _WORD.findall(core.lower()) if w not in STOPWORDS]


def _close_run(text: str, run: list[tuple[int, int, bool]], spans: list[Span]) -> None:
    if any(strong for _, _, strong in run) or _weak_box(text, run):
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
    if _STRONG.fullmatch(core) or _is_breadcrumb(core) or _is_related_header(core):
        return "strong"
    if _WEAK.fullmatch(core):
        return "weak"
    if len(words) <= MAX_WEAK_CLASS_WORDS and any(
        _CLASS[name].search(core)
        for name in ("cookie", "subscribe", "email", "cta", "share", "network", "comment")
    ):
        return "weak"
    return None


def markdown_text(text: str, *, alt_text: bool = False) -> str:
    """``text`` with its Markdown links read as their text and its images dropped (or read as
    their alt text)."""
    image = r"\1" if alt_text else ""
    return _MD_LINK.sub(r"\1", _MD_IMAGE.sub(image, _MD_LINKED_IMAGE.sub(image, text)))


def _core(line: str) -> str:
    core = markdown_text(line).strip()
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
