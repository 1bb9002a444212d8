"""User-facing wording of refusals: one table, used by the chain, the web page and Slack.

Logic never reads these texts: it reads ``Answer.refused`` and ``Answer.refusal_reason``.
"""

from __future__ import annotations

REFUSAL_TEXT: dict[str, str] = {
    "not_in_documents": "The documents do not say. I found nothing in them that answers this.",
    "out_of_scope": "I can only answer questions about the documents in this collection.",
    "invalid_request": "Please ask a question.",
    "source_truncated": (
        "The source text is cut off here: the document announces this content but does not "
        "contain it, so the documents do not say."
    ),
}
TRUNCATED_TEXT = REFUSAL_TEXT["source_truncated"]
