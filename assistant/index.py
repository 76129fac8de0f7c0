"""The Chroma store behind langchain-chroma: explicit ids, the model recorded, metadata-only updates, fingerprints.

Beside the chunk collection a second one holds one vector per distinct sentence (`<collection>_sentvec`, keyed by
a hash of the sentence text: a sentence repeated by chunk overlap or by another file is embedded once): a short
paraphrase question matches one sentence better than the 300–500 characters around it. Dense search is exact
(a cosine over every stored vector, loaded once per collection state), so two processes return the same list.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from assistant.config import Settings
from assistant.embeddings import embedding_name
from assistant.errors import IndexMissing, ModelMismatch
from assistant.text import zh

BATCH = 1000  # well under Chroma's max batch size
MIN_SENTENCE_CJK = 8  # shorter sentences (headings, '一是…' stubs) say too little to be matched on their own
_CLIENTS: dict[str, Any] = {}


def _client(path: Path) -> Any:
    """One PersistentClient per directory per process (Chroma caches them; telemetry off)."""
    key = str(path.resolve())
    if key not in _CLIENTS:
        path.mkdir(parents=True, exist_ok=True)
        _CLIENTS[key] = chromadb.PersistentClient(
            path=key, settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        )
    return _CLIENTS[key]


def client_for(settings: Settings) -> Any:
    """The configured store: a Chroma server (settings.chroma_url, shared by several app processes) or the
    embedded PersistentClient in data_dir/chroma (the default)."""
    if not settings.chroma_url:
        return _client(settings.chroma_dir)
    if settings.chroma_url not in _CLIENTS:
        url = urlsplit(settings.chroma_url)
        _CLIENTS[settings.chroma_url] = chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https", settings=ChromaSettings(anonymized_telemetry=False),
        )
    return _CLIENTS[settings.chroma_url]


def forget_client(path: Path) -> None:
    """Drop the cached client for a directory (before deleting it in --rebuild or tests)."""
    client = _CLIENTS.pop(str(path.resolve()), None)
    if client is not None:
        try:
            client.clear_system_cache()
        except Exception:  # pragma: no cover - best effort
            pass


def stored_chunk_sources(settings: Settings) -> dict[str, list[str]] | None:
    """Each stored chunk's files, read from the collection without loading a model (None: no collection yet).
    `stats` counts from this, the same store `search` reads, so the two agree even after an interrupted ingest."""
    if not Index.exists(settings):
        return None
    client = client_for(settings)
    try:
        collection = client.get_collection(settings.collection)
    except Exception:  # chromadb raises NotFoundError (1.x) or ValueError (older) for a missing collection
        return None
    out: dict[str, list[str]] = {}
    offset = 0
    while True:
        got = collection.get(include=["metadatas"], limit=BATCH, offset=offset)
        for cid, meta in zip(got["ids"], got["metadatas"] or [], strict=True):
            out[cid] = sources_of(dict(meta or {}))
        if len(got["ids"]) < BATCH:
            return out
        offset += BATCH


class Index:
    """A chunk store: `upsert`, `update_metadata`, `delete`, `get`, `count`, `fingerprint`, dense `search`."""

    def __init__(self, settings: Settings, embeddings: Embeddings, create: bool = False):
        self.settings = settings
        self.embeddings = embeddings
        model = embedding_name(embeddings)
        if not create and not self.exists(settings):
            raise IndexMissing(settings.data_dir)
        client = client_for(settings)
        names = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if settings.collection in names:
            stored = (client.get_collection(settings.collection).metadata or {}).get("embedding_model")
            if stored and stored != model:
                raise ModelMismatch(stored, model)
        elif not create:
            raise IndexMissing(settings.data_dir)
        self.store = Chroma(
            collection_name=settings.collection,
            embedding_function=embeddings,
            client=client,
            collection_metadata={
                "embedding_model": model,
                "dimension": int(getattr(embeddings, "dimension", 0) or 0),
                "hnsw:space": "cosine",
            },
        )
        self.collection = self.store._collection  # metadata-only updates have no langchain-chroma verb
        self.sentences = client.get_or_create_collection(
            name=f"{settings.collection}{SENTENCE_SUFFIX}",
            embedding_function=None,  # vectors always come from self.embeddings (Chroma's default would download)
            metadata={"embedding_model": model, "hnsw:space": "cosine", "keys": "sha256(sentence)[:32]"},
        )
        if f"{settings.collection}_sentences" in names:  # the older per-position sentence ids: replaced by hashes
            client.delete_collection(f"{settings.collection}_sentences")
        self._matrices: Matrices | None = None

    @staticmethod
    def exists(settings: Settings) -> bool:
        if settings.chroma_url:
            try:
                client_for(settings).get_collection(settings.collection)
            except Exception as exc:  # NotFoundError; a server that does not answer is an error of its own
                if "does not exist" in str(exc) or "NotFound" in type(exc).__name__:
                    return False
                raise IndexMissing(f"{settings.chroma_url} ({type(exc).__name__}: {str(exc)[:120]})") from None
            return True
        return (settings.chroma_dir / "chroma.sqlite3").exists()

    @staticmethod
    def destroy(settings: Settings) -> None:
        """Remove the store from disk (used by --rebuild)."""
        if settings.chroma_url:
            client = client_for(settings)
            for name in (settings.collection, f"{settings.collection}{SENTENCE_SUFFIX}"):
                try:
                    client.delete_collection(name)
                except Exception:  # not there: nothing to remove
                    pass
            return
        forget_client(settings.chroma_dir)
        shutil.rmtree(settings.chroma_dir, ignore_errors=True)

    # ------------------------------------------------------------------ writes
    def add(
        self,
        ids: list[str],
        texts: list[str],
        metadatas: list[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
        batch: int = 32,
    ) -> None:
        """Embed and add new chunks, a batch at a time so progress can be shown; equal texts are embedded once."""
        for i in range(0, len(ids), batch):
            part = slice(i, i + batch)
            vectors = self._embed_unique(texts[part])
            self.collection.upsert(ids=ids[part], embeddings=vectors, documents=texts[part], metadatas=metadatas[part])  # type: ignore[arg-type]
            if progress:
                progress(len(ids[part]))
        self._matrices = None

    def _embed_unique(self, texts: list[str]) -> list[list[float]]:
        """Vectors for texts, each distinct text given to the model once."""
        unique = list(dict.fromkeys(texts))
        vectors = dict(zip(unique, self.embeddings.embed_documents(unique), strict=True)) if unique else {}
        return [vectors[t] for t in texts]

    def sentence_keys(self) -> set[str]:
        """Keys (text hashes) of the sentences that have a vector."""
        found: set[str] = set()
        offset = 0
        while True:
            got = self.sentences.get(include=[], limit=BATCH * 10, offset=offset)
            found.update(got["ids"])
            if len(got["ids"]) < BATCH * 10:
                return found
            offset += BATCH * 10

    def add_sentences(self, chunk_texts: dict[str, str], stored: set[str] | None = None) -> int:
        """Embed and add the sentences of the given chunks that have no vector yet (`stored`: keys known to be
        there, updated in place); returns how many sentences the model embedded."""
        stored = self.sentence_keys() if stored is None else stored
        missing: dict[str, str] = {}
        for text in chunk_texts.values():
            for sentence in chunk_sentences(text):
                key = sentence_key(sentence)
                if key not in stored:
                    missing.setdefault(key, sentence)
        keys = list(missing)
        for i in range(0, len(keys), BATCH):
            part = keys[i : i + BATCH]
            texts = [missing[k] for k in part]
            self.sentences.upsert(ids=part, embeddings=self.embeddings.embed_documents(texts), documents=texts)  # type: ignore[arg-type]
        stored.update(keys)
        self._matrices = None
        return len(keys)

    def prune_sentences(self, chunk_texts: Iterable[str], stored: set[str] | None = None) -> int:
        """Delete the sentence vectors no given chunk needs any more; returns how many went."""
        needed = {sentence_key(s) for text in chunk_texts for s in chunk_sentences(text)}
        stale = sorted((self.sentence_keys() if stored is None else stored) - needed)
        for i in range(0, len(stale), BATCH):
            self.sentences.delete(ids=stale[i : i + BATCH])
        self._matrices = None
        return len(stale)

    def sentence_chunk_ids(self) -> set[str]:
        """Chunks every sentence of which has a vector (chunks without such sentences are not counted)."""
        stored = self.sentence_keys()
        return {
            r["id"] for r in self.get()
            if (keys := [sentence_key(s) for s in chunk_sentences(r["text"])]) and all(k in stored for k in keys)
        }

    def sentence_vectors(self, texts: list[str]) -> list[list[float] | None]:
        """The stored vector of each sentence text (by its hash), None where there is none: the answer code scores
        candidate sentences with these instead of embedding them again at query time."""
        keys = [sentence_key(t) for t in texts]
        found: dict[str, list[float]] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), BATCH):
            got = self.sentences.get(ids=unique[i : i + BATCH], include=["embeddings"])
            for key, vector in zip(got["ids"], got["embeddings"] if got["embeddings"] is not None else [], strict=True):
                found[key] = [float(x) for x in vector]
        return [found.get(k) for k in keys]

    def update_metadata(self, ids: list[str], metadatas: list[dict[str, Any]]) -> None:
        for i in range(0, len(ids), BATCH):
            self.collection.update(ids=ids[i : i + BATCH], metadatas=metadatas[i : i + BATCH])  # type: ignore[arg-type]

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), BATCH):
            self.collection.delete(ids=ids[i : i + BATCH])
        self._matrices = None

    # ------------------------------------------------------------------ reads
    def ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def get(self, ids: list[str] | None = None) -> list[dict[str, Any]]:
        """Records {'id', 'text', 'metadata'} for the given ids (all when None), in the store's order."""
        records: list[dict[str, Any]] = []
        if ids is not None and not ids:
            return records
        offset = 0
        while True:
            if ids is None:
                got = self.collection.get(include=["documents", "metadatas"], limit=BATCH, offset=offset)
            else:
                got = self.collection.get(ids=ids[offset : offset + BATCH], include=["documents", "metadatas"])
            for i, doc, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
                records.append({"id": i, "text": doc, "metadata": dict(meta or {})})
            offset += BATCH
            if (ids is None and len(got["ids"]) < BATCH) or (ids is not None and offset >= len(ids)):
                break
        if ids is None and self._matrices is not None and self._matrices.chunk_key != _ids_key(r["id"] for r in records):
            self._matrices = None  # another process changed the collection: vectors are loaded again on next search
        return records

    def count(self) -> int:
        return int(self.collection.count())

    def fingerprint(self) -> str:
        """See `fingerprint`: computed from the stored records."""
        return fingerprint(self.get())

    @property
    def model_name(self) -> str:
        return str((self.collection.metadata or {}).get("embedding_model", ""))

    @property
    def dimension(self) -> int:
        return int((self.collection.metadata or {}).get("dimension", 0))

    def search(self, query_vector: list[float], k: int) -> list[tuple[str, float]]:
        """Exact dense search: (chunk id, cosine similarity) best first, over every stored chunk vector."""
        m = self.matrices()
        return [(m.chunk_ids[i], score) for i, score in _top(m.chunks, query_vector, k)]

    def search_sentences(self, query_vector: list[float], k: int) -> list[tuple[str, float]]:
        """Exact search over sentence vectors: (chunk id, cosine) for the chunks of the k best sentences, best
        first (a sentence shared by several chunks counts for each)."""
        m = self.matrices()
        pairs: list[tuple[str, float]] = []
        for i, score in _top(m.sentences, query_vector, k):
            pairs.extend((cid, score) for cid in m.sentence_chunks[i])
        return pairs

    def matrices(self) -> Matrices:
        """Every chunk and sentence vector as a normalised numpy matrix, read once per collection state."""
        if self._matrices is not None:
            return self._matrices
        chunk_ids: list[str] = []
        chunk_vectors: list[Any] = []
        texts: list[str] = []
        offset = 0
        while True:
            got = self.collection.get(include=["embeddings", "documents"], limit=BATCH, offset=offset)
            chunk_ids.extend(got["ids"])
            chunk_vectors.extend(got["embeddings"] if got["embeddings"] is not None else [])
            texts.extend(got["documents"] or [])
            if len(got["ids"]) < BATCH:
                break
            offset += BATCH
        holders: dict[str, list[str]] = {}
        for cid, text in zip(chunk_ids, texts, strict=True):
            for sentence in chunk_sentences(text):
                holders.setdefault(sentence_key(sentence), []).append(cid)
        keys: list[str] = []
        sentence_vectors: list[Any] = []
        stored = sorted(holders)
        for i in range(0, len(stored), BATCH):
            got = self.sentences.get(ids=stored[i : i + BATCH], include=["embeddings"])
            keys.extend(got["ids"])
            sentence_vectors.extend(got["embeddings"] if got["embeddings"] is not None else [])
        self._matrices = Matrices(
            chunk_key=_ids_key(chunk_ids),
            chunk_ids=chunk_ids,
            chunks=_normalised(chunk_vectors),
            sentences=_normalised(sentence_vectors),
            sentence_chunks=[sorted(set(holders[k])) for k in keys],
            sentence_keys=keys,
        )
        return self._matrices


