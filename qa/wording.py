"""User-facing wording of refusals and gap notes: one table, used by the chain, the web page and
Slack.

Logic never reads these texts: it reads ``Answer.refused`` and ``Answer.refusal_reason``.
"""

from __future__ import annotations

import json

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
# Short headings the web page shows above a refusal.
REFUSAL_TITLE: dict[str, str] = {
    "source_truncated": "The source text is cut off here",
    "not_in_documents": "The documents do not say",
    "out_of_scope": "Outside the documents",
    "invalid_request": "Please ask a question",
}


# The note under an answer whose evidence runs into a gap ("What does the article say about
# X?" answered from a section that ends in a cut-off list): {announcement} and {document}.
GAP_NOTE = "The source is cut off after “{announcement}” ({document})."


def page_wording_json() -> str:
    """The table as JSON safe to embed in a ``<script>`` element of the web page."""
    data = {"texts": REFUSAL_TEXT, "titles": REFUSAL_TITLE, "gap_note": GAP_NOTE}
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
