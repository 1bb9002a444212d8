"""The Slack adapter: mentions, direct messages and ``/ask``, answered by the same chain.

A thin layer over :class:`~qa.chain.VerbatimChain` built on ``slack_bolt``:

- ``app_mention`` in a channel → the answer in the message's thread; earlier turns of the thread
  (``conversations.replies``) are the conversation history.
- ``message`` in a direct message (``channel_type == "im"``) → the answer in the DM.
- ``/ask QUESTION`` → an ephemeral reply (``chat.postEphemeral``) or a channel message, per
  ``VERBATIM_SLACK__SLASH_RESPONSE``.
- "Helpful" / "Not helpful" buttons → a row in the feedback store and the feedback counter.

Two transports share one :func:`build_slack_app`: Socket Mode (:func:`run_socket_mode`, the
``verbatim slack`` command) and the Events API at ``POST /slack/events`` of the FastAPI app
(:func:`mount_slack`).  Bolt verifies request signatures and rejects stale timestamps; answers
run in lazy listeners so Slack gets its acknowledgement at once.  Retried deliveries
(``X-Slack-Retry-Num``) are acknowledged without work, and event ids and message timestamps are
remembered for a while, so one question never gets two answers.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qa.components import open_database
from qa.errors import ConfigError, VerbatimError
from qa.feedback import FeedbackStore
from qa.settings import Settings
from qa.types import Answer, Turn

if TYPE_CHECKING:
    from fastapi import FastAPI

    from qa.chain import VerbatimChain

__all__ = [
    "FeedbackStore",
    "RecentKeys",
    "Rendered",
    "build_slack_app",
    "escape_mrkdwn",
    "mount_slack",
    "render_answer",
    "run_socket_mode",
]

log = logging.getLogger("verbatim.slack")

EVENTS_PATH = "/slack/events"
SECTION_LIMIT = 2900  # Block Kit allows 3,000 characters in a section's text: keep a margin
CONTEXT_LIMIT = 2000  # Block Kit: a context element's text is at most 2,000 characters
MAX_BLOCKS = 50  # Block Kit: a message has at most 50 blocks
FALLBACK_LIMIT = 4000
PROGRESS_REACTION = "hourglass_flowing_sand"
FEEDBACK_UP = "verbatim_feedback_up"
FEEDBACK_DOWN = "verbatim_feedback_down"
FEEDBACK_ACTION = re.compile(r"^verbatim_feedback_(up|down)$")
HISTORY_TURNS = 10
DM_HISTORY_WINDOW_S = 30 * 60
# Message subtypes that are still a person asking something (edits, joins, etc. are not).
ANSWERED_SUBTYPES = (None, "file_share", "thread_broadcast")
MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
REFUSAL_FALLBACK = {
    "not_in_documents": "The documents do not say.",
    "source_truncated": "The source text is cut off here, so the documents do not say.",
    "out_of_scope": "I can only answer questions about the documents in this collection.",
    "invalid_request": "Please ask a question.",
}
USAGE = "Ask me a question about the documents, e.g. `/ask Which treaty is cited as a precedent?`"

GetChain = Callable[[], "VerbatimChain"]


# -- rendering ---------------------------------------------------------------------------


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
    """A Slack message: Block Kit ``blocks`` and the plain-text fallback ``text``."""

    text: str
    blocks: list[dict[str, Any]]


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
        note = (
            f"The source is cut off after “{escape_mrkdwn(gap.announcement)}” "
            f"({escape_mrkdwn(gap.document)})."
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
    return Rendered(text=_fallback(answer, text), blocks=[*head, *body, *cited, *tail])


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


# -- state: recent keys and feedback -----------------------------------------------------


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


# -- the bot -----------------------------------------------------------------------------


class SlackBot:
    """The listeners: turn Slack payloads into chain calls and answers into messages."""

    def __init__(
        self,
        settings: Settings,
        get_chain: GetChain,
        *,
        feedback: FeedbackStore,
        metrics: Any | None = None,
    ) -> None:
        self.settings = settings
        self.get_chain = get_chain
        self.feedback = feedback
        self.metrics = metrics
        self.events = RecentKeys()
        self.messages = RecentKeys()

    # middleware

    def skip_duplicates(self, req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        """Acknowledge retries and already-seen event ids without running any listener."""
        retry = req.headers.get("x-slack-retry-num")
        if retry:
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
                reply = client.conversations_replies(channel=channel, ts=thread_ts, limit=50)
                messages = list(reply.get("messages") or [])
            elif event.get("channel_type") == "im":
                reply = client.conversations_history(
                    channel=channel,
                    latest=ts,
                    oldest=f"{float(ts) - DM_HISTORY_WINDOW_S:.6f}",
                    inclusive=False,
                    limit=2 * HISTORY_TURNS,
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
                    channel=channel, text=rendered.text, blocks=rendered.blocks, unfurl_links=False
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
        self.feedback.record(answer_id, vote, user, channel)
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
        feedback_id = self.feedback.remember(question, answer, channel)
        return render_answer(
            answer, question=question if show_question else None, feedback_id=feedback_id
        )


def strip_mentions(text: str) -> str:
    """The message text without ``<@U…>`` mentions, unescaped and trimmed."""
    return unescape_mrkdwn(MENTION.sub(" ", text)).strip()


def thread_turns(
    messages: Sequence[dict[str, Any]],
    *,
    before_ts: str,
    bot_user_id: str | None,
    bot_id: str | None,
) -> list[Turn]:
    """Conversation turns from a thread's messages before ``before_ts`` (oldest first).

    The bot's own posts become assistant turns; other bots' posts are skipped.
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
            turns.append(Turn(role=role, content=content[:20_000]))
    return turns[-HISTORY_TURNS:]


