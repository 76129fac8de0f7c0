"""A tiny OpenAI-compatible chat server on 127.0.0.1 for tests (stdlib only, no network beyond loopback).

    with OpenAIStubServer(reply="答案句子[1]。") as srv:
        model = ChatOpenAI(base_url=srv.base_url, model="stub-model", api_key="x")
        srv.requests  # the JSON bodies received, in order

Modes: "ok" answers; "error500" answers 500 with an OpenAI-style error body; "slow" waits `delay`
seconds before answering (the wait ends early when the server is shut down, so exiting never hangs).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Reply = str | Callable[[dict[str, Any]], str]
Mode = Literal["ok", "error500", "slow"]


def split_reply(text: str, pieces: int) -> list[str]:
    """Cut text into at most `pieces` non-empty consecutive parts (at least one, even for '')."""
    if not text:
        return [""]
    pieces = max(1, min(pieces, len(text)))
    size, extra = divmod(len(text), pieces)
    parts, start = [], 0
    for i in range(pieces):
        end = start + size + (1 if i < extra else 0)
        parts.append(text[start:end])
        start = end
    return parts


def prompt_text(body: dict[str, Any]) -> str:
    """All message contents of a chat request joined by newlines, for replies that depend on the prompt."""
    texts = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
            texts.extend(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return "\n".join(texts)


class OpenAIStubServer:
    """OpenAI-compatible stub: POST /v1/chat/completions (plain and SSE streaming), GET /v1/models."""

    def __init__(
        self,
        reply: Reply = "答案句子[1]。",
        mode: Mode = "ok",
        delay: float = 5.0,
        pieces: int = 4,
        model: str = "stub-model",
    ):
        if mode not in ("ok", "error500", "slow"):
            raise ValueError(f"unknown mode {mode!r}")
        self.reply = reply
        self.mode: Mode = mode
        self.delay = delay
        self.pieces = pieces
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # per request, names lower-cased
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> OpenAIStubServer:
        handler = type("_Handler", (_Handler,), {"stub": self})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True  # request threads never block interpreter exit or server_close
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="openai-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any "slow" handler at once
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def __enter__(self) -> OpenAIStubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # what tests look at

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def last_request(self) -> dict[str, Any]:
        with self._lock:
            if not self.requests:
                raise AssertionError("the stub received no chat request")
            return self.requests[-1]

    def reply_for(self, body: dict[str, Any]) -> str:
        return self.reply(body) if callable(self.reply) else self.reply

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)


class _Handler(BaseHTTPRequestHandler):
    stub: OpenAIStubServer
    protocol_version = "HTTP/1.1"  # keep-alive like real servers; every response is framed

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # a client that drops a kept-alive connection is normal, not a test failure

    # helpers

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: int, message: str, kind: str) -> None:
        self._send_json(status, {"error": {"message": message, "type": kind, "param": None, "code": None}})

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
        self.wfile.flush()

    # endpoints

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            model = {"id": self.stub.model, "object": "model", "created": 0, "owned_by": "stub"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_error(404, f"no route {self.path}", "invalid_request_error")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_error(404, f"no route {self.path}", "invalid_request_error")
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_error(400, "body is not JSON", "invalid_request_error")
            return
        self.stub._record(body, {name.lower(): value for name, value in self.headers.items()})

        if self.stub.mode == "error500":
            self._send_error(500, "stub server error", "server_error")
            return
        if self.stub.mode == "slow" and self.stub._stopping.wait(self.stub.delay):
            self.close_connection = True  # shut down while waiting: answer nothing
            return

        text = self.stub.reply_for(body)
        try:
            if body.get("stream"):
                self._stream(body, text)
            else:
                self._complete(body, text)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. timed out) before the answer

    def _complete(self, body: dict[str, Any], text: str) -> None:
        prompt_tokens = len(prompt_text(body))
        self._send_json(
            200,
            {
                "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", self.stub.model),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": len(text),
                    "total_tokens": prompt_tokens + len(text),
                },
            },
        )

    def _stream(self, body: dict[str, Any], text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", self.stub.model),
        }

        def event(choices: list[dict[str, Any]], **extra: Any) -> None:
            payload = {**base, "choices": choices, **extra}
            self._write_chunk(b"data: " + json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n\n")

        def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

        event([choice({"role": "assistant", "content": ""})])
        for piece in split_reply(text, self.stub.pieces):
            event([choice({"content": piece})])
        event([choice({}, "stop")])
        if (body.get("stream_options") or {}).get("include_usage"):
            prompt_tokens = len(prompt_text(body))
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(text),
                "total_tokens": prompt_tokens + len(text),
            }
            event([], usage=usage)
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")  # last chunk of the chunked body
        self.wfile.flush()
