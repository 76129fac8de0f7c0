"""The BM25 cache beside the store: concurrent cold searches (processes racing to save and load it) never fail,
and a reader sees a whole index or none."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from assistant.retrieve.keyword import KeywordIndex

IDS = [f"c{i}" for i in range(40)]
TOKENS = [["教育", "集团", f"学校{i}", "教师"] for i in range(40)]


def _cold_search(directory: str, rounds: int) -> int:
    found = 0
    for n in range(rounds):
        fingerprint = f"fp{n % 3}"  # the collection changing under the readers
        index = KeywordIndex.load(Path(directory), fingerprint)
        if index is None:
            index = KeywordIndex.build(IDS, TOKENS)
            index.save(Path(directory), fingerprint)
        found += len(index.search(["学校7"], 3))
    return found


def test_concurrent_cold_searches_never_crash(tmp_path: Path) -> None:
    directory = tmp_path / "bm25"
    with multiprocessing.get_context("fork").Pool(8) as pool:
        results = pool.starmap(_cold_search, [(str(directory), 12)] * 8)
    assert results == [12] * 8  # every search found its chunk
    assert KeywordIndex.load(directory, "fp2") is not None or KeywordIndex.load(directory, "fp1") is not None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bm25.")]  # no staging folder left behind


def test_a_cache_of_another_state_is_not_trusted(tmp_path: Path) -> None:
    KeywordIndex.build(IDS, TOKENS).save(tmp_path / "bm25", "one")
    assert KeywordIndex.load(tmp_path / "bm25", "two") is None
    assert KeywordIndex.load(tmp_path / "bm25", "one").ids == IDS