def _from_a_bot(event: dict[str, Any]) -> bool:
    return bool(event.get("bot_id")) or event.get("subtype") == "bot_message"


def _react(client: WebClient, method: str, channel: str, ts: str) -> None:
    # Progress reactions are cosmetic: a missing scope or a race must not cost the answer.
    try:
        getattr(client, method)(channel=channel, timestamp=ts, name=PROGRESS_REACTION)
    except SlackClientError as exc:
        log.debug("%s failed: %s", method, exc)


# -- wiring ------------------------------------------------------------------------------


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
    client: WebClient | None = None,
    metrics: Any | None = None,
) -> App:
    """The Bolt app: listeners for mentions, DMs, ``/ask`` and the feedback buttons.

    Args:
        settings: ``settings.slack`` supplies the tokens; ``settings.data_dir`` the feedback db.
        get_chain: returns the shared answer chain (called per question, so it may load lazily).
        client: a WebClient to use instead of one built from the settings (tests, proxies).
        metrics: an object with ``observe_feedback(rating, source)`` and
            ``observe_answer(answer, entry)`` (:class:`qa.metrics.Metrics`), or None.

    Raises:
        ConfigError: no client and no ``VERBATIM_SLACK__BOT_TOKEN``.
    """
    secret = settings.slack.signing_secret
    bot = SlackBot(
        settings,
        get_chain,
        feedback=FeedbackStore(open_database(settings)),
        metrics=metrics,
    )
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


def _well_formed(request: Request, body: bytes) -> bool:
    """A numeric timestamp header and a UTF-8 body, before the signature is even checked."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    if not timestamp.isdigit():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def mount_slack(
    app: FastAPI,
    settings: Settings,
    get_chain: GetChain,
    metrics: Any | None = None,
) -> bool:
    """Serve the Events API at ``POST /slack/events`` if a bot token and signing secret are set."""
    if settings.slack.bot_token is None or settings.slack.signing_secret is None:
        return False
    bolt = build_slack_app(settings, get_chain, metrics=metrics)

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if not _well_formed(request, body):
            # Bolt would raise on these (int(timestamp), body.decode()): a forged request is a 401.
            return JSONResponse(
                {"error": {"code": "unauthorized", "message": "Invalid Slack request signature."}},
                status_code=401,
            )
        # dispatch() may call auth.test and waits for ack(): keep it off the event loop.
        response = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        return to_starlette_response(response)

    app.add_api_route(EVENTS_PATH, slack_events, methods=["POST"], include_in_schema=False)
    app.state.slack_app = bolt
    return True


def run_socket_mode(settings: Settings) -> None:
    """Run the bot over Socket Mode until interrupted (``verbatim slack``)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from qa.components import build

    slack = settings.slack
    missing = [
        name
        for name, value in (
            ("VERBATIM_SLACK__BOT_TOKEN (xoxb-…)", slack.bot_token),
            ("VERBATIM_SLACK__APP_TOKEN (xapp-…, with connections:write)", slack.app_token),
        )
        if value is None or not value.get_secret_value()
    ]
    if missing:
        raise ConfigError(f"Socket Mode needs {' and '.join(missing)}.")
    assert slack.app_token is not None
    client = web_client(settings)
    try:
        identity = client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected VERBATIM_SLACK__BOT_TOKEN: {exc.response.get('error')}"
        ) from exc
    except SlackClientError as exc:
        raise ConfigError(f"Cannot reach the Slack Web API: {exc}") from exc
    parts = build(settings)
    parts.chain()  # load the model before the first question arrives
    app = build_slack_app(settings, parts.chain, client=client)
    log.info("Slack bot %s connected over Socket Mode", identity.get("user_id"))
    SocketModeHandler(app, app_token=slack.app_token.get_secret_value()).start()  # type: ignore[no-untyped-call]
