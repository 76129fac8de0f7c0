"""The regression runner (placeholder until the eval issue lands)."""

from pathlib import Path
from typing import Any

from assistant.config import Settings


def run_eval(settings: Settings, file: Path, out: Path, baseline: Path | None, thresholds: Path | None,
             mode: str | None, judge: bool, ingest_first: bool, console: Any) -> int:  # replaced by the eval issue
    raise NotImplementedError("the eval runner is not built yet")
