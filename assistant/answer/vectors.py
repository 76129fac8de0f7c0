"""The one place the answer chain gets sentence and question vectors from (an adapter over the index and model).

`sentence_vectors(texts, chunk_texts)` reads the vector the index stored for each sentence (by the hash of its
text, from the matrix exact dense search already holds in memory) and embeds only a sentence it has none for (one
the answer cuts differently from ingest), once per process.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.index import chunk_sentences, sentence_key

_LIMIT = 50_000


class VectorSource:
    """Question and sentence vectors (unit length, float32) for one index and embedding model."""

    def __init__(self, embeddings: Embeddings, index: Any = None):
        self.embeddings = embeddings
        self.index = index
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._background: np.ndarray | None = None
        self.embedded = 0  # sentences embedded at query time (none stored): what stored vectors by hash would save

    def query_vector(self, question: str) -> np.ndarray:
        """The question's vector (embed_query: e5 models prefix 'query: '; the model's own query cache means the
        retriever's embedding of the same question is reused)."""
        return _unit(np.asarray(self.embeddings.embed_query(question), dtype=np.float32))

    def sentence_vectors(self, texts: Sequence[str], chunk_texts: Sequence[str] = ()) -> np.ndarray:
        """One vector per text (rows in order): the stored vector of the sentence, else embedded once."""
        stored = [s for text in dict.fromkeys(chunk_texts) for s in chunk_sentences(text)]
        for text in dict.fromkeys(texts):
            if text in self._cache:
                continue
            vector = self._stored(text)
            if vector is None:
                # a part of a stored sentence (a list's lead cut from its first item, a heading left out) reads
                # as that sentence: its stored vector instead of an embedding at query time
                holder = next((d for d in stored if text in d and self._stored(d) is not None), None)
                vector = self._stored(holder) if holder is not None else None
            if vector is not None:
                self._put(text, vector)
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        self.embedded += len(missing)
        if missing:
            for text, row in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                self._put(text, _unit(np.asarray(row, dtype=np.float32)))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def _stored(self, text: str) -> np.ndarray | None:
        """The index's vector of this sentence text (unit length), None when it stored none."""
        matrices = self.index.matrices() if self.index is not None and hasattr(self.index, "matrices") else None
        if matrices is None:
            return None
        row = matrices.sentence_row.get(sentence_key(text))
        return None if row is None else matrices.sentences[row]

    def background(self) -> np.ndarray:
        """Up to 512 stored sentence vectors (evenly spaced): how similar any sentence of the corpus is to a question."""
        if self._background is None:
            vectors = np.zeros((0, 0), dtype=np.float32)
            if self.index is not None and hasattr(self.index, "matrices"):
                rows = self.index.matrices().sentences
                if len(rows):
                    vectors = rows[np.linspace(0, len(rows) - 1, num=min(512, len(rows))).astype(int)]
            self._background = vectors
        return self._background

    def background_cosines(self, question: str) -> np.ndarray:
        """The question's cosines with the background sample: where 'related' begins for this question (empty when
        the index stores no sentence vectors)."""
        background = self.background()
        return background @ self.query_vector(question) if len(background) else np.zeros(0, dtype=np.float32)

    def reset(self) -> None:
        """Forget what was read from the index (after an ingest changed it)."""
        self._cache.clear()
        self._background = None

    def _put(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        if len(self._cache) > _LIMIT:
            self._cache.popitem(last=False)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v