@dataclass
class Matrices:
    """Normalised vectors of every chunk (rows in `chunk_ids` order) and every needed sentence, with each sentence
    row's chunks."""

    chunk_key: str
    chunk_ids: list[str]
    chunks: np.ndarray
    sentences: np.ndarray
    sentence_chunks: list[list[str]]
    sentence_keys: list[str] = field(default_factory=list)  # each sentence row's key (sentence_key of its text)

    @cached_property
    def sentence_row(self) -> dict[str, int]:
        """Row of each stored sentence vector by its key: the answer code reads vectors here, never embeds them."""
        return {key: row for row, key in enumerate(self.sentence_keys)}


def _ids_key(ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def _normalised(vectors: list[Any]) -> np.ndarray:
    if not len(vectors):
        return np.zeros((0, 1), dtype=np.float32)
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _top(matrix: np.ndarray, query_vector: list[float], k: int) -> list[tuple[int, float]]:
    """Rows of the k best cosines, best first; ties broken by row so every process gives the same order."""
    if not len(matrix) or k <= 0:
        return []
    query = np.asarray(query_vector, dtype=np.float32)
    query = query / (np.linalg.norm(query) or 1.0)
    scores = matrix @ query
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.lexsort((top, -scores[top]))]
    return [(int(i), float(scores[i])) for i in top]


