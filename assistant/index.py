"""The Chroma store behind langchain-chroma: explicit ids, the model recorded, metadata-only updates, fingerprints.

Beside the chunk collection a second one holds a vector per sentence of each chunk (`<collection>_sentences`):
a short paraphrase question matches one sentence better than the 300–500 characters around it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import chromadb
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
    client = _client(settings.chroma_dir)
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
        client = _client(settings.chroma_dir)
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
        self.sentence_store = Chroma(
            collection_name=f"{settings.collection}_sentences",
            embedding_function=embeddings,
            client=client,
            collection_metadata={"embedding_model": model, "hnsw:space": "cosine"},
        )
        self.sentences = self.sentence_store._collection

    @staticmethod
    def exists(settings: Settings) -> bool:
        return (settings.chroma_dir / "chroma.sqlite3").exists()

    @staticmethod
    def destroy(settings: Settings) -> None:
        """Remove the store from disk (used by --rebuild)."""
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
        """Embed and add new chunks, a batch at a time so progress can be shown."""
        for i in range(0, len(ids), batch):
            self.store.add_texts(texts[i : i + batch], metadatas=metadatas[i : i + batch], ids=ids[i : i + batch])
            if progress:
                progress(len(ids[i : i + batch]))

    def add_sentences(self, chunk_texts: dict[str, str]) -> int:
        """Embed and add the sentences of the given chunks (ids '<chunk id>:<n>'); returns how many were added."""
        texts, metas, ids = [], [], []
        for cid, text in chunk_texts.items():
            for n, sentence in enumerate(chunk_sentences(text)):
                texts.append(sentence)
                metas.append({"chunk_id": cid})
                ids.append(f"{cid}:{n}")
        for i in range(0, len(ids), BATCH):
            self.sentence_store.add_texts(texts[i : i + BATCH], metadatas=metas[i : i + BATCH], ids=ids[i : i + BATCH])
        return len(ids)

    def sentence_chunk_ids(self) -> set[str]:
        """Chunks that have sentence vectors (read from the sentence ids, '<chunk id>:<n>': no metadata read)."""
        found: set[str] = set()
        offset = 0
        while True:
            got = self.sentences.get(include=[], limit=BATCH * 10, offset=offset)
            found.update(chunk_of(sid) for sid in got["ids"])
            if len(got["ids"]) < BATCH * 10:
                return found
            offset += BATCH * 10

    def delete_sentences(self, chunk_ids: Iterable[str]) -> None:
        ids = list(chunk_ids)
        for i in range(0, len(ids), 100):
            self.sentences.delete(where={"chunk_id": {"$in": list(ids[i : i + 100])}})  # type: ignore[dict-item]

    def update_metadata(self, ids: list[str], metadatas: list[dict[str, Any]]) -> None:
        for i in range(0, len(ids), BATCH):
            self.collection.update(ids=ids[i : i + BATCH], metadatas=metadatas[i : i + BATCH])  # type: ignore[arg-type]

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), BATCH):
            self.collection.delete(ids=ids[i : i + BATCH])

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
        """Dense search: (chunk id, cosine similarity) best first; fewer when the store holds fewer (no count()
        first: it costs as much as the query at 15,000 chunks)."""
        pairs = self.store.similarity_search_by_vector_with_relevance_scores(query_vector, k=k)
        return [(str(doc.id), 1.0 - float(distance)) for doc, distance in pairs]  # cosine distance -> similarity

    def search_sentences(self, query_vector: list[float], k: int) -> list[tuple[str, float]]:
        """Dense search over sentences: (chunk id of the sentence, cosine similarity) best first."""
        # no count() first (4 ms at 70,000 sentences): Chroma 1.x returns what there is, [] when empty
        got = self.sentences.query(
            query_embeddings=[list(query_vector)], n_results=k, include=["distances"]  # type: ignore[arg-type]
        )
        # the chunk id is in the sentence id ('<chunk id>:<n>'): no metadata read (a third of the query's time)
        ids, distances = got["ids"][0], (got["distances"] or [[]])[0]
        return [(chunk_of(sid), 1.0 - float(d)) for sid, d in zip(ids, distances, strict=True)]


def chunk_of(sentence_id: str) -> str:
    """The chunk id inside a sentence id ('<chunk id>:<n>', as add_sentences writes them)."""
    return sentence_id.rsplit(":", 1)[0]


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
