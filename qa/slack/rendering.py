"""Slack rendering: an :class:`~qa.types.Answer` as Block Kit blocks and a plain-text fallback.

The answer text comes first, each citation follows as a block quote with its document, section
and character offsets, refusals say what the documents do say, and gaps are noted; Slack's
limits (50 blocks, 3,000 characters per section) are respected by splitting, never by silently
dropping text of a quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qa.types import Answer
from qa.wording import GAP_NOTE, REFUSAL_TEXT

SECTION_LIMIT = 2900  # Block Kit allows 3,000 characters in a section's text: keep a margin
CONTEXT_LIMIT = 2000  # Block Kit: a context element's text is at most 2,000 characters
MAX_BLOCKS = 50  # Block Kit: a message has at most 50 blocks
FALLBACK_LIMIT = 4000
FEEDBACK_UP = "verbatim_feedback_up"
FEEDBACK_DOWN = "verbatim_feedback_down"
FEEDBACK_ACTION = re.compile(r"^verbatim_feedback_(up|down)$")
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
REFUSAL_FALLBACK = REFUSAL_TEXT  # one wording table for every surface (qa/wording.py)
USAGE = "Ask me a question about the documents, e.g. `/ask Which treaty is cited as a precedent?`"


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack's mrkdwn reserves (``&``, ``<``, ``>``)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape_mrkdwn(text: str) -> str:
    """Undo :func:`escape_mrkdwn` (Slack also sends message text escaped this way)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def quote_mrkdwn(text: str) -> str:
    """``text`` as a mrkdwn block quote: escaped, every line prefixed with ``> ``."""
    return "\n".join("> " + line for line in escape_mrkdwn(text).split("\n"))


def split_rendered(text: str, render: Callable[[str], str], limit: int) -> list[str]:
    """Cut ``text`` into consecutive pieces whose rendering fits in ``limit`` characters.

    The pieces concatenate back to ``text`` exactly; cuts fall after whitespace where possible.
    """
    pieces: list[str] = []
    current = ""
    for token in re.findall(r"\S+\s*|\s+", text):
        if len(render(current + token)) <= limit:
            current += token
            continue
        if current:
            pieces.append(current)
            current = ""
        if len(render(token)) <= limit:
            current = token
            continue
        for char in token:  # one word longer than a block: cut it anywhere
            if current and len(render(current + char)) > limit:
                pieces.append(current)
                current = ""
            current += char
    if current or not pieces:
        pieces.append(current)
    return pieces


@dataclass(frozen=True)
class Rendered:
    """A Slack message: Block Kit ``blocks``, the plain-text fallback ``text`` and the message
    ``metadata`` (Slack's machine-readable part: whether and why the answer was refused)."""

    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None = None


def answer_metadata(answer: Answer) -> dict[str, Any]:
    """Slack message metadata for an answer (``event_type`` ``verbatim_answer``)."""
    return {
        "event_type": "verbatim_answer",
        "event_payload": {
            "refused": answer.refused,
            "refusal_reason": answer.refusal_reason or "",
            "citations": len(answer.citations),
        },
    }


def _section(block_id: str, text: str) -> dict[str, Any]:
    return {"type": "section", "block_id": block_id, "text": {"type": "mrkdwn", "text": text}}


def _context(block_id: str, text: str) -> dict[str, Any]:
    if len(text) > CONTEXT_LIMIT:
        # Cut before a half-kept escape such as "&am".
        text = re.sub(r"&[a-z]*$", "", text[: CONTEXT_LIMIT - 1]) + "…"
    return {"type": "context", "block_id": block_id, "elements": [{"type": "mrkdwn", "text": text}]}


def _feedback_block(feedback_id: str) -> dict[str, Any]:
    def button(label: str, action_id: str) -> dict[str, Any]:
        return {
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "action_id": action_id,
            "value": feedback_id,
        }

    return {
        "type": "actions",
        "block_id": "feedback",
        "elements": [button("Helpful", FEEDBACK_UP), button("Not helpful", FEEDBACK_DOWN)],
    }


