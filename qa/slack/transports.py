"""The two ways Slack reaches the bot: the Events API over HTTP (``POST /slack/events`` of the
FastAPI app) and Socket Mode (``verbatim slack``). Both drive the same Bolt app."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.errors import SlackApiError, SlackClientError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qa.errors import ConfigError
from qa.settings import Settings
from qa.slack.bot import GetChain, GetStore, build_slack_app, web_client

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("verbatim.slack")

EVENTS_PATH = "/slack/events"


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
    *,
    store: GetStore,
    metrics: Any | None = None,
) -> bool:
    """Serve the Events API at ``POST /slack/events`` if a bot token and signing secret are set."""
    if settings.slack.bot_token is None or settings.slack.signing_secret is None:
        return False
    bolt = build_slack_app(settings, get_chain, store=store, metrics=metrics)

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

    from qa.components import build, open_database
    from qa.feedback import FeedbackStore

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
    feedback = FeedbackStore(open_database(settings))
    app = build_slack_app(settings, parts.chain, store=lambda: feedback, client=client)
    handler = SocketModeHandler(
        app, app_token=slack.app_token.get_secret_value(), ping_interval=slack.ping_interval_s
    )
    log.info("Slack bot %s connecting over Socket Mode", identity.get("user_id"))
    handler.start()  # type: ignore[no-untyped-call]