SENTENCE_SUFFIX = "_sentvec"


def sentence_key(sentence: str) -> str:
    """The id of a sentence's vector: a hash of its text, shared by every chunk and file that holds it."""
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()[:32]


def chunk_sentences(text: str) -> list[str]:
    """The sentences of a chunk that get their own vector (those with at least MIN_SENTENCE_CJK Chinese characters)."""
    return [s for s in zh.split_sentences(text) if zh.cjk_count(s) >= MIN_SENTENCE_CJK]


def sources_of(metadata: dict[str, Any]) -> list[str]:
    """The files a chunk appears in (stored as JSON because Chroma metadata values are scalars)."""
    raw = metadata.get("sources")
    if isinstance(raw, str) and raw.startswith("["):
        return list(json.loads(raw))
    return [str(metadata.get("source", ""))] if metadata.get("source") else []


def fingerprint(records: list[dict[str, Any]]) -> str:
    """Of a collection's records (ids and all their metadata): changes whenever a chunk is added, removed or
    relabelled, including a move to other lines or under another heading (its tokens hold the heading path)."""
    pairs = sorted(f"{r['id']}:{json.dumps(r['metadata'], sort_keys=True, ensure_ascii=False)}" for r in records)
    return hashlib.sha256("\n".join(pairs).encode()).hexdigest()[:32]
