"""The Slack bot: Bolt listeners that turn mentions, DMs, ``/ask`` and feedback clicks into
calls of the shared answer chain, and answers into Slack messages.

Transport-free: :func:`build_slack_app` returns a Bolt ``App`` that the Events API route
(:func:`qa.slack.transports.mount_slack`) or Socket Mode
(:func:`qa.slack.transports.run_socket_mode`) drives. Every answer is stored as a conversation
with its vote buttons in the one feedback store (:mod:`qa.feedback`) the HTTP API uses too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from qa.errors import ConfigError, VerbatimError
from qa.feedback import FeedbackStore
from qa.settings import Settings
from qa.slack.rendering import (
    FEEDBACK_ACTION,
    USAGE,
    Rendered,
    answer_from_message,
    escape_mrkdwn,
    render_answer,
    strip_mentions,
    unescape_mrkdwn,
)
from qa.types import Turn

if TYPE_CHECKING:
    from qa.chain import VerbatimChain

log = logging.getLogger("verbatim.slack")

PROGRESS_REACTION = "hourglass_flowing_sand"
HISTORY_TURNS = 10
DM_HISTORY_WINDOW_S = 30 * 60
# Message subtypes that are still a person asking something (edits, joins, etc. are not).
ANSWERED_SUBTYPES = (None, "file_share", "thread_broadcast")

GetChain = Callable[[], "VerbatimChain"]


GetStore = Callable[[], FeedbackStore]


class RecentKeys:
    """A bounded set of recently seen keys that are forgotten after ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 15 * 60, max_size: int = 10_000) -> None:
        if ttl_s <= 0 or max_size <= 0:
            raise ValueError("ttl_s and max_size must be positive")
        self.ttl_s = ttl_s
        self.max_size = max_size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str, now: float | None = None) -> bool:
        """Remember ``key``; True when it was not seen within the TTL."""
        now = time.monotonic() if now is None else now
        with self._lock:
            while self._seen and (
                len(self._seen) >= self.max_size or next(iter(self._seen.values())) < now
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now + self.ttl_s
            return True


class SlackBot:
    """The listeners: turn Slack payloads into chain calls and answers into messages."""

    def __init__(
        self,
        settings: Settings,
        get_chain: GetChain,
        *,
        store: GetStore,
        metrics: Any | None = None,
    ) -> None:
        self.settings = settings
        self.get_chain = get_chain
        self.get_store = store
        self.metrics = metrics
        self.events = RecentKeys()
        self.messages = RecentKeys()

    # middleware

    def skip_duplicates(self, req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        """Acknowledge retries and already-seen event ids without running any listener."""
        # Socket Mode envelopes carry retry_attempt 0 on the first delivery: only > 0 is a retry.
        retry = req.headers.get("x-slack-retry-num")
        if retry and retry[0] not in ("", "0"):
            reason = (req.headers.get("x-slack-retry-reason") or ["?"])[0]
            log.info("acknowledged Slack retry %s (%s) without processing", retry[0], reason)
            return BoltResponse(status=200, body="")
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not self.events.add(f"event:{event_id}"):
            log.info("acknowledged duplicate event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    # events

    @staticmethod
    def acknowledge(ack: Callable[..., Any]) -> None:
        """Acknowledge at once; the answer is produced by a lazy listener."""
        ack()

    def on_mention(self, event: dict[str, Any], client: WebClient, context: Any) -> None:
        """Answer an ``app_mention`` in the message's thread."""
        if _from_a_bot(event):
            return
        self._answer_message(
            event, client, context, thread_ts=event.get("thread_ts") or event["ts"]
        )

    def on_message(self, event: dict[str, Any], client: WebClient, context: Any) -> None:
        """Answer direct messages (and every message of ``listen_channels``); ignore the rest."""
        if _from_a_bot(event) or event.get("subtype") not in ANSWERED_SUBTYPES:
            return
        bot_user = context.get("bot_user_id")
        if event.get("channel_type") == "im":
            self._answer_message(event, client, context, thread_ts=event.get("thread_ts"))
        elif event.get("channel") in self.settings.slack.listen_channels:
            if bot_user and f"<@{bot_user}" in str(event.get("text", "")):
                return  # the app_mention event answers it
            self._answer_message(
                event, client, context, thread_ts=event.get("thread_ts") or event["ts"]
            )

    def _answer_message(
        self, event: dict[str, Any], client: WebClient, context: Any, *, thread_ts: str | None
    ) -> None:
        channel, ts = str(event["channel"]), str(event["ts"])
        if not self.messages.add(f"message:{channel}:{ts}"):
            return  # the same message arrived as another event (mention and message)
        question = strip_mentions(str(event.get("text", "")))
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=USAGE)
            return
        _react(client, "reactions_add", channel, ts)
        try:
            history = self._history(client, event, context)
            rendered = self._answer(question, history, channel)
            client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                text=rendered.text,
                blocks=rendered.blocks,
                metadata=rendered.metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            log.warning("could not post the answer in %s: %s", channel, exc.response.get("error"))
        finally:
            _react(client, "reactions_remove", channel, ts)

    def _history(self, client: WebClient, event: dict[str, Any], context: Any) -> list[Turn]:
        """Earlier turns: the thread's messages, or recent messages of an unthreaded DM."""
        channel, ts = str(event["channel"]), str(event["ts"])
        thread_ts = event.get("thread_ts")
        try:
            if thread_ts and thread_ts != ts:
                reply = client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=50, include_all_metadata=True
                )
                messages = list(reply.get("messages") or [])
            elif event.get("channel_type") == "im":
                reply = client.conversations_history(
                    channel=channel,
                    latest=ts,
                    oldest=f"{float(ts) - DM_HISTORY_WINDOW_S:.6f}",
                    inclusive=False,
                    limit=2 * HISTORY_TURNS,
                    include_all_metadata=True,
                )
                messages = list(reversed(reply.get("messages") or []))
            else:
                return []
        except SlackClientError as exc:
            log.warning("could not read the conversation history: %s", exc)
            return []
        return thread_turns(
            messages,
            before_ts=ts,
            bot_user_id=context.get("bot_user_id"),
            bot_id=context.get("bot_id"),
        )

    # slash command

    @staticmethod
    def acknowledge_command(ack: Callable[..., Any], command: dict[str, Any]) -> None:
        """Acknowledge ``/ask`` at once with a usage hint or a note that work has started."""
        question = unescape_mrkdwn(str(command.get("text", ""))).strip()
        ack(text=f"Looking that up: {question}" if question else USAGE)

    def on_command(self, command: dict[str, Any], client: WebClient, respond: Any) -> None:
        """Answer ``/ask`` as an ephemeral or channel message (``slash_response``)."""
        question = unescape_mrkdwn(str(command.get("text", ""))).strip()
        if not question:
            return
        channel, user = str(command["channel_id"]), str(command["user_id"])
        rendered = self._answer(question, [], channel, show_question=True)
        in_channel = self.settings.slack.slash_response == "in_channel"
        try:
            if in_channel:
                client.chat_postMessage(
                    channel=channel,
                    text=rendered.text,
                    blocks=rendered.blocks,
                    metadata=rendered.metadata,
                    unfurl_links=False,
                )
            else:
                client.chat_postEphemeral(
                    channel=channel, user=user, text=rendered.text, blocks=rendered.blocks
                )
        except SlackApiError as exc:
            # Not a member of the channel (or a DM with someone else): answer via response_url.
            log.info("falling back to response_url for /ask: %s", exc.response.get("error"))
            respond(
                text=rendered.text,
                blocks=rendered.blocks,
                response_type="in_channel" if in_channel else "ephemeral",
            )

    # feedback

    def on_feedback(
        self,
        ack: Callable[..., Any],
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
    ) -> None:
        """Record a vote from the feedback buttons and thank the voter."""
        ack()
        match = FEEDBACK_ACTION.match(str(action.get("action_id", "")))
        user = str((body.get("user") or {}).get("id", ""))
        answer_id = str(action.get("value", ""))
        if match is None or not user or not answer_id:
            return
        vote = match.group(1)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        self.get_store().record(answer_id, vote, user, channel)
        observe = getattr(self.metrics, "observe_feedback", None)
        if callable(observe):
            observe(vote, "slack")
        if channel:
            thread_ts = (body.get("container") or {}).get("thread_ts")
            try:
                client.chat_postEphemeral(
                    channel=channel,
                    user=user,
                    thread_ts=thread_ts,
                    text="Thanks, your feedback was recorded.",
                )
            except SlackClientError as exc:
                log.debug("could not thank for feedback: %s", exc)

    # the chain

    def _answer(
        self, question: str, history: Sequence[Turn], channel: str, *, show_question: bool = False
    ) -> Rendered:
        """Ask the chain; render the answer, or a plain error message when it fails."""
        try:
            answer = self.get_chain().ask(question, history)
        except VerbatimError as exc:
            log.warning("Slack question failed: %s", exc.message)
            return Rendered(
                text=escape_mrkdwn(f"Sorry, I could not answer: {exc.message}"), blocks=[]
            )
        except Exception:
            log.exception("unexpected error answering a Slack question")
            return Rendered(text="Sorry, something went wrong while answering.", blocks=[])
        observe = getattr(self.metrics, "observe_answer", None)
        if callable(observe):
            observe(answer, "slack")
        feedback_id = self.get_store().remember(question, answer, channel)
        return render_answer(
            answer, question=question if show_question else None, feedback_id=feedback_id
        )


def thread_turns(
    messages: Sequence[dict[str, Any]],
    *,
    before_ts: str,
    bot_user_id: str | None,
    bot_id: str | None,
) -> list[Turn]:
    """Conversation turns from a thread's messages before ``before_ts`` (oldest first).

    The bot's own posts become assistant turns, marked refused when the message metadata the
    bot posted with them says so; other bots' posts are skipped.
    """
    turns: list[Turn] = []
    for message in messages:
        if float(message.get("ts", "0")) >= float(before_ts):
            continue
        own = (bot_user_id and message.get("user") == bot_user_id) or (
            bot_id and message.get("bot_id") == bot_id
        )
        if own:
            content, role = answer_from_message(message), "assistant"
        elif _from_a_bot(message) or message.get("subtype"):
            continue
        else:
            content, role = strip_mentions(str(message.get("text", ""))), "user"
        if content.strip():
            refused = role == "assistant" and _refused_by_metadata(message)
            turns.append(Turn(role=role, content=content[:20_000], refused=refused))
    return turns[-HISTORY_TURNS:]


def _refused_by_metadata(message: dict[str, Any]) -> bool:
    """The ``refused`` flag of the ``verbatim_answer`` metadata the bot posted with a message."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != "verbatim_answer":
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("refused") is True


def _from_a_bot(event: dict[str, Any]) -> bool:
    return bool(event.get("bot_id")) or event.get("subtype") == "bot_message"


def _react(client: WebClient, method: str, channel: str, ts: str) -> None:
    # Progress reactions are cosmetic: a missing scope or a race must not cost the answer.
    try:
        getattr(client, method)(channel=channel, timestamp=ts, name=PROGRESS_REACTION)
    except SlackClientError as exc:
        log.debug("%s failed: %s", method, exc)


def web_client(settings: Settings) -> WebClient:
    """A WebClient with the bot token, pointed at ``VERBATIM_SLACK__API_URL`` when set."""
    token = settings.slack.bot_token
    if token is None:
        raise ConfigError("The Slack bot needs VERBATIM_SLACK__BOT_TOKEN (xoxb-…).")
    base_url = settings.slack.api_url or WebClient.BASE_URL
    client = WebClient(token=token.get_secret_value(), base_url=base_url.rstrip("/") + "/")
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_slack_app(
    settings: Settings,
    get_chain: GetChain,
    *,
    store: GetStore,
    client: WebClient | None = None,
    metrics: Any | None = None,
) -> App:
    """The Bolt app: listeners for mentions, DMs, ``/ask`` and the feedback buttons.

    Args:
        settings: ``settings.slack`` supplies the tokens and options.
        get_chain: returns the shared answer chain (called per question, so it may load lazily).
        store: returns the feedback store answers and votes are recorded in (the API's).
        client: a WebClient to use instead of one built from the settings (tests, proxies).
        metrics: an object with ``observe_feedback(rating, source)`` and
            ``observe_answer(answer, entry)`` (:class:`qa.metrics.Metrics`), or None.

    Raises:
        ConfigError: no client and no ``VERBATIM_SLACK__BOT_TOKEN``.
    """
    secret = settings.slack.signing_secret
    bot = SlackBot(settings, get_chain, store=store, metrics=metrics)
    app = App(
        name="verbatim",
        client=client or web_client(settings),
        signing_secret=secret.get_secret_value() if secret else "",
        # auth.test runs on the first request, not while the API starts up.
        token_verification_enabled=False,
        process_before_response=False,
    )
    app.middleware(bot.skip_duplicates)
    app.event("app_mention")(ack=bot.acknowledge, lazy=[bot.on_mention])
    app.event("message")(ack=bot.acknowledge, lazy=[bot.on_message])
    app.command("/ask")(ack=bot.acknowledge_command, lazy=[bot.on_command])
    app.action(FEEDBACK_ACTION)(bot.on_feedback)
    return app
