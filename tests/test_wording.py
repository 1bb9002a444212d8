"""One wording table for refusals, used by the chain, the web page and Slack."""

from __future__ import annotations

import json
import re

from qa.api.routes_ops import _index_html
from qa.slack.rendering import REFUSAL_FALLBACK, answer_text
from qa.types import REFUSAL_REASONS, Answer
from qa.wording import REFUSAL_TEXT, REFUSAL_TITLE


def test_every_reason_has_a_text_and_a_title() -> None:
    assert set(REFUSAL_TEXT) == set(REFUSAL_REASONS) == set(REFUSAL_TITLE)


def test_the_web_page_embeds_the_table() -> None:
    match = re.search(r'<script id="wording" type="application/json">(.*?)</script>', _index_html())
    assert match is not None
    data = json.loads(match.group(1))
    assert data["titles"] == REFUSAL_TITLE and data["texts"] == REFUSAL_TEXT


def test_slack_uses_the_same_table() -> None:
    assert REFUSAL_FALLBACK is REFUSAL_TEXT
    empty = Answer(answer="", refused=True, refusal_reason="source_truncated")
    assert answer_text(empty) == REFUSAL_TEXT["source_truncated"]
