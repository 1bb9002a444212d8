"""The Slack adapter: mentions, direct messages and ``/ask``, answered by the same chain.

- ``rendering``: an Answer as Block Kit (text, quotes with their source and offsets, refusals).
- ``bot``: the Bolt listeners (``build_slack_app``); answers and votes go to the one feedback
  store (:mod:`qa.feedback`) the HTTP API uses too.
- ``transports``: the Events API route (``mount_slack``) and Socket Mode (``run_socket_mode``).
"""

from qa.feedback import FeedbackStore
from qa.slack.bot import (
    RecentKeys,
    SlackBot,
    build_slack_app,
    thread_turns,
    web_client,
)
from qa.slack.rendering import (
    MAX_BLOCKS,
    SECTION_LIMIT,
    Rendered,
    answer_from_message,
    escape_mrkdwn,
    render_answer,
    split_rendered,
    strip_mentions,
    unescape_mrkdwn,
)
from qa.slack.transports import EVENTS_PATH, mount_slack, run_socket_mode

__all__ = [
    "EVENTS_PATH",
    "MAX_BLOCKS",
    "SECTION_LIMIT",
    "FeedbackStore",
    "RecentKeys",
    "Rendered",
    "SlackBot",
    "answer_from_message",
    "build_slack_app",
    "escape_mrkdwn",
    "mount_slack",
    "render_answer",
    "run_socket_mode",
    "split_rendered",
    "strip_mentions",
    "thread_turns",
    "unescape_mrkdwn",
    "web_client",
]
