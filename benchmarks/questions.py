"""Deterministic benchmark questions generated from any corpus's chunks.

Three kinds, mixed: "What is <section title>?", a keyword question built from a sentence's
content words, and a sentence of the corpus turned into a question. A few questions the corpus
cannot answer are mixed in so the refusal path is timed too. Questions are distinct, so the
question-embedding and sentence caches do not flatter the figures.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from vectorstore import Chunk

OFF_TOPIC = (
    "What is the capital of Australia?",
    "Who won the football world cup in 1998?",
    "How tall is Mount Everest?",
    "What is the boiling point of ethanol?",
    "Who painted the Mona Lisa?",
    "How many moons does Jupiter have?",
    "What year did the Berlin Wall fall?",
    "Which river flows through Cairo?",
)
_KEYWORD_TEMPLATES = (
    "What do the documents say about {}?",
    "Anything on {}?",
    "How is {} described?",
    "Where is {} explained?",
)
_STOP = frozenset(
    """a an the and or but if of to in on for with by as at from is are was were be been being
    it its this that these those you your we our they their he she his her can will would should
    may might must do does did not no so than then there here also just only into about which
    what when where who how why all any each more most some such very use using used""".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_MARKUP = re.compile(r"[`*_#>|\[\]{}<>=]")


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        if _MARKUP.search(line[:3] if line else ""):
            continue
        for piece in re.split(r"(?<=[.!?])\s+", line.strip()):
            words = _WORD.findall(piece)
            if 6 <= len(words) <= 40 and not _MARKUP.search(piece) and piece[-1:] in ".!?":
                out.append(piece)
    return out


def _keywords(sentence: str, rng: random.Random) -> list[str]:
    words = [w for w in _WORD.findall(sentence) if w.lower() not in _STOP and len(w) > 2]
    words = list(dict.fromkeys(words))
    if len(words) > 4:
        begin = rng.randrange(0, len(words) - 3)
        words = words[begin : begin + rng.randint(2, 4)]
    return words


def make_questions(
    chunks: Sequence[Chunk], count: int, *, seed: int = 7, off_topic_share: float = 0.05
) -> list[str]:
    """``count`` distinct questions about ``chunks`` (deterministic for a seed)."""
    rng = random.Random(seed)
    titles = sorted({c.section.strip("# ").strip() for c in chunks if c.section})
    titles = [t for t in titles if 1 <= len(_WORD.findall(t)) <= 8 and not _MARKUP.search(t)]
    sentences = sorted({s for c in chunks for s in _sentences(c.text)})
    rng.shuffle(sentences)
    pool: list[str] = [
        rng.choice(("What is {}?", "Tell me about {}.", "How does {} work?")).format(t)
        for t in titles
    ]
    for sentence in sentences:
        pool.append(f"Is it true that {sentence[0].lower()}{sentence[1:-1]}?")
        for template in _KEYWORD_TEMPLATES * 3:
            keywords = _keywords(sentence, rng)
            if len(keywords) >= 2:
                pool.append(template.format(" ".join(keywords)))
    pool = list(dict.fromkeys(pool))
    rng.shuffle(pool)
    off_topic = round(count * off_topic_share)
    picked = pool[: count - off_topic] + list(OFF_TOPIC[:off_topic])
    if not picked:
        raise ValueError("the corpus yields no questions")
    rng.shuffle(picked)
    result = list(picked)
    while len(result) < count:  # a tiny corpus: repeat rather than fail
        result.append(picked[len(result) % len(picked)])
    return result
