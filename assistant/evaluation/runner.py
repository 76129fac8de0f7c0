"""The regression runner behind `policy-assistant eval`: every item through `Assistant.ask`, then numbers and a report.

One eval file (`run_eval`, the original contract) or every set of eval/sets.toml (`run_sets`): each set's knowledge
base ingested into its own data dir, every set reported, dev and test side by side, only test sets gating.

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
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape as markup_escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant.config import PROJECT_ROOT, Settings
from assistant.embeddings import embedding_name
from assistant.errors import AssistantError, EvalFileError
from assistant.evaluation import metrics as m
from assistant.evaluation.curve import answerability_score, refusal_curve, support_fields
from assistant.evaluation.report import render_report, render_sets_report
from assistant.evaluation.schema import EvalItem, load_eval_file, load_thresholds
from assistant.evaluation.sets import EvalSet, load_sets, select

DEFAULT_THRESHOLDS = PROJECT_ROOT / "eval" / "thresholds.toml"
MODES = ("extractive", "llm")
GAP_LIMIT = 0.05  # dev and test further apart than this: rules fitted to dev, not general ones
GAP_METRICS = [x for x in m.METRICS if x not in m.LATENCY]
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
    own = getattr(answer, "refusal_score", None)  # an answer that scores itself spares the second prepare pass
    support = None if isinstance(own, int | float) and not isinstance(own, bool) else chain_support(assistant, item)
    row["support"] = support_fields(support)
    row["refusal_score"], row["refusal_score_source"] = answerability_score(answer, support)
    if judge_model is not None:
        if answer.refused:
            row["faithfulness"], row["judge_reason"] = None, "refused: not judged"
        else:
            row["faithfulness"], row["judge_reason"] = judge_answer(
                judge_model, answer.standalone_question, answer.answer, answer.citations)
    row["reasons"] = m.failure_reasons(row)
    return row


def chain_support(assistant: Any, item: EvalItem) -> Any:
    """The chain's refusal evidence for an item (its `prepare` step again: condense, retrieve, assess); None if absent."""
    prepare = getattr(getattr(assistant, "chain", None), "prepare", None)
    if prepare is None:
        return None
    try:
        state = prepare.invoke({"question": item.question, "history": item.history, "started": time.perf_counter()})
    except Exception:  # the score is a report extra: an item's answer and metrics stand without it
        return None
    return state.get("support") if isinstance(state, Mapping) else getattr(state, "support", None)


# ---------------------------------------------------------------- setup
def _prepare(settings: Settings, mode: str | None, judge: bool, assistant: Any, judge_model: Any,
             ingest_first: bool, console: Console, embeddings: Any = None,
             paths: list[Path] | None = None) -> tuple[Any, Any, str]:
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

    if embeddings is None:
        embeddings = assistant.retriever.embeddings if assistant is not None else make_embeddings(settings)
    if ingest_first:
        from assistant.ingest.pipeline import ingest

        done = ingest(settings, paths=paths, embeddings=embeddings)
        what = settings.corpus_dir if paths is None else f"{len(paths)} file(s) of {settings.corpus_dir}"
        console.print(f"[dim]ingest {what} → {settings.data_dir}: {len(done.ingested)} ingested, "
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


def evaluate_items(assistant: Any, items: list[EvalItem], judge_llm: Any, console: Console, label: str = "eval") -> list[dict[str, Any]]:
    """Every item through the assistant, with a progress bar."""
    stored_texts = [r["text"] for r in assistant.retriever.records.values()]
    rows: list[dict[str, Any]] = []
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task(label, total=len(items))
        for item in items:
            rows.append(evaluate_item(assistant, item, stored_texts, judge_llm))
            bar.advance(task)
    return rows


def build_summary(rows: list[dict[str, Any]], assistant: Any, judge_llm: Any, mode: str, file: Path,
                  thresholds_file: Path | None, baseline: Path | None, findings: list[m.Finding], started_at: str,
                  started: float) -> dict[str, Any]:
    """summary.json of one set (the contract's fields, plus refusal_curve)."""
    errors = [r["id"] for r in rows if r.get("error")]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["type"]] = counts.get(r["type"], 0) + 1
    return {
        "overall": m.summarize(rows),
        "by_type": m.by_type(rows),
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
        "exit_code": 1 if findings or errors else 0,
        "started_at": started_at,
        "wall_s": round(time.perf_counter() - started, 1),
        "refusal_curve": refusal_curve(rows),
    }


