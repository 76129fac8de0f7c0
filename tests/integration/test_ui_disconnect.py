"""A chat answer whose browser went away stops on the server: the app is served on a loopback port, a streaming
question is sent over Gradio's queue with raw HTTP, the connection is dropped mid-stream, and the answer's
generator must stop pulling pieces (and be closed) within a few seconds, not run on to its end."""

from __future__ import annotations

import http.client
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from assistant.assistant import Assistant
from assistant.config import Settings
from ui import build_app, launch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EndlessAnswer:
    """The real Assistant, whose streamed answer goes on with numbered sentences for as long as it is read: the
    pieces handed out and whether the stream was closed say whether the server still works for a gone client."""

    # streamed like an LLM's tokens: the UI reads an extractive answer whole before showing it (it is ready at
    # once), so only a model's stream is read piece by piece while the client waits
    model = "endless-test-model"

    def __init__(self, inner: Assistant):
        self.inner = inner
        self.pieces = 0
        self.closed = threading.Event()

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        def pieces() -> Iterator[Any]:
            try:
                for piece in self.inner.stream(*args, **kwargs):
                    if isinstance(piece, str):  # the real answer's text, then sentences without end
                        self.pieces += 1
                        yield piece
                for n in range(1, 100_000):
                    self.pieces += 1
                    yield f"补充说明第{n}条。"
            finally:
                self.closed.set()

        return pieces()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def served(seed_index: Settings, embeddings) -> Iterator[tuple[str, Any, EndlessAnswer]]:
    assistant = EndlessAnswer(Assistant.open(seed_index, embeddings=embeddings))
    app = build_app(seed_index, assistant)  # type: ignore[arg-type]
    _, url, _ = launch(app, seed_index, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield url, app, assistant
    finally:
        app.close()


def chat_fn_index(app: Any) -> int:
    return next(i for i, fn in app.fns.items() if fn.api_name == "chat")


def test_a_dropped_connection_stops_the_answer_being_streamed(served) -> None:
    url, app, assistant = served
    parts = urlsplit(url)
    session = secrets.token_hex(5)
    index = chat_fn_index(app)
    data: list[Any] = ["陈坊中小学位于什么地方？", None, [], None]
    data += [""] * (len(app.fns[index].inputs) - len(data))  # later inputs (the 版本日期 box) left empty
    body = {"data": data, "fn_index": index,
            "session_hash": session, "event_data": None, "trigger_id": None}
    join = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    join.request("POST", "/gradio_api/queue/join", json.dumps(body), {"Content-Type": "application/json"})
    answer = join.getresponse()
    assert answer.status == 200, answer.read()
    join.close()

    stream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    stream.request("GET", f"/gradio_api/queue/data?session_hash={session}", headers={"Accept": "text/event-stream"})
    response = stream.getresponse()
    generating = 0
    while generating < 5:  # the answer is streaming: some pieces reached the client
        line = response.fp.readline()
        assert line, "the stream ended before the answer streamed"
        if line.startswith(b"data:") and json.loads(line[5:])["msg"] == "process_generating":
            generating += 1
    assert assistant.pieces >= 3 and not assistant.closed.is_set()
    # the browser goes away: the socket is shut down, not a polite /cancel
    assert stream.sock is not None
    stream.sock.shutdown(socket.SHUT_RDWR)
    stream.close()
    dropped_at = assistant.pieces

    assert assistant.closed.wait(10), f"the answer went on after the client left ({assistant.pieces} pieces)"
    stopped_at = assistant.pieces
    time.sleep(1.0)
    assert assistant.pieces == stopped_at  # nothing more is pulled once it is closed
    assert stopped_at - dropped_at < 50, (dropped_at, stopped_at)  # a few pieces, not the endless rest
