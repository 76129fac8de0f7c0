"""Ingest events (assistant/ingest/events.py) as the CLI shows them: a line per file as it is settled with the
time left, on stderr so that `--json` keeps stdout for its JSON alone; on a terminal a bar follows the embedding."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn

from assistant.ingest.events import FileDone, IngestEvent
from assistant.ingest.events import Progress as IngestProgress

_COLOURS = {"ingested": "green", "unchanged": "dim", "rejected": "yellow", "left_out": "dim", "pruned": "dim"}
QUIET_S = 10.0  # between two progress-only lines when no file has been settled (plain lines)


def eta_text(seconds: float | None) -> str:
    """'about 40 s left', 'about 3 min left'; '' while no throughput is known."""
    if seconds is None or seconds <= 0:
        return ""
    if seconds < 1:
        return "under 1 s left"
    return f"about {seconds:.0f} s left" if seconds < 120 else f"about {seconds / 60:.0f} min left"


def file_line(done: FileDone, progress: IngestProgress | None = None) -> str:
    """'ingested  plan.txt  12 chunks  3.4 s  [2/6 files, about 40 s left]' (plain text, no markup)."""
    parts = [f"{done.status:<9}", done.name]
    if done.status == "ingested":
        parts += [f"{done.chunks} chunks", f"{done.seconds:.1f} s"]
    line = "  ".join(parts) + (f": {done.reason}" if done.reason else "")
    if progress is not None:
        line += f"  [{progress.files_done}/{progress.files_total} files"
        line += f", {eta_text(progress.eta_s)}]" if eta_text(progress.eta_s) else "]"
    return line


class IngestReporter:
    """An ingest's `events` sink. A FileDone is held until the Progress that follows it, so each file is one line
    with the estimate; `live` (a terminal, no --json) also draws a bar of the characters embedded."""

    def __init__(self, console: Console, live: bool):
        self.console = console
        self.held: FileDone | None = None
        self.last_line = time.monotonic()
        self.bar = Progress(TextColumn("embedding"), BarColumn(), TextColumn("{task.fields[eta]}"),
                            console=console, transient=True, disable=not live)
        self.task = self.bar.add_task("embed", total=None, eta="")

    def __enter__(self) -> IngestReporter:
        self.bar.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._flush()
        self.bar.__exit__(kind, exc, tb)

    def __call__(self, event: IngestEvent) -> None:
        if isinstance(event, FileDone):
            self._flush()
            self.held = event
            return
        self.bar.update(self.task, completed=event.chars_done, total=max(event.chars_done + event.chars_left, 1),
                        eta=eta_text(event.eta_s))
        if self.held is not None:
            self._print(file_line(self.held, event), self.held.status)
            self.held = None
        elif self.bar.disable and time.monotonic() - self.last_line >= QUIET_S:
            self._print(f"embedding  {event.chars_done:,} characters done  [{eta_text(event.eta_s) or '…'}]", "dim")

    def _flush(self) -> None:
        if self.held is not None:
            self._print(file_line(self.held), self.held.status)
            self.held = None

    def _print(self, line: str, status: str) -> None:
        self.last_line = time.monotonic()
        self.bar.console.print(f"[{_COLOURS.get(status, 'dim')}]{escape(line)}[/]", highlight=False)
