"""General English resources shared by ingest and the answer policy: nothing here knows a corpus."""

from __future__ import annotations

import re

# Function words and a few empty nouns ("thing", "way"): they carry no subject of their own.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can cannot could couldn't did didn't do does doesn't
    doing don't down during each either else ever every few for from further had hadn't has
    hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his
    how how's however i i'd i'll i'm i've if in into is isn't it it's its itself just let's
    like me might more most much must mustn't my myself neither no nor not now of off on once
    only or other ought our ours ourselves out over own per rather same shall shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those though through thus
    to too under until up upon us very via was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's whether which while who who's whom whose why why's
    will with within without won't would wouldn't yet you you'd you'll you're you've your yours
    yourself yourselves one ones two many several lot lots kind sort way ways thing things
    """.split()
)

# Characters that mark a bulleted list item at the start of a line of plain or PDF text: ASCII
# ("-", "*", "+"), typographic bullets ("•", "◦", "▪", "●", "–", ...), and the private-use code
# points that Word's Symbol and Wingdings bullets are extracted as from a PDF (U+F0B7, U+F0A7,
# U+F0D8, U+F0FC).
BULLETS = "-*+•‣⁃◦▪▫●○■□∙–\uf0b7\uf0a7\uf0d8\uf0fc"
# BULLETS as a regular-expression character class.
BULLET = "[" + "".join("\\" + c if c in "-\\]^" else c for c in BULLETS) + "]"
# A list item's mark, as a regular expression: its bullet or its number ("3.", "12)").
ITEM_MARKER = rf"(?:{BULLET}|\d{{1,3}}[.)])"

# The longest line of a definition list's term ("-j njobs", "--jobs=njobs", "PGDATABASE").
TERM_LINE_CHARS = 60
# A line of a term opens with a name or an option, marked as code or not ("--clean", "`PGHOST`",
# "`--disable-setuid`", reStructuredText's "``require(*requirements)``"), not with markup ("///",
# "---", "</div>", "{% if %}": an admonition's or a template's lines) or indentation.
_TERM_LINE = re.compile(r"(?:-{0,2}[`'\"]{0,2}|[`'\"]{1,2}-{1,2})\w")
# A line opening with a command-line option ("--archive DIR, -a DIR", "  -h, --help  show this
# help message and exit"), its indentation aside: a command's help lists one option to a line.
OPTION_FIRST = re.compile(r"[ \t]*--?[^\W_]")
# What may close a sentence after its final stop: brackets, quotes, emphasis and code marks.
_CLOSERS = "\"'’”)]*`_"


def reads_as_term(text: str) -> bool:
    """Whether ``text`` reads as a definition list's term: lines of at most ``TERM_LINE_CHARS``,
    none blank or indented, each opening with a name or an option, the last ending no sentence or
    clause ("-c" over "--clean"; DocBook's and Texinfo's option lists, glossaries), nor one
    closed by a bracket or quote ("... should be avoided.)").  Ingest keeps a term in the chunk
    of its description; the answer policy quotes the description for it."""
    ending = text.rstrip(_CLOSERS)
    return (
        bool(ending)
        and ending[-1] not in ".!?;,:"
        and all(
            len(line) <= TERM_LINE_CHARS and _TERM_LINE.match(line) for line in text.splitlines()
        )
    )
