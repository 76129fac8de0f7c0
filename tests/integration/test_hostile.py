"""Hostile and broken files beside good ones: every entry ingested or rejected with its reason, nothing crashes,
nothing hidden, smuggled or outside the corpus reaches the index, and the good files are unaffected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.index import Index
from assistant.ingest import pipeline
from assistant.ingest.pipeline import doc_path, ingest
from assistant.retrieve.hybrid import Retriever
from assistant.stats import index_stats
from tests.support.hostile import make_corpus

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory, embeddings):
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    cases = make_corpus(corpus, base / "outside")
    settings = Settings(data_dir=base / "data", corpus_dir=corpus, parse_timeout_s=30, parse_memory_mb=512)
    real_scan = pipeline.scan

    def scan_then_delete(paths):  # the file vanishes between discovery and reading
        found = real_scan(paths)
        (corpus / "vanishes.txt").unlink()
        return found

    pipeline.scan = scan_then_delete
    try:
        summary = ingest(settings, embeddings=embeddings)
    finally:
        pipeline.scan = real_scan
    return settings, cases, summary


def test_at_least_forty_bad_inputs(hostile_run) -> None:
    _, cases, _ = hostile_run
    assert len([c for c in cases if not c.why.startswith("control")]) >= 40


def test_every_entry_ingested_or_rejected_as_expected(hostile_run) -> None:
    _, cases, summary = hostile_run
    wrong = []
    for case in cases:
        key = Path(case.name).name
        taken, refused = key in summary.ingested, key in summary.rejected
        outcome = "ingest" if taken else "reject" if refused else "skip"
        if case.expect == "either" and outcome in ("ingest", "reject"):
            continue
        if outcome != case.expect:
            wrong.append((case.name, case.expect, outcome, summary.rejected.get(key)))
    assert not wrong
    assert all(reason.strip() for reason in summary.rejected.values())
    assert summary.rejected["loop_a.txt"] == "symlink loop"
    assert summary.rejected["fifo.txt"] == "not a regular file (FIFO)"
    assert "outside the corpus" in summary.rejected["link_out.txt"]
    assert "refused unopened" in summary.rejected["zip_bomb.docx"]
    assert "cannot read" in summary.rejected["vanishes.txt"]


def test_nothing_hidden_smuggled_or_outside_is_indexed(hostile_run, embeddings) -> None:
    settings, cases, _ = hostile_run
    records = Index(settings, embeddings).get()
    blob = "\n".join(r["text"] + "\n" + str(r["metadata"].get("article_title", "")) + "\n" + r["metadata"].get("tokens", "") + r["metadata"].get("locations", "")
                     for r in records)
    for case in cases:
        for needle in case.absent:
            assert needle not in blob, (case.name, needle)
        for needle in case.present:
            assert needle in blob, (case.name, needle)


def test_good_files_are_found_and_long_names_have_their_article_file(hostile_run, embeddings) -> None:
    settings, _, summary = hostile_run
    retriever = Retriever(settings, embeddings=embeddings)
    hits = retriever.search("教师平均工资收入水平不低于当地公务员", k=50)
    sources = {s for h in hits for s in h.sources}
    assert {"good_plain.txt", "good_report.docx", "good_page.html", "good_notes.md"} <= sources
    long_name = next(n for n in summary.ingested if n.startswith("政策政策"))
    assert json.loads(doc_path(settings, long_name).read_text(encoding="utf-8"))["source"] == long_name
    stats = index_stats(settings)
    assert stats["consistent"] and stats["chunks"] == len(retriever)


def test_cli_rerun_prints_no_traceback_and_reports_loops_and_fifos(hostile_run) -> None:
    settings, _, _ = hostile_run
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", "from assistant.cli import app; app()", "ingest", str(settings.corpus_dir), "--json",
         "--data-dir", str(settings.data_dir)],
        capture_output=True, text=True, env=env, timeout=300, cwd=PROJECT_ROOT,
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    summary = json.loads(run.stdout)
    assert summary["chunks_embedded"] == 0
    assert {"loop_a.txt", "loop_b.txt", "fifo.txt", "dangling.txt", "link_dir_out", "zip_bomb.docx"} <= set(summary["rejected"])
