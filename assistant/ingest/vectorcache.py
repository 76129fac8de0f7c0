"""Embeddings made ahead of their write: ingest embeds a parsed file's new texts while the next file parses, and
the later batched writes (the same ones, in the same order as without it) take those vectors from here."""

from __future__ import annotations

from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings


class VectorCache(Embeddings):
    """The model behind it with the vectors it has already made kept by text (float32, so a 10x corpus's worth
    is tens of MB); `chars` counts the characters the model itself was given, for the throughput estimate."""

    def __init__(self, inner: Embeddings):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.dimension = getattr(inner, "dimension", 0)
        self.vectors: dict[str, np.ndarray] = {}
        self.chars = 0

    def make(self, texts: list[str]) -> int:
        """Embed the texts not held yet; returns the characters embedded."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if not missing:
            return 0
        for text, vector in zip(missing, self.inner.embed_documents(missing), strict=True):
            self.vectors[text] = np.asarray(vector, dtype=np.float32)
        chars = sum(len(t) for t in missing)
        self.chars += chars
        return chars

    def held(self, text: str) -> bool:
        return text in self.vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.make(list(texts))
        return [self.vectors[t].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)

    def __getattr__(self, name: str) -> Any:  # the model's own extras (clear_query_cache…)
        return getattr(self.__dict__["inner"], name)
