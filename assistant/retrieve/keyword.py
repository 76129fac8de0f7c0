"""The BM25 keyword index over the jieba tokens stored with each chunk, built from the Chroma collection itself.

Saved beside the store with the collection fingerprint it was built from; a changed collection means a
rebuild, so the keyword and dense lists can never disagree about which chunks exist.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bm25s
import numpy as np

from assistant.store_files import write_json_atomic

logging.getLogger("bm25s").setLevel(logging.WARNING)
_META = "policy-assistant.json"
TERMS = "words+chars+bigrams/1"  # how token lists become BM25 terms; a saved index built otherwise is rebuilt


@contextmanager
def _locked(directory: Path, mode: int) -> Iterator[None]:
    """An flock on '<directory>.lock' beside the index folder (shared to read, exclusive to swap it)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.with_name(directory.name + ".lock"), "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, mode)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class KeywordIndex:
    """bm25s over token lists; `search(tokens, k, mask)` returns (position, score) best first."""

    def __init__(self, ids: list[str], model: bm25s.BM25 | None):
        self.ids = ids
        self.model = model

    @classmethod
    def build(cls, ids: list[str], token_lists: list[list[str]], k1: float = 1.2, b: float = 0.75) -> KeywordIndex:
        if not ids:
            return cls([], None)
        model = bm25s.BM25(k1=k1, b=b)
        model.index([t or ["\u2205"] for t in token_lists], show_progress=False)
        return cls(ids, model)

    def save(self, directory: Path, fingerprint: str) -> None:
        """Write the index into a fresh folder beside `directory` and swap it in under an exclusive lock, so a
        concurrent reader sees the old index or the new one, never half of either; a failed save is only a cold
        cache (the index is rebuilt from the collection next time), never an error."""
        if self.model is None:
            return
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
        try:
            self.model.save(str(staging), show_progress=False)
            write_json_atomic(staging / _META, {"fingerprint": fingerprint, "terms": TERMS, "ids": self.ids})
            with _locked(directory, fcntl.LOCK_EX):
                old = directory.with_name(f".{directory.name}.old.{os.getpid()}")
                if directory.exists():
                    directory.rename(old)
                staging.rename(directory)
                shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            logging.getLogger(__name__).info("keyword cache not saved: %s", exc)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> KeywordIndex | None:
        """The saved index if it was built from this exact collection state (and term scheme), else None."""
        try:
            with _locked(directory, fcntl.LOCK_SH):
                meta = json.loads((directory / _META).read_text(encoding="utf-8"))
                if meta.get("fingerprint") != fingerprint or meta.get("terms") != TERMS:
                    return None
                model = bm25s.BM25.load(str(directory), show_progress=False)
        except Exception:  # missing, half-written by an older version, unreadable: rebuilt from the collection
            return None
        return cls(list(meta["ids"]), model)

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every indexed chunk (by position) for the tokens; terms the index lacks count nothing."""
        known = [t for t in tokens if self.model is not None and t in self.model.vocab_dict]
        if self.model is None or not known:
            return np.zeros(len(self.ids))
        return np.asarray(self.model.get_scores(known), dtype=float)

    def search(self, tokens: list[str], k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        if self.model is None or not tokens:
            return []
        scores = self.scores(tokens)
        if not scores.any():
            return []
        if mask is not None:
            scores = scores * mask
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
