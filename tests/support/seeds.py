"""Passages of the seed files by line range, for tests that build small corpora of real text."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT / "corpus"


def seed_lines(prefix: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of the seed file NNN_*.txt."""
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return "\n".join(path.read_text(encoding="utf-8").split("\n")[first - 1 : last]) + "\n"


PLAN = seed_lines("004", 2, 17)  # XX县集团化办学实施方案
MEASURES = seed_lines("001", 41, 63)
SPEECH = seed_lines("004", 50, 67)
