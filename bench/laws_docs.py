"""Retrieval on laws of every shape: the eval laws of eval/laws-docs.jsonl written as docx, pdf, html, GB18030
txt and md (bench/formats.py, round robin), ingested, searched; hit@1 / hit@5 / MRR@10 per question type.

    python bench/laws_docs.py [--data-dir DIR] [--eval eval/laws-docs.jsonl] [--k 10]

The data dir is kept: a second run re-ingests nothing and only searches.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings, disable_telemetry  # noqa: E402

disable_telemetry()

from assistant.evaluation.gold import gold_rank, retrieval_metrics  # noqa: E402
from assistant.ingest.pipeline import ingest  # noqa: E402
from assistant.retrieve.hybrid import Retriever  # noqa: E402
from bench.formats import EVAL_LAWS, FORMATS, LAWS_DEV, cjk_font, mixed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".bench" / "laws-docs")
    parser.add_argument("--eval", type=Path, default=ROOT / "eval" / "laws-docs.jsonl")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    console = Console()

    formats = FORMATS if cjk_font() else tuple(f for f in FORMATS if f != "pdf")
    files_dir = args.data_dir / "files"
    paths = mixed([LAWS_DEV / name for name in EVAL_LAWS], files_dir, formats)
    settings = Settings(data_dir=args.data_dir / "index", corpus_dir=files_dir)
    started = time.perf_counter()
    summary = ingest(settings, paths=paths)
    console.print(
        f"ingest: {len(summary.ingested)} parsed, {len(summary.skipped)} unchanged, {summary.chunks} chunks, "
        f"{summary.chunks_embedded} embedded, {time.perf_counter() - started:.0f} s; formats {', '.join(formats)}"
    )
    for name, reason in summary.rejected.items():
        console.print(f"[red]rejected[/red] {name}: {reason}")

    retriever = Retriever(settings)
    items = [json.loads(line) for line in args.eval.read_text(encoding="utf-8").splitlines() if line.strip()]
    ranks: dict[str, list[int | None]] = {}
    for item in items:
        hits = retriever.search(item["question"], k=args.k)
        rank = gold_rank([h.text for h in hits], item["gold"])
        ranks.setdefault(item["type"], []).append(rank)
        ranks.setdefault("all", []).append(rank)
        if args.show_misses and rank != 1:
            top = hits[0] if hits else None
            console.print(f"[yellow]{item['id']}[/yellow] rank {rank}: {item['question']}  top: "
                          f"{top.heading if top else '-'} {top.version_date if top else ''}")

    table = Table(title=f"laws-docs retrieval (hybrid, {len(items)} questions, {len(paths)} laws in {len(formats)} formats)")
    for col in ("type", "n", "hit@1", "hit@5", "MRR@10"):
        table.add_column(col, justify="right" if col != "type" else "left")
    for kind in [*sorted(k for k in ranks if k != "all"), "all"]:
        m = retrieval_metrics(ranks[kind])
        table.add_row(kind, str(len(ranks[kind])), f"{m['hit@1']:.3f}", f"{m['hit@5']:.3f}", f"{m['mrr@10']:.3f}")
    console.print(table)


if __name__ == "__main__":
    main()
