"""assistant.llm against a stub OpenAI-compatible server on 127.0.0.1 (no real model, no network)."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import openai
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from assistant.config import Settings
from assistant.llm import describe_model, make_chat_model
from tests.support.openai_server import OpenAIStubServer, prompt_text

REPLY = "根据《义务教育法》第五条，各级人民政府应当保障适龄儿童入学[1]。"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection or name lookup that is not loopback, so a stray network call is a test failure."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            raise AssertionError(f"network call to {address!r}")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in LOOPBACK:
            raise AssertionError(f"name lookup of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def no_llm_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read POLICY_ASSISTANT_* and the OpenAI client reads OPENAI_*: keep the developer's out."""
    for name in ("LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY", "LLM_TIMEOUT", "LLM_TEMPERATURE"):
        monkeypatch.delenv(f"POLICY_ASSISTANT_{name}", raising=False)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID"):
        monkeypatch.delenv(name, raising=False)


def stub_settings(srv: OpenAIStubServer, **overrides: object) -> Settings:
    return Settings(llm_base_url=srv.base_url, llm_model="stub-model", **overrides)  # type: ignore[arg-type]


def messages() -> list:
    return [SystemMessage("只根据资料回答，并标注引用。"), HumanMessage("适龄儿童入学由谁保障？")]


def test_no_llm_without_config() -> None:
    settings = Settings()
    assert make_chat_model(settings) is None
    assert describe_model(settings) == "extractive"
    # a URL without a model (or the reverse) is not enough either
    assert make_chat_model(Settings(llm_base_url="http://127.0.0.1:9/v1")) is None
    assert make_chat_model(Settings(llm_model="qwen2.5")) is None


def test_construction_touches_no_network_and_no_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tiktoken used")

    monkeypatch.setattr(tiktoken, "get_encoding", refuse)
    monkeypatch.setattr(tiktoken, "encoding_for_model", refuse)
    settings = Settings(llm_base_url="https://llm.example.invalid/v1", llm_model="gpt-4o", llm_timeout=7)
    model = make_chat_model(settings)
    assert isinstance(model, ChatOpenAI)
    assert describe_model(settings) == "gpt-4o"
    assert model.model_name == "gpt-4o"
    assert model.openai_api_base == "https://llm.example.invalid/v1"
    assert isinstance(model.openai_api_key, SecretStr)
    assert model.openai_api_key.get_secret_value() == "not-needed"
    assert model.request_timeout == 7
    assert model.max_retries == 0
    assert model.temperature == pytest.approx(0.1)
    assert model.streaming is True


def test_invoke_returns_reply_and_sends_the_messages() -> None:
    with OpenAIStubServer(reply=REPLY) as srv:
        model = make_chat_model(stub_settings(srv, llm_api_key="sk-local", llm_temperature=0.3))
        assert model is not None
        result = model.invoke(messages())
    assert result.content == REPLY
    assert len(srv.requests) == 1
    body = srv.requests[0]
    assert body["model"] == "stub-model"
    assert body["stream"] is True  # streaming=True: invoke streams too
    assert body["temperature"] == pytest.approx(0.3)
    assert [(m["role"], m["content"]) for m in body["messages"]] == [
        ("system", "只根据资料回答，并标注引用。"),
        ("user", "适龄儿童入学由谁保障？"),
    ]
    assert srv.headers[0]["authorization"] == "Bearer sk-local"


def test_stream_yields_several_chunks_that_join_to_the_reply() -> None:
    with OpenAIStubServer(reply=REPLY, pieces=5) as srv:
        model = make_chat_model(stub_settings(srv))
        assert model is not None
        pieces = [str(chunk.content) for chunk in model.stream(messages())]
    texts = [p for p in pieces if p]
    assert len(texts) == 5
    assert "".join(texts) == REPLY
    assert srv.headers[0]["authorization"] == "Bearer not-needed"


def test_astream_works_too() -> None:
    async def collect() -> list[str]:
        with OpenAIStubServer(reply=REPLY) as srv:
            model = make_chat_model(stub_settings(srv))
            assert model is not None
            return [str(chunk.content) async for chunk in model.astream(messages())]

    texts = [t for t in asyncio.run(collect()) if t]
    assert len(texts) > 1
    assert "".join(texts) == REPLY


def test_reply_can_depend_on_the_prompt() -> None:
    def reply(body: dict) -> str:
        return "有资料[1]。" if "入学" in prompt_text(body) else "资料中没有相关内容。"

    with OpenAIStubServer(reply=reply) as srv:
        model = make_chat_model(stub_settings(srv))
        assert model is not None
        assert model.invoke(messages()).content == "有资料[1]。"
        assert model.invoke("今天天气如何？").content == "资料中没有相关内容。"
    assert len(srv.requests) == 2


def test_stub_speaks_plain_openai_too() -> None:
    """The non-streaming endpoint and /v1/models, through the official client."""
    with OpenAIStubServer(reply=REPLY) as srv:
        client = openai.OpenAI(base_url=srv.base_url, api_key="x", max_retries=0, timeout=5)
        completion = client.chat.completions.create(
            model="stub-model", messages=[{"role": "user", "content": "问题"}]
        )
        models = client.models.list()
    assert completion.choices[0].message.content == REPLY
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens == len(REPLY)
    assert [m.id for m in models.data] == ["stub-model"]
    assert srv.requests[0].get("stream") in (None, False)


def test_server_error_raises_at_once_without_retries() -> None:
    with OpenAIStubServer(mode="error500") as srv:
        model = make_chat_model(stub_settings(srv))
        assert model is not None
        started = time.monotonic()
        with pytest.raises(openai.InternalServerError) as excinfo:
            model.invoke(messages())
        with pytest.raises(openai.APIError):
            list(model.stream(messages()))
        elapsed = time.monotonic() - started
    assert excinfo.value.status_code == 500
    assert "stub server error" in str(excinfo.value)
    assert len(srv.requests) == 2  # max_retries=0: one request per call
    assert elapsed < 2


def test_slow_endpoint_times_out_quickly() -> None:
    started = time.monotonic()
    with OpenAIStubServer(mode="slow", delay=30) as srv:
        model = make_chat_model(stub_settings(srv, llm_timeout=0.5))
        assert model is not None
        with pytest.raises(openai.APITimeoutError):
            model.invoke(messages())
        timed_out = time.monotonic() - started
    total = time.monotonic() - started  # includes shutting the stub down mid-wait
    assert 0.4 < timed_out < 3
    assert total < 5
    assert len(srv.requests) == 1