def write_outputs(out: Path, summary: dict[str, Any], rows: list[dict[str, Any]], limits: m.Thresholds,
                  findings: list[m.Finding], base: dict[str, Any] | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(render_report(summary, rows, limits, findings, base), encoding="utf-8")


def _findings(overall: dict[str, Any], limits: m.Thresholds, base: dict[str, Any] | None) -> list[m.Finding]:
    findings = m.check_thresholds(overall, limits)
    if base is not None:
        findings += m.compare_baseline(overall, base["overall"], limits)
    return findings


def _verdict_lines(console: Console, summary: dict[str, Any], findings: list[m.Finding], out: Path, label: str = "") -> None:
    for f in findings:
        console.print(f"[red]FAIL[/red] {label}{f.describe()}")
    if summary["errors"]:
        console.print(f"[red]FAIL[/red] {label}{len(summary['errors'])} item(s) raised: {', '.join(summary['errors'][:10])}")
    console.print(f"{'[green]PASS[/green]' if summary['exit_code'] == 0 else '[red]FAIL[/red]'} {label}· "
                  f"{summary['n']['overall']} items · {summary['wall_s']} s · report: {out / 'report.html'}")


def _error(console: Console, exc: AssistantError) -> int:
    """One red line (on stderr when printing to the terminal), exit status 2."""
    err = Console(stderr=True) if console.file is sys.stdout else console
    err.print(f"[red]error:[/red] {markup_escape(str(exc))}")  # '[kb.NAME]' in a message is text, not markup
    return 2


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
    except AssistantError as exc:
        return _error(console, exc)

    rows = evaluate_items(assistant, items, judge_llm, console)
    findings = _findings(m.summarize(rows), limits, base)
    summary = build_summary(rows, assistant, judge_llm, mode, file, thresholds_file, baseline, findings, started_at, started)
    write_outputs(out, summary, rows, limits, findings, base)
    print_tables(console, summary, limits, findings, base)
    _verdict_lines(console, summary, findings, out)
    return int(summary["exit_code"])


# ---------------------------------------------------------------- every set of sets.toml
def pair_gaps(dev: Mapping[str, Any], test: Mapping[str, Any]) -> dict[str, Any]:
    """dev − test per ratio metric, overall and per type present in both; `flagged` lists |gap| > GAP_LIMIT."""
    def gaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, float | None]:
        return {x: (None if a.get(x) is None or b.get(x) is None else round(a[x] - b[x], 4)) for x in GAP_METRICS}

    overall = gaps(dev["overall"], test["overall"])
    by_type = {t: gaps(dev["by_type"][t], test["by_type"][t]) for t in dev["by_type"] if t in test["by_type"]}
    flagged = [f"{x} {g:+.3f}" for x, g in overall.items() if g is not None and abs(g) > GAP_LIMIT + 1e-9]
    flagged += [f"{t}: {x} {g:+.3f}" for t, gs in by_type.items() for x, g in gs.items()
                if g is not None and abs(g) > GAP_LIMIT + 1e-9]
    return {"overall": overall, "by_type": by_type, "limit": GAP_LIMIT, "flagged": flagged}


