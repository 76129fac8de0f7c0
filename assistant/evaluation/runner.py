"""The regression runner behind `policy-assistant eval`: every item through `Assistant.ask`, then numbers and a report.

Exit codes: 0 all thresholds hold, 1 a threshold fails / a metric regressed past its tolerance / an item raised,
2 a bad eval, thresholds or baseline file, or a mode/judge that the configuration cannot serve.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.config import PROJECT_ROOT, Settings
from assistant.embeddings import embedding_name
from assistant.errors import AssistantError, EvalFileError
from assistant.evaluation import metrics as m
from assistant.evaluation.report import render_report
from assistant.evaluation.schema import EvalItem, load_eval_file, load_thresholds

DEFAULT_THRESHOLDS = PROJECT_ROOT / "eval" / "thresholds.toml"
MODES = ("extractive", "llm")
SECRET_FIELD = re.compile(r"(api_key|password|secret|token|auth)$")


# ---------------------------------------------------------------- metadata
def public_config(settings: Settings) -> dict[str, Any]:
    """settings.model_dump(mode='json') without secrets (API key, UI login)."""
    return {k: v for k, v in settings.model_dump(mode="json").items() if not SECRET_FIELD.search(k)}


def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def load_baseline(path: Path) -> dict[str, Any]:
    """summary.json of an earlier run (the --out folder or the file itself)."""
    file = path / "summary.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{file}: cannot read baseline ({exc.strerror}); pass an earlier --out folder") from None
    except json.JSONDecodeError as exc:
        raise EvalFileError(f"{file}: baseline is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("overall"), dict):
        raise EvalFileError(f"{file}: baseline has no 'overall' metrics")
    return data


# ---------------------------------------------------------------- one item
def evaluate_item(assistant: Any, item: EvalItem, stored_texts: list[str], judge_model: Any = None) -> dict[str, Any]:
    """Ask one item the way the UI does, re-run retrieval for the top 10 ranks, and compute its metric values."""
    from assistant.evaluation.judge import judge_answer

    row: dict[str, Any] = {
        "id": item.id, "type": item.type, "question": item.question, "history": item.history,
        "gold": item.gold, "answerable": item.answerable,
    }
    try:
        answer = assistant.ask(item.question, item.history)
        # the chain's own hits are not in the Answer contract: retrieval is measured with the same standalone
        # question at depth 10 (the chain's top-k are this list's head)
        hits = assistant.search(answer.standalone_question, k=m.RETRIEVAL_DEPTH)
    except Exception as exc:  # one broken item must not lose the whole run; it fails the gate instead
        row.update(standalone_question=item.question, retrieved=[], answer="", citations=[], refused=False,
                   mode=None, model=None, latency_ms=None, notice=None, error=f"{type(exc).__name__}: {exc}")
        row.update(m.item_metrics(gold=item.gold, answerable=item.answerable, single_passage=True,
                                  retrieved_texts=[], answer="", citations=[], refused=False))
        row["citation_hit"] = False if item.answerable else None
        row["reasons"] = m.failure_reasons(row)
        return row
    single = m.needs_single_passage(item.gold, stored_texts) if item.answerable else True
    row.update(
        standalone_question=answer.standalone_question,
        retrieved=[{"rank": h.rank, "chunk_id": h.chunk_id, "score": h.score, "text": h.text} for h in hits],
        answer=answer.answer,
        citations=[c.model_dump(mode="json") for c in answer.citations],
        refused=answer.refused, mode=answer.mode, model=answer.model, latency_ms=answer.latency_ms,
        notice=answer.notice,
    )
    row.update(m.item_metrics(
        gold=item.gold, answerable=item.answerable, single_passage=single, retrieved_texts=[h.text for h in hits],
        answer=answer.answer, citations=answer.citations, refused=answer.refused,
    ))
    if judge_model is not None:
        if answer.refused:
            row["faithfulness"], row["judge_reason"] = None, "refused: not judged"
        else:
            row["faithfulness"], row["judge_reason"] = judge_answer(
                judge_model, answer.standalone_question, answer.answer, answer.citations)
    row["reasons"] = m.failure_reasons(row)
    return row


# ---------------------------------------------------------------- setup
def _prepare(settings: Settings, mode: str | None, judge: bool, assistant: Any, judge_model: Any,
             ingest_first: bool, console: Console) -> tuple[Any, Any, str]:
    """(assistant, judge model or None, mode) after checking the mode/judge against the configuration."""
    from assistant.llm import make_chat_model

    mode = mode or ("llm" if settings.llm_enabled else "extractive")
    if mode not in MODES:
        raise AssistantError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "llm" and not (settings.llm_enabled or (assistant is not None and assistant.chain.llm is not None)):
        raise AssistantError("--mode llm needs an LLM endpoint: set POLICY_ASSISTANT_LLM_BASE_URL and POLICY_ASSISTANT_LLM_MODEL")
    judge_llm = None
    if judge:
        judge_llm = judge_model if judge_model is not None else make_chat_model(settings)
        if judge_llm is None:
            raise AssistantError("--judge needs an LLM endpoint: set POLICY_ASSISTANT_LLM_BASE_URL and POLICY_ASSISTANT_LLM_MODEL")
    answer_settings = settings.model_copy(update={"llm_base_url": None}) if mode == "extractive" else settings

    from assistant.assistant import Assistant
    from assistant.embeddings import make_embeddings

    embeddings = assistant.retriever.embeddings if assistant is not None else make_embeddings(settings)
    if ingest_first:
        from assistant.ingest.pipeline import ingest

        done = ingest(settings, embeddings=embeddings)
        console.print(f"[dim]ingest {settings.corpus_dir} → {settings.data_dir}: {len(done.ingested)} ingested, "
                      f"{len(done.skipped)} unchanged, {done.chunks} chunks ({done.seconds:.1f} s)[/dim]")
        if assistant is not None:
            assistant.refresh()
    if assistant is None:
        assistant = Assistant.open(answer_settings, embeddings=embeddings)
    elif mode == "extractive" and assistant.chain.llm is not None:
        assistant = Assistant(answer_settings, assistant.retriever, None)
    return assistant, judge_llm, mode


# ---------------------------------------------------------------- output
def _cell(metric: str, value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if metric in m.LATENCY else f"{value:.3f}"


def print_tables(console: Console, summary: dict[str, Any], thresholds: m.Thresholds, findings: list[m.Finding],
                 baseline: dict[str, Any] | None) -> None:
    """Two rich tables: overall (with limit, baseline, verdict) and metric per item type."""
    failed = {f.metric for f in findings}
    overall = summary["overall"]
    names = [*m.METRICS, *(x for x in m.OPTIONAL_METRICS if x in overall)]
    table = Table(title="eval: overall", box=box.SIMPLE_HEAD)
    for col in ("metric", "value", "limit", *(("baseline",) if baseline else ()), ""):
        table.add_column(col, justify="left" if col == "metric" else "right", no_wrap=True)
    for metric in names:
        row = [metric, _cell(metric, overall.get(metric)), thresholds.limit(metric)]
        if baseline:
            row.append(_cell(metric, baseline["overall"].get(metric)))
        row.append("[red]FAIL[/red]" if metric in failed else ("" if overall.get(metric) is None else "[green]ok[/green]"))
        table.add_row(*row)
    console.print(table)
    per_type = Table(title="eval: per type", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    per_type.add_column("metric", no_wrap=True)
    for t in summary["by_type"]:
        per_type.add_column(f"{t}\nn={summary['n']['by_type'][t]}", justify="right", overflow="fold")
    for metric in names:
        per_type.add_row(metric, *(_cell(metric, v.get(metric)) for v in summary["by_type"].values()))
    console.print(per_type)


def run_eval(settings: Settings, file: Path, out: Path, baseline: Path | None = None, thresholds: Path | None = None,
             mode: str | None = None, judge: bool = False, ingest_first: bool = False, console: Any = None, *,
             assistant: Any = None, judge_model: Any = None) -> int:
    """Run the eval set; write results.jsonl, summary.json and report.html to `out`; return the exit code.

    `assistant` and `judge_model` are for tests and notebooks: an already opened Assistant (no model loaded
    again) and a chat model for --judge (e.g. a LangChain fake chat model).
    """
    console = console or Console()
    started, started_at = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
    thresholds_file = thresholds if thresholds is not None else (DEFAULT_THRESHOLDS if DEFAULT_THRESHOLDS.is_file() else None)
    try:
        items = load_eval_file(file)
        limits = load_thresholds(thresholds_file)
        base = load_baseline(baseline) if baseline is not None else None
        assistant, judge_llm, mode = _prepare(settings, mode, judge, assistant, judge_model, ingest_first, console)
    except AssistantError as exc:  # one red line (on stderr when printing to the terminal), exit status 2
        err = Console(stderr=True) if console.file is sys.stdout else console
        err.print(f"[red]error:[/red] {exc}")
        return 2

    stored_texts = [r["text"] for r in assistant.retriever.records.values()]
    rows: list[dict[str, Any]] = []
    with Progress(TextColumn("eval"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("eval", total=len(items))
        for item in items:
            rows.append(evaluate_item(assistant, item, stored_texts, judge_llm))
            bar.advance(task)

    overall, per_type = m.summarize(rows), m.by_type(rows)
    findings = m.check_thresholds(overall, limits)
    if base is not None:
        findings += m.compare_baseline(overall, base["overall"], limits)
    errors = [r["id"] for r in rows if r.get("error")]
    code = 1 if findings or errors else 0
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["type"]] = counts.get(r["type"], 0) + 1
    summary: dict[str, Any] = {
        "overall": overall,
        "by_type": per_type,
        "n": {"overall": len(rows), "by_type": counts},
        "mode": mode,
        "models": {
            "answer": assistant.model,
            "embedding": embedding_name(assistant.retriever.embeddings),
            "judge": (getattr(judge_llm, "model_name", None) or type(judge_llm).__name__) if judge_llm is not None else None,
        },
        "corpus_fingerprint": assistant.retriever.fingerprint,
        "git_commit": git_commit(),
        "config": public_config(assistant.settings),
        "eval_file": str(file),
        "eval_file_sha256": hashlib.sha256(Path(file).read_bytes()).hexdigest(),
        "thresholds_file": str(thresholds_file) if thresholds_file else None,
        "baseline": str(baseline) if baseline is not None else None,
        "findings": [f.to_json() for f in findings],
        "errors": errors,
        "exit_code": code,
        "started_at": started_at,
        "wall_s": round(time.perf_counter() - started, 1),
    }

    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(render_report(summary, rows, limits, findings, base), encoding="utf-8")

    print_tables(console, summary, limits, findings, base)
    for f in findings:
        console.print(f"[red]FAIL[/red] {f.describe()}")
    if errors:
        console.print(f"[red]FAIL[/red] {len(errors)} item(s) raised: {', '.join(errors[:10])}")
    console.print(f"{'[green]PASS[/green]' if code == 0 else '[red]FAIL[/red]'} · {len(rows)} items · "
                  f"{summary['wall_s']} s · report: {out / 'report.html'}")
    return code
