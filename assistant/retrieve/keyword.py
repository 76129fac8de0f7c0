"""The BM25 keyword index over the jieba tokens stored with each chunk, built from the Chroma collection itself.

Saved beside the store with the collection fingerprint it was built from; a changed collection means a
rebuild, so the keyword and dense lists can never disagree about which chunks exist.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import bm25s
import numpy as np

from assistant.store_files import write_json_atomic

logging.getLogger("bm25s").setLevel(logging.WARNING)
_META = "policy-assistant.json"
TERMS = "words+chars+bigrams/1"  # how token lists become BM25 terms; a saved index built otherwise is rebuilt


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
        """Write the index then its fingerprint file (last, atomically): a half-written index is never trusted."""
        if self.model is None:
            return
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save(str(directory), show_progress=False)
        write_json_atomic(directory / _META, {"fingerprint": fingerprint, "terms": TERMS, "ids": self.ids})

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> KeywordIndex | None:
        """The saved index if it was built from this exact collection state (and term scheme), else None."""
        try:
            meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if meta.get("fingerprint") != fingerprint or meta.get("terms") != TERMS:
            return None
        try:
            model = bm25s.BM25.load(str(directory), show_progress=False)
        except Exception:
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