def answer_text(answer: Answer) -> str:
    """The answer's text, or a plain refusal sentence when a refusal came back without one."""
    if answer.answer.strip():
        return answer.answer
    return REFUSAL_FALLBACK.get(answer.refusal_reason or "", "The documents do not say.")


def render_answer(
    answer: Answer, *, question: str | None = None, feedback_id: str | None = None
) -> Rendered:
    """Render an Answer as Block Kit: the text, each citation as a quote with its source."""
    head: list[dict[str, Any]] = []
    if question:
        head.append(_context("question", f"*Question:* {escape_mrkdwn(question)}"))
    text = answer_text(answer)
    pieces = split_rendered(text, escape_mrkdwn, SECTION_LIMIT)
    tail: list[dict[str, Any]] = []
    for i, gap in enumerate(answer.gaps[:3]):
        note = GAP_NOTE.format(
            announcement=escape_mrkdwn(gap.announcement), document=escape_mrkdwn(gap.document)
        )
        tail.append(_context(f"gap-{i}", note))
    if feedback_id:
        tail.append(_feedback_block(feedback_id))

    # The answer comes first; citations take what is left of the 50 blocks.
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(pieces) > room:
        pieces = pieces[: room - 1]
        tail.insert(0, _context("cut", "The answer is too long for Slack and was cut here."))
    body = [_section(f"answer-{i}", escape_mrkdwn(piece)) for i, piece in enumerate(pieces)]
    room = MAX_BLOCKS - len(head) - len(tail) - len(body)
    cited: list[dict[str, Any]] = []
    if answer.refused and answer.citations:
        cited.append(_context("said", "What the documents do say:"))
    shown = 0
    for citation in answer.citations:
        blocks = [
            _section(f"quote-{citation.id}-{n}", quote_mrkdwn(piece))
            for n, piece in enumerate(split_rendered(citation.quote, quote_mrkdwn, SECTION_LIMIT))
        ]
        source = f"*[{citation.id}]* {escape_mrkdwn(citation.document)}"
        if citation.section:
            source += f" · {escape_mrkdwn(citation.section)}"
        source += f" · characters {citation.start}–{citation.end}"
        blocks.append(_context(f"source-{citation.id}", source))
        left_over = len(answer.citations) - shown - 1
        if len(cited) + len(blocks) + (1 if left_over else 0) > room:
            break
        cited.extend(blocks)
        shown += 1
    if shown < len(answer.citations):
        more = len(answer.citations) - shown
        cited.append(_context("more", f"{more} more citation(s) not shown."))
        if shown == 0 and answer.refused:
            cited = [cited[-1]]
    return Rendered(
        text=_fallback(answer, text),
        blocks=[*head, *body, *cited, *tail],
        metadata=answer_metadata(answer),
    )


def _fallback(answer: Answer, text: str) -> str:
    lines = [text]
    for citation in answer.citations:
        lines.append(f"[{citation.id}] “{citation.quote}” ({citation.document})")
    pieces = split_rendered("\n".join(lines), escape_mrkdwn, FALLBACK_LIMIT - 1)
    return escape_mrkdwn(pieces[0]) + ("…" if len(pieces) > 1 else "")


def answer_from_message(message: dict[str, Any]) -> str:
    """The answer text of a message the bot posted (from its ``answer-*`` blocks, else ``text``)."""
    parts = [
        str(block.get("text", {}).get("text", ""))
        for block in message.get("blocks") or []
        if str(block.get("block_id", "")).startswith("answer-")
    ]
    return unescape_mrkdwn("".join(parts) if parts else str(message.get("text", "")))


def strip_mentions(text: str) -> str:
    """The message text without ``<@U…>`` mentions, unescaped and trimmed."""
    return unescape_mrkdwn(MENTION.sub(" ", text)).strip()
