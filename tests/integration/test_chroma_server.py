"""Several app instances on one Chroma server (`chroma run` on a free loopback port): one ingests, searches and
deletes; the other sees each change once it refreshes (its keyword index is rebuilt from the collection)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.config import Settings
from assistant.ingest.pipeline import delete_source, ingest
from assistant.stats import index_stats

CHROMA = Path(sys.executable).parent / "chroma"
FIRST = "县级教育行政部门应当统筹调配校长和教师资源，推进城乡学校共同体建设，每年组织骨干教师到农村学校支教。\n"
SECOND = "学校应当建立家校协同育人机制，定期召开家长会，听取家长对学校食堂和校车安全工作的意见和建议。\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMA.exists():
        pytest.skip("the chroma CLI is not installed beside this python")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CHROMA_TELEMETRY": "False"}
    server = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "chroma run did not start"
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(20)


def test_two_app_instances_share_one_chroma_server(chroma_url: str, tmp_path: Path, embeddings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "first.txt").write_text(FIRST, encoding="utf-8")
    writer = Settings(data_dir=tmp_path / "writer", corpus_dir=corpus, chroma_url=chroma_url)
    reader = Settings(data_dir=tmp_path / "reader", chroma_url=chroma_url)
    assert ingest(writer, embeddings=embeddings).ingested == ["first.txt"]
    assert not (writer.data_dir / "chroma").exists()  # nothing embedded on disk: the server holds the store

    other = Assistant.open(reader, embeddings=embeddings, llm=None)
    assert "first.txt" in other.search("支教", k=1)[0].sources

    (corpus / "second.txt").write_text(SECOND, encoding="utf-8")
    ingest(writer, embeddings=embeddings)
    assert other.refresh()  # the collection's fingerprint changed: records and BM25 rebuilt from the server
    assert "second.txt" in other.search("家长会", k=1)[0].sources
    answer = other.ask("家长会听取家长对哪些工作的意见？")
    assert answer.citations and "second.txt" in answer.citations[0].sources

    delete_source(writer, "first.txt", embeddings=embeddings)
    assert other.refresh()
    assert all("first.txt" not in h.sources for h in other.search("支教", k=5))
    assert index_stats(reader)["chunks"] == index_stats(writer)["chunks"] == len(other.retriever)
