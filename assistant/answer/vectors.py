"""The one place the answer chain gets sentence and question vectors from (an adapter over the index and model).

`sentence_vectors(texts, chunk_ids)` reads the vectors the index stored for the sentences of those chunks and
embeds only the sentences it has none for (a sentence the index cuts differently, a neighbour's), once per
process. When the index can look sentence vectors up by the hash of their text, only this module changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

_LIMIT = 50_000


class VectorSource:
    """Question and sentence vectors (unit length, float32) for one index and embedding model."""

    def __init__(self, embeddings: Embeddings, index: Any = None):
        self.embeddings = embeddings
        self.index = index
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._stored_for: set[str] = set()
        self._sentences_of: dict[str, list[str]] = {}
        self._background: np.ndarray | None = None
        self.embedded = 0  # sentences embedded at query time (none stored): what stored vectors by hash would save

    def query_vector(self, question: str) -> np.ndarray:
        """The question's vector (embed_query: e5 models prefix 'query: '; the model's own query cache means the
        retriever's embedding of the same question is reused)."""
        return _unit(np.asarray(self.embeddings.embed_query(question), dtype=np.float32))

    def sentence_vectors(self, texts: Sequence[str], chunk_ids: Sequence[str] = ()) -> np.ndarray:
        """One vector per text (rows in order): the stored vector of a chunk's sentence, else embedded once."""
        stored = self._load_stored(chunk_ids)
        for text in dict.fromkeys(texts):
            if text not in self._cache:
                # a part of a stored sentence (a list's lead cut from its first item, a heading left out) reads
                # as that sentence: its stored vector instead of an embedding at query time
                holder = next((d for d in stored if text in d), None)
                if holder is not None:
                    self._cache[text] = self._cache[holder]
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        self.embedded += len(missing)
        if missing:
            for text, vector in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                self._put(text, _unit(np.asarray(vector, dtype=np.float32)))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def background(self) -> np.ndarray:
        """Up to 512 stored sentence vectors: how similar any sentence of the corpus is to a question."""
        if self._background is None:
            vectors = np.zeros((0, 0), dtype=np.float32)
            store = getattr(self.index, "sentences", None)
            if store is not None:
                got = store.get(include=["embeddings"], limit=512)
                rows = got.get("embeddings")
                if rows is not None and len(rows):
                    vectors = np.stack([_unit(np.asarray(r, dtype=np.float32)) for r in rows])
            self._background = vectors
        return self._background

    def reset(self) -> None:
        """Forget what was read from the index (after an ingest changed it)."""
        self._stored_for.clear()
        self._sentences_of.clear()
        self._background = None

    def _load_stored(self, chunk_ids: Sequence[str]) -> list[str]:
        """Read the stored sentence vectors of these chunks (once per chunk); the stored sentences of all of them."""
        store = getattr(self.index, "sentences", None)
        wanted = [c for c in dict.fromkeys(chunk_ids) if c not in self._stored_for]
        if store is not None and wanted:
            got = store.get(where={"chunk_id": {"$in": wanted}}, include=["documents", "embeddings"])
            docs, rows = got.get("documents") or [], got.get("embeddings")
            by_chunk: dict[str, list[str]] = {c: [] for c in wanted}
            if rows is not None:
                for sid, doc, row in zip(got["ids"], docs, rows, strict=True):
                    if doc:
                        self._put(doc, _unit(np.asarray(row, dtype=np.float32)))
                        by_chunk.setdefault(sid.rsplit(":", 1)[0], []).append(doc)
            self._stored_for.update(wanted)
            self._sentences_of.update(by_chunk)
        return [d for c in chunk_ids for d in self._sentences_of.get(c, [])]

    def _put(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        if len(self._cache) > _LIMIT:
            self._cache.popitem(last=False)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v
