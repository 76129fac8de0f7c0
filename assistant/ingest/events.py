"""What an ingest run tells its caller while it works: a `FileDone` as each file is settled and a `Progress` with
the time left, estimated from the characters still to embed and the run's throughput so far.

The pipeline only calls the sink it is given; the CLI prints these (assistant/cli.py), the UI's upload may show
the same events. A sink must be quick: it runs on the ingest's own thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

FileStatus = Literal["ingested", "unchanged", "rejected", "left_out", "pruned"]
CHARS_PER_BYTE = 0.34  # a UTF-8 Chinese text before the first file tells the real figure (3 bytes a character)


@dataclass(frozen=True)
class FileDone:
    """One file settled: ingested (its vectors made), unchanged, rejected (with the reason), left out (deleted in
    the 知识库 tab) or pruned. `chunks` is what an ingested file holds; `seconds` its parse and embedding time."""

    name: str
    status: FileStatus
    chunks: int = 0
    seconds: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class Progress:
    """Where the run stands: files settled of those found, characters embedded, characters still to embed (an
    estimate until every file is parsed) and the time left at the throughput so far (None before any is known)."""

    files_done: int
    files_total: int
    chars_done: int
    chars_left: int
    elapsed_s: float
    eta_s: float | None


IngestEvent = FileDone | Progress
EventSink = Callable[[IngestEvent], None]


class Throughput:
    """Characters embedded over the wall time since the run began (parsing overlaps embedding, so wall time is
    the honest divisor), the characters to embed that a file of a given size is expected to give, and the
    estimate of the time left."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.source_bytes = 0  # of the files parsed so far, and the characters they gave to embed
        self.source_chars = 0

    def parsed(self, size: int, chars: int) -> None:
        self.source_bytes += size
        self.source_chars += chars

    def chars_for(self, size: int) -> int:
        """Characters to embed expected from a file of this many bytes not parsed yet."""
        ratio = self.source_chars / self.source_bytes if self.source_bytes else CHARS_PER_BYTE
        return int(size * ratio)

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def eta(self, chars_done: int, chars_left: int) -> float | None:
        """Seconds left at the throughput so far: None before anything was embedded, 0 when nothing is left."""
        if chars_left <= 0:
            return 0.0
        elapsed = self.elapsed()
        if chars_done <= 0 or elapsed <= 0:
            return None
        return chars_left / (chars_done / elapsed)
