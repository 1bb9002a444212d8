"""A small real HTTP server on loopback that speaks OpenAI's chat-completions protocol.

It replays scripted model outputs (the only stand-in allowed: no hosted LLM is reachable here),
records the requests it receives, and can misbehave on purpose: hang, or answer garbage.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Script = Callable[[list[dict[str, Any]]], str]


class FakeChatServer:
    """OpenAI-compatible ``/v1/chat/completions`` replaying ``script(messages) -> content``."""

    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda messages: '{"claims": [], "refusal": null}')
        self.requests: list[dict[str, Any]] = []
        self.mode = "ok"  # "ok" | "hang" | "http500" | "not_json"
        self.hang_seconds = 30.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(body)
                if server.mode == "hang":
                    time.sleep(server.hang_seconds)
                    return
                if server.mode == "http500":
                    self._json(500, {"error": {"message": "boom", "type": "server_error"}})
                    return
                if server.mode == "not_json":
                    raw = b"<html>gateway error</html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return
                content = server.script(body.get("messages", []))
                if body.get("stream"):
                    self._stream(content, body.get("model", "fake"))
                else:
                    self._json(200, _completion(content, body.get("model", "fake")))

            def _json(self, status: int, data: Any) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, content: str, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                pieces = [content[i : i + 16] for i in range(0, len(content), 16)]
                for piece in pieces:
                    chunk = {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion.chunk",
                        "created": int(time.time()),
                        "model": model,
                        "choices": [
                            {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                        ],
                    }
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The ``/v1`` base URL to give an OpenAI client."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeChatServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()


def _completion(content: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