def _pair_summaries(sets: list[EvalSet], summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for s in sets:
        if s.pair is not None:
            pairs.setdefault(s.pair, {"dev": [], "test": []})[s.split].append(s.name)
    for entry in pairs.values():
        entry["gaps"] = {f"{d} − {t}": pair_gaps(summaries[d], summaries[t]) for d in entry["dev"] for t in entry["test"]}
    return pairs


PAIR_METRICS = ("citation_hit", "false_refusal_rate", "refusal_recall", "hit@5", "mrr@10")


def print_pairs(console: Console, sets: list[EvalSet], summaries: dict[str, dict[str, Any]], pairs: dict[str, Any]) -> None:
    """One table per dev/test pair: every type, each key metric as 'dev / test', a gap over the limit marked."""
    for name, entry in pairs.items():
        for label, gap in entry["gaps"].items():
            d, t = (x.strip() for x in label.split("−"))
            table = Table(title=f"eval: {name} pair, dev {d} / test {t} (dev − test beyond ±{GAP_LIMIT} in red)",
                          box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
            table.add_column("type", no_wrap=True)
            table.add_column("n", justify="right")
            for metric in PAIR_METRICS:
                table.add_column(metric, justify="right", no_wrap=True)
            types = ["overall", *[x for x in summaries[d]["by_type"] if x in summaries[t]["by_type"]]]
            for typ in types:
                dv = summaries[d]["overall"] if typ == "overall" else summaries[d]["by_type"][typ]
                tv = summaries[t]["overall"] if typ == "overall" else summaries[t]["by_type"][typ]
                gv = gap["overall"] if typ == "overall" else gap["by_type"][typ]
                n_d = summaries[d]["n"]["overall"] if typ == "overall" else summaries[d]["n"]["by_type"][typ]
                n_t = summaries[t]["n"]["overall"] if typ == "overall" else summaries[t]["n"]["by_type"][typ]
                cells = []
                for metric in PAIR_METRICS:
                    cell = f"{_cell(metric, dv.get(metric))} / {_cell(metric, tv.get(metric))}"
                    g = gv.get(metric)
                    cells.append(f"[red]{cell}[/red]" if g is not None and abs(g) > GAP_LIMIT + 1e-9 else cell)
                table.add_row(typ, f"{n_d}/{n_t}", *cells)
            console.print(table)
    unpaired = [s.name for s in sets if s.pair is None or not all(pairs[s.pair][k] for k in ("dev", "test"))]
    for name in unpaired:
        o = summaries[name]["overall"]
        console.print(f"{name}: " + ", ".join(f"{x} {_cell(x, o.get(x))}" for x in PAIR_METRICS))


def run_sets(settings: Settings, sets_file: Path, out: Path, names: list[str] | None = None, split: str | None = None,
             baseline: Path | None = None, mode: str | None = None, console: Any = None, data_root: Path | None = None,
             *, embeddings: Any = None, root: Path | None = None) -> int:
    """Run every selected set of sets.toml, each on its own knowledge base (ingested first, incrementally, into
    `data_root/<kb>`); write `out/<set>/` (results.jsonl, summary.json, report.html as run_eval does) and
    `out/summary.json` + `out/report.html` over all sets. Exit 1 when a gated (test) set fails or an item raised.

    `baseline` is an earlier `--out` of a sets run: each set is compared with `baseline/<set>/summary.json` when it
    exists. `embeddings` lets tests share a loaded model; `root` resolves relative paths of the sets file.
    """
    console = console or Console()
    started, started_at = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
    data_root = data_root or settings.data_dir / "eval"
    try:
        chosen = select(load_sets(sets_file, root), names, split)
        loaded = {s.name: load_eval_file(s.questions) for s in chosen}
        bases = {s.name: load_baseline(baseline / s.name) for s in chosen
                 if baseline is not None and (baseline / s.name / "summary.json").is_file()}
        for s in chosen:
            missing = [str(f) for f in s.kb.files if not f.is_file()] or ([] if s.kb.root.is_dir() else [str(s.kb.root)])
            if missing:
                raise EvalFileError(f"{sets_file}: [kb.{s.kb.name}] of set {s.name}: not found: {', '.join(missing[:3])}")
    except AssistantError as exc:
        return _error(console, exc)

    from assistant.embeddings import make_embeddings

    assistants: dict[str, tuple[Any, Any, str]] = {}
    summaries: dict[str, dict[str, Any]] = {}
    overview: dict[str, Any] = {}
    code = 0
    for s in chosen:
        set_started, set_started_at = time.perf_counter(), datetime.now(UTC).isoformat(timespec="seconds")
        if s.kb.name not in assistants:
            kb_settings = settings.model_copy(update={"data_dir": data_root / s.kb.name, "corpus_dir": s.kb.root})
            try:
                if embeddings is None:
                    embeddings = make_embeddings(settings)
                assistants[s.kb.name] = _prepare(kb_settings, mode, False, None, None, True, console,
                                                 embeddings=embeddings, paths=s.kb.paths if s.kb.files else None)
            except AssistantError as exc:
                return _error(console, exc)
        assistant, _, used_mode = assistants[s.kb.name]
        rows = evaluate_items(assistant, loaded[s.name], None, console, label=s.name)
        base = bases.get(s.name)
        findings = _findings(m.summarize(rows), s.thresholds, base) if s.gated else []
        summary = build_summary(rows, assistant, None, used_mode, s.questions, sets_file, baseline if base else None,
                                findings, set_started_at, set_started)
        summary.update(set=s.name, split=s.split, pair=s.pair, kb=s.kb.name, gated=s.gated)
        if not s.gated:
            summary["exit_code"] = 1 if summary["errors"] else 0
        write_outputs(out / s.name, summary, rows, s.thresholds, findings, base)
        console.rule(f"{s.name} ({s.split}, kb {s.kb.name}{', gates CI' if s.gated else ''})")
        print_tables(console, summary, s.thresholds, findings, base)
        _verdict_lines(console, summary, findings, out / s.name, label=f"{s.name} ")
        summaries[s.name] = summary
        overview[s.name] = {k: summary[k] for k in ("split", "pair", "kb", "gated", "n", "overall", "by_type",
                                                     "refusal_curve", "findings", "errors", "exit_code", "wall_s",
                                                     "eval_file")}
        code = max(code, int(summary["exit_code"]))
    pairs = _pair_summaries(chosen, summaries)
    print_pairs(console, chosen, summaries, pairs)
    for entry in pairs.values():
        for label, gap in entry["gaps"].items():
            if gap["flagged"]:
                console.print(f"[yellow]gap[/yellow] {label}: " + "; ".join(gap["flagged"]))
    report = {
        "sets": overview, "pairs": pairs, "sets_file": str(sets_file), "mode": next(iter(assistants.values()))[2],
        "git_commit": git_commit(), "exit_code": code, "started_at": started_at,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "report.html").write_text(render_sets_report(report), encoding="utf-8")
    console.print(f"{'[green]PASS[/green]' if code == 0 else '[red]FAIL[/red]'} · {len(chosen)} set(s) · "
                  f"{report['wall_s']} s · report: {out / 'report.html'}")
    return code
