"""SIGKILL an ingest at five moments (embedding, a write batch, the manifest update, a re-ingest of a changed file,
a delete): afterwards the index opens, search works, stats agrees with search, and one more ingest ends with exactly
the chunk ids (and sentence vectors) of a clean ingest of the same files. An incremental ingest equals a clean one.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.index import Index, forget_client
from assistant.ingest.pipeline import delete_source, ingest
from assistant.retrieve.hybrid import Retriever
from assistant.stats import index_stats
from tests.support.seeds import MEASURES, PLAN, PROJECT_ROOT, SPEECH


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def state(settings: Settings, embeddings) -> tuple[set[str], set[str]]:
    forget_client(settings.chroma_dir)
    index = Index(settings, embeddings)
    return index.ids(), index.sentence_keys()


def killed_at(moment: str, code: str) -> None:
    """Run `code` in a child with the pause hook at `moment`, wait until it gets there, SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "POLICY_ASSISTANT_TEST_PAUSE_AT": moment}
    child = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, env=env, cwd=PROJECT_ROOT)
    assert child.stderr is not None
    deadline, seen = time.monotonic() + 240, b""
    while f"paused at {moment}".encode() not in seen:
        assert time.monotonic() < deadline and child.poll() is None, seen.decode(errors="replace")[-2000:]
        if select.select([child.stderr], [], [], 1)[0]:
            seen += os.read(child.stderr.fileno(), 65536)
    child.send_signal(signal.SIGKILL)
    child.wait()


def run_ingest(data: Path, corpus: Path) -> str:
    return (f"from assistant.config import Settings; from assistant.ingest.pipeline import ingest; "
            f"ingest(Settings(data_dir={str(data)!r}, corpus_dir={str(corpus)!r}))")


def clean(tmp: Path, files: dict[str, str], embeddings, label: str) -> tuple[set[str], set[str]]:
    settings = Settings(data_dir=tmp / f"clean-{label}", corpus_dir=write(tmp / f"clean-corpus-{label}", files))
    ingest(settings, embeddings=embeddings)
    return state(settings, embeddings)


def check_recovered(settings: Settings, embeddings, expected: tuple[set[str], set[str]]) -> None:
    forget_client(settings.chroma_dir)
    retriever = Retriever(settings, embeddings=embeddings)  # the index opens and search works
    assert retriever.search("集团化办学", k=3)
    ingest(settings, embeddings=embeddings)
    assert state(settings, embeddings) == expected
    stats = index_stats(settings)
    assert stats["consistent"] and stats["chunks"] == len(expected[0])


@pytest.mark.parametrize("moment", ["embed", "write", "manifest"])
def test_a_kill_while_ingesting_new_files_is_completed_by_the_next_run(tmp_path: Path, embeddings, moment) -> None:
    files = {"plan.txt": PLAN, "measures.txt": MEASURES}
    expected = clean(tmp_path, files, embeddings, moment)
    corpus = write(tmp_path / "corpus", {"plan.txt": PLAN})
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest(settings, embeddings=embeddings)  # an index that already serves one file
    write(corpus, {"measures.txt": MEASURES})
    killed_at(moment, run_ingest(settings.data_dir, corpus))
    check_recovered(settings, embeddings, expected)


def test_a_kill_while_re_ingesting_a_changed_file(tmp_path: Path, embeddings) -> None:
    changed = SPEECH.replace("集团化办学", "集团化办学模式", 1)
    expected = clean(tmp_path, {"plan.txt": PLAN, "speech.txt": changed}, embeddings, "changed")
    corpus = write(tmp_path / "corpus", {"plan.txt": PLAN, "speech.txt": SPEECH})
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest(settings, embeddings=embeddings)
    write(corpus, {"speech.txt": changed})
    killed_at("delete", run_ingest(settings.data_dir, corpus))  # new chunks written, the old ones being removed
    check_recovered(settings, embeddings, expected)


def test_a_kill_during_a_delete(tmp_path: Path, embeddings) -> None:
    expected = clean(tmp_path, {"plan.txt": PLAN}, embeddings, "deleted")
    corpus = write(tmp_path / "corpus", {"plan.txt": PLAN, "measures.txt": MEASURES})
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest(settings, embeddings=embeddings)
    code = (f"from assistant.config import Settings; from assistant.ingest.pipeline import delete_source; "
            f"delete_source(Settings(data_dir={str(settings.data_dir)!r}), 'measures.txt')")
    killed_at("delete", code)
    forget_client(settings.chroma_dir)
    assert Retriever(settings, embeddings=embeddings).search("集团化办学", k=3)
    delete_source(settings, "measures.txt", embeddings=embeddings)  # the user deletes again: it completes
    assert state(settings, embeddings) == expected


def test_an_incremental_ingest_equals_a_clean_one_whatever_the_order(tmp_path: Path, embeddings) -> None:
    # b_copy.txt repeats plan.txt re-wrapped with one sentence more: which of the near-duplicate chunks the merge
    # keeps must not depend on which file arrived first
    rewrapped = PLAN.replace("。", "。此外各校应当按时报送有关材料。", 1).replace("\n", "\n\n")
    files = {"a_plan.txt": PLAN, "b_copy.txt": rewrapped, "c_measures.txt": MEASURES}
    expected = clean(tmp_path, files, embeddings, "all")
    corpus = write(tmp_path / "corpus", {"b_copy.txt": rewrapped, "c_measures.txt": MEASURES})
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest(settings, embeddings=embeddings)
    write(corpus, {"a_plan.txt": PLAN})
    summary = ingest(settings, embeddings=embeddings)
    assert summary.ingested == ["a_plan.txt"]
    assert state(settings, embeddings) == expected
