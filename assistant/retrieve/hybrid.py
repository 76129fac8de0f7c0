"""Hybrid retrieval: jieba BM25 and dense vectors from Chroma, fused by normalised scores (or weighted RRF),
with filters, neighbours and an optional cross-encoder reranker.

`Retriever` is the plain API (CLI, eval, answer chain); `HybridRetriever` wraps it as a LangChain retriever.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.config import Settings
from assistant.embeddings import make_embeddings
from assistant.errors import AssistantError, IndexMissing
from assistant.index import Index, fingerprint, sources_of
from assistant.models import Hit
from assistant.retrieve.fusion import leaders_first, mix_sentences, rrf, score_fusion
from assistant.retrieve.keyword import KeywordIndex
from assistant.retrieve.versions import Versions, check_date
from assistant.text.tokenizer import comparison_parts_of, keyword_terms, profile_in_force, query_terms

Mode = Literal["hybrid", "keyword", "dense"]
# a comparison question's own list and one list per compared item, fused by rank: a small k lets each item's
# best passage reach the top two or three (eval/ multi-passage questions: hit@5 0.818 -> 0.909)
DECOMPOSE_RRF_K = 5


class Retriever:
    """Searches one index. Holds the records, the keyword index and the model; `refresh()` after an ingest."""

    def __init__(self, settings: Settings, embeddings: Embeddings | None = None, index: Index | None = None):
        self.settings = settings
        if index is None and not Index.exists(settings):
            raise IndexMissing(settings.data_dir)  # before loading the model: the message comes at once
        self.embeddings = embeddings or make_embeddings(settings)
        self.index = index or Index(settings, self.embeddings)
        self.fingerprint = ""
        self.reranker: Any = None
        if settings.reranker:
            from assistant.retrieve.rerank import CrossEncoderReranker

            self.reranker = CrossEncoderReranker(settings.reranker)
        self.refresh()

    # ------------------------------------------------------------------ state
    def refresh(self) -> bool:
        """Reload records and (re)build the keyword index if the collection changed; True when it had."""
        records = self.index.get()
        if not records:
            raise IndexMissing(self.settings.data_dir)
        fp = fingerprint(records)
        if fp == self.fingerprint:
            return False
        records.sort(key=lambda r: r["id"])
        self.records = {r["id"]: r for r in records}
        self.ids = [r["id"] for r in records]
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        keyword = KeywordIndex.load(self.settings.keyword_dir, fp)
        if keyword is None or keyword.ids != self.ids:
            keyword = KeywordIndex.build(
                self.ids, [keyword_terms(r["metadata"].get("tokens", "").split()) for r in records]
            )
            keyword.save(self.settings.keyword_dir, fp)
        self.keyword = keyword
        # parsed once per collection state: filters and neighbours must not re-read JSON metadata per query
        self.neighbour_of: dict[tuple[str, int, int], str] = {}
        self.sources_at: list[frozenset[str]] = []
        self.titles_at: list[tuple[str, ...]] = []
        self.locations_at: list[list[dict[str, Any]]] = []
        for r in records:
            m = r["metadata"]
            locations = json.loads(m.get("locations", "[]"))
            self.locations_at.append(locations)
            for loc in locations:
                self.neighbour_of[(loc["source"], loc["article_index"], loc["chunk_index"])] = r["id"]
            self.sources_at.append(frozenset(sources_of(m)))
            self.titles_at.append((str(m.get("article_title", "")), *(loc.get("article_title", "") for loc in locations)))
        self.versions = Versions(
            [[(str(loc.get("article_title", "")), str(loc.get("version_date", ""))) for loc in locs] for locs in self.locations_at]
        )
        self.fingerprint = fp
        return True

    def __len__(self) -> int:
        return len(self.ids)

    # ------------------------------------------------------------------ search
    @property
    def source_names(self) -> list[str]:
        """Every file the index holds chunks of."""
        return sorted(set().union(*self.sources_at)) if self.sources_at else []

    def _allowed(self, sources: list[str] | None, article_title: str | None) -> np.ndarray | None:
        if not sources and not article_title:
            return None
        wanted = {Path(s).name for s in sources or []}  # 'corpus/001_x.txt' means the file 001_x.txt
        unknown = sorted(wanted - set(self.source_names))
        if unknown:
            raise AssistantError(f"not in the index: {', '.join(unknown)} (files: {', '.join(self.source_names)})")
        mask = np.zeros(len(self.ids), dtype=np.float32)
        for i, (held, titles) in enumerate(zip(self.sources_at, self.titles_at, strict=True)):
            if wanted and not wanted & held:
                continue
            if article_title and not any(article_title in t for t in titles):
                continue
            mask[i] = 1.0
        return mask

    def keyword_list(self, query: str, depth: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        return [(self.ids[i], s) for i, s in self.keyword.search(query_terms(query), depth, mask)]

    def dense_list(
        self, query: str, depth: int, mask: np.ndarray | None = None
    ) -> tuple[list[tuple[str, float]], dict[str, float]]:
        """The dense candidates best first (chunk cosine mixed with its best sentence's), and each one's own
        chunk cosine: the refusal thresholds were calibrated on that, so hits report it as their dense score."""
        vector = self.embeddings.embed_query(query)
        fetch = depth if mask is None else min(len(self.ids), max(depth * 10, 200))
        chunks = self.index.search(vector, fetch)
        own = dict(chunks)
        pairs = chunks
        if self.settings.sentence_vectors and self.settings.sentence_weight > 0:
            pairs = mix_sentences(chunks, self.index.search_sentences(vector, fetch * 4), self.settings.sentence_weight)
        floor = min(own.values(), default=0.0)
        pairs = [(cid, s) for cid, s in pairs if cid in self.position]
        if mask is not None:
            pairs = [(cid, s) for cid, s in pairs if mask[self.position[cid]] > 0]
        pairs = pairs[:depth]
        return pairs, {cid: own.get(cid, floor) for cid, _ in pairs}

    def search(self, query: str, *args: Any, **kwargs: Any) -> list[Hit]:
        """`_search` with the tokenizer of this index's corpus profile (the one it was built with)."""
        with profile_in_force(self.settings.corpus_dir, self.settings.profile_dir):
            return self._search(query, *args, **kwargs)

    def _search(
        self,
        query: str,
        k: int | None = None,
        mode: Mode = "hybrid",
        sources: list[str] | None = None,
        article_title: str | None = None,
        neighbours: bool = False,
        as_of: str | None = None,
        parts: tuple[str, ...] | None = None,
    ) -> list[Hit]:
        """Best passages for a query, deduplicated by chunk id, each with its fused score and per-list ranks.

        When the index holds several versions of a document, the newest is preferred (its passages rank before
        an older version's); `as_of` (default: the as_of setting) keeps only the versions in force on that date.
        `parts`: the comparison items of the query when the caller has analysed it already (the answer chain's
        QuestionAnalysis); None computes them here."""
        k = k or self.settings.top_k
        depth = max(self.settings.candidates, k)
        as_of = check_date(as_of) if as_of else (check_date(self.settings.as_of) if self.settings.as_of else None)
        mask = self._allowed(sources, article_title)
        if as_of:
            in_force = np.array([self.versions.in_force_at(i, as_of) for i in range(len(self.ids))], dtype=np.float32)
            mask = in_force if mask is None else mask * in_force
        fused, ranks = self._fused(query, depth, mode, mask)
        if parts is None:
            parts = comparison_parts_of(query) if self.settings.decompose else ()
        parts = parts if mode == "hybrid" else ()
        if parts:
            # 'A和B分别…': each item's best passage must reach the top, not only the one the whole question favours
            lists = [fused]
            for part in parts:
                part_fused, part_ranks = self._fused(part, depth, mode, mask)
                lists.append(part_fused)
                for key, values in part_ranks.items():
                    for cid, value in values.items():
                        ranks[key].setdefault(cid, value)
            fused = rrf([[cid for cid, _ in ranked] for ranked in lists], [1.0] * len(lists), k=DECOMPOSE_RRF_K)
            fused = leaders_first(fused, [ranked[0][0] for ranked in lists[1:] if ranked])
        if self.reranker is not None and fused:
            head = [cid for cid, _ in fused[: max(k * 4, 20)]]
            fused = self.reranker.rerank(query, head, [self.records[c]["text"] for c in head])
        if not as_of and self.versions.has_versions():  # the newest version first, a superseded one after
            fused = sorted(fused, key=lambda pair: not self.versions.latest_at(self.position[pair[0]]))
        kw_rank, dn_rank, kw_score, dn_score = ranks["kw_rank"], ranks["dn_rank"], ranks["kw_score"], ranks["dn_score"]
        hits = []
        for rank, (cid, score) in enumerate(fused[:k], start=1):
            hit = self.hit(cid, rank, score, as_of)
            hit.keyword_rank, hit.dense_rank = kw_rank.get(cid), dn_rank.get(cid)
            hit.keyword_score, hit.dense_score = kw_score.get(cid, 0.0), dn_score.get(cid, 0.0)
            hits.append(hit)
        if neighbours:
            for hit in hits:
                before, after = self.neighbours(hit.chunk_id)
                # extra attributes, not contract fields: the CLI adds them to --json only with --neighbours
                hit.context_before, hit.context_after = (before.text if before else ""), (after.text if after else "")
        return hits

    def _fused(
        self, query: str, depth: int, mode: Mode, mask: np.ndarray | None
    ) -> tuple[list[tuple[str, float]], dict[str, dict[str, Any]]]:
        """One query's fused list, and each candidate's rank and score in the keyword and dense lists."""
        kw = self.keyword_list(query, depth, mask) if mode in ("hybrid", "keyword") else []
        dn, cosines = self.dense_list(query, depth, mask) if mode in ("hybrid", "dense") else ([], {})
        ranks: dict[str, dict[str, Any]] = {
            "kw_rank": {cid: r for r, (cid, _) in enumerate(kw, start=1)},
            "dn_rank": {cid: r for r, (cid, _) in enumerate(dn, start=1)},
            "kw_score": dict(kw),
            "dn_score": cosines,
        }
        if mode == "keyword":
            return kw, ranks
        if mode == "dense":
            return dn, ranks
        if self.settings.fusion == "rrf":
            fused = rrf(
                [[c for c, _ in kw], [c for c, _ in dn]],
                [self.settings.keyword_weight, self.settings.dense_weight],
                self.settings.rrf_k,
            )
        else:
            fused = score_fusion(
                kw, dn, self.settings.keyword_weight, self.settings.dense_weight, self.settings.dense_floor
            )
        return fused, ranks

    def hit(self, chunk_id: str, rank: int = 0, score: float = 0.0, as_of: str | None = None) -> Hit:
        """A Hit for a stored chunk: its primary location, or for a passage several versions of a document share,
        the version in force on `as_of` (else the newest)."""
        record = self.records[chunk_id]
        m = record["metadata"]
        position = self.position[chunk_id]
        locs = self.locations_at[position]
        doc = locs[self.versions.best_location(position, as_of)] if locs else m
        return Hit(
            title=str(doc.get("article_title", m.get("article_title", ""))),
            doc_type=str(doc.get("doc_type", "")),
            issuer=str(doc.get("issuer", "")),
            doc_number=str(doc.get("doc_number", "")),
            date=str(doc.get("date", "")),
            version_date=str(doc.get("version_date", "")),
            author=str(doc.get("author", "")),
            latest_version=self.versions.latest_at(position),
            rank=rank,
            chunk_id=chunk_id,
            text=record["text"],
            sources=sources_of(m),
            article_title=str(m.get("article_title", "")),
            heading=str(m.get("heading", "")),
            start_line=int(m.get("start_line", 0)),
            end_line=int(m.get("end_line", 0)),
            score=round(float(score), 6),
            source=str(m.get("source", "")),
            char_start=int(m.get("char_start", 0)),
            char_end=int(m.get("char_end", 0)),
            article_index=int(m.get("article_index", 0)),
            chunk_index=int(m.get("chunk_index", 0)),
            tokens=str(m.get("tokens", "")).split(),
        )

    def neighbours(self, chunk_id: str) -> tuple[Hit | None, Hit | None]:
        """The previous and next chunk of the same article (primary location), for context."""
        m = self.records[chunk_id]["metadata"]
        key = (str(m.get("source")), int(m.get("article_index", 0)), int(m.get("chunk_index", 0)))
        prev_id = self.neighbour_of.get((key[0], key[1], key[2] - 1))
        next_id = self.neighbour_of.get((key[0], key[1], key[2] + 1))
        return (self.hit(prev_id) if prev_id else None, self.hit(next_id) if next_id else None)


class HybridRetriever(BaseRetriever):
    """LangChain retriever over `Retriever.search`: Documents carry the Hit fields (minus text) as metadata.

    `k`, `mode`, `sources` and `article_title` are set on the instance or per call (`invoke(q, k=3)`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Any
    k: int = 5
    mode: str = "hybrid"
    sources: list[str] | None = None
    article_title: str | None = None
    as_of: str | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        options = {"k": self.k, "mode": self.mode, "sources": self.sources, "article_title": self.article_title,
                   "as_of": self.as_of}
        unknown = set(kwargs) - set(options)
        if unknown:
            raise TypeError(f"unknown search options: {sorted(unknown)}")
        hits = self.retriever.search(query, **{**options, **kwargs})
        return [
            Document(page_content=h.text, id=h.chunk_id, metadata={k: v for k, v in h.to_json().items() if k != "text"})
            for h in hits
        ]

