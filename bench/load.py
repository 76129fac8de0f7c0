"""Serving under load: start the UI on a free loopback port and drive it with gradio_client, one table.

N concurrent users each ask Q questions through the `/ask` API (first questions, follow-ups carrying the earlier
turn, and an unanswerable one, all drawn from an eval file), while M users upload a small document each through
`/upload`. Prints p50/p95 latency, throughput and errors (issue 17 target: 0 errors, p95 <= 2 s extractive).

    python bench/load.py [--data-dir DIR] [--users 20] [--questions 5] [--uploads 5] [--eval eval/seeds-dev.jsonl]

Without --data-dir the seed corpus is ingested into a temp dir first (minutes on a 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import disable_telemetry  # noqa: E402

disable_telemetry()

from gradio_client import Client, handle_file  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

CLI = "from assistant.cli import app; app()"


@dataclass
class Results:
    ask_ms: list[float] = field(default_factory=list)
    followup_ms: list[float] = field(default_factory=list)
    upload_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused: int = 0
    not_asked: int = 0  # questions of users that could not connect
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def conversations(path: Path, users: int, per_user: int, seed: int) -> list[list[tuple[str, bool]]]:
    """Per user: (question, is_follow_up) in order: first questions and follow-ups from the eval file's items,
    one unanswerable question each."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    single = [i["question"] for i in items if not i.get("history") and i.get("answerable", True)]
    unanswerable = [i["question"] for i in items if not i.get("answerable", True)] or single
    follow = [i["question"] for i in items if i.get("history")] or single
    rng = random.Random(seed)
    plans = []
    for _ in range(users):
        plan: list[tuple[str, bool]] = [(rng.choice(single), False)]
        while len(plan) < per_user - 1:
            plan.append((rng.choice(follow), True) if len(plan) % 2 else (rng.choice(single), False))
        plan.append((rng.choice(unanswerable), False))
        plans.append(plan[:per_user])
    return plans


def connect(url: str, results: Results, what: str) -> Client | None:
    """A gradio_client (it reads the API description first); a failure is counted, the thread ends."""
    try:
        return Client(url, verbose=False)
    except Exception as exc:
        with results.lock:
            results.errors.append(f"{what} connect: {type(exc).__name__}: {str(exc)[:120]}")
        return None


def user(url: str, plan: list[tuple[str, bool]], results: Results) -> None:
    client = connect(url, results, "user")
    if client is None:
        with results.lock:
            results.not_asked += len(plan)
        return
    history: list[dict[str, str]] = []
    for question, follow_up in plan:
        if not follow_up:
            history = []
        started = time.perf_counter()
        try:
            answer = client.predict(question, json.dumps(history, ensure_ascii=False), api_name="/ask")
        except Exception as exc:  # a failed request is a result of the benchmark, not its end
            with results.lock:
                results.errors.append(f"ask: {type(exc).__name__}: {str(exc)[:120]}")
            continue
        ms = (time.perf_counter() - started) * 1000
        with results.lock:
            (results.followup_ms if follow_up else results.ask_ms).append(ms)
            results.refused += bool(answer.get("refused"))
        history = [*history, {"role": "user", "content": question}, {"role": "assistant", "content": answer["answer"]}]


def uploader(url: str, path: Path, results: Results) -> None:
    client = connect(url, results, "upload")
    if client is None:
        return
    started = time.perf_counter()
    try:
        summary, *_ = client.predict([handle_file(str(path))], api_name="/upload")
    except Exception as exc:
        with results.lock:
            results.errors.append(f"upload: {type(exc).__name__}: {str(exc)[:120]}")
        return
    with results.lock:
        results.upload_ms.append((time.perf_counter() - started) * 1000)
        if "拒绝" in str(summary) or "失败" in str(summary) or "出错" in str(summary):
            results.errors.append(f"upload refused: {str(summary)[:120]}")


def wait_up(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer on {url} within {timeout:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, help="an existing index (default: ingest corpus/ into a temp dir)")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--questions", type=int, default=5, help="questions per user")
    ap.add_argument("--uploads", type=int, default=5, help="concurrent uploads during the run")
    ap.add_argument("--eval", type=Path, default=ROOT / "eval" / "seeds-dev.jsonl")
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()

    console = Console(width=max(Console().width, 110))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False"}
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        data = args.data_dir or Path(tmp) / "data"
        if args.data_dir is None:
            console.print("[dim]ingesting the seed corpus ...[/dim]")
            subprocess.run([sys.executable, "-c", CLI, "ingest", str(ROOT / "corpus"), "--json", "--data-dir", str(data)],
                           check=True, env=env, stdout=subprocess.DEVNULL)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        server = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve", "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=open(Path(tmp) / "server.log", "w"),  # noqa: SIM115
        )
        try:
            wait_up(url, server, 180)
            plans = conversations(args.eval, args.users, args.questions, args.seed)
            docs = []
            for n in range(args.uploads):
                doc = Path(tmp) / f"upload_{n}.txt"
                doc.write_text(f"压力测试上传文件{n}\n本文件用于检验并发上传时系统是否稳定，第{n}号学校应当按时报送校车安全检查记录。\n",
                               encoding="utf-8")
                docs.append(doc)
            results = Results()
            threads = [threading.Thread(target=user, args=(url, plan, results)) for plan in plans]
            threads += [threading.Thread(target=uploader, args=(url, doc, results)) for doc in docs]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        tracebacks = (Path(tmp) / "server.log").read_text(encoding="utf-8", errors="replace").count("Traceback")

    asks = results.ask_ms + results.followup_ms
    table = Table(title=f"load: {args.users} users × {args.questions} questions + {args.uploads} uploads (extractive)")
    for column in ("requests", "n", "p50 ms", "p95 ms", "max ms"):
        table.add_column(column, justify="left" if column == "requests" else "right")
    for label, values in (("all questions", asks), ("first questions", results.ask_ms),
                          ("follow-ups", results.followup_ms), ("uploads", results.upload_ms)):
        table.add_row(label, str(len(values)), f"{percentile(values, 50):.0f}", f"{percentile(values, 95):.0f}",
                      f"{max(values, default=0):.0f}")
    console.print(table)
    console.print(f"wall {wall:.1f} s · throughput {len(asks) / wall:.2f} questions/s · refused {results.refused} · "
                  f"errors {len(results.errors)} (questions never asked: {results.not_asked}) · server tracebacks {tracebacks}")
    for error in results.errors[:10]:
        console.print(f"  [red]{error}[/red]")


if __name__ == "__main__":
    main()
