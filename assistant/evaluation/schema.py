"""The eval file format: one JSON object a line; a bad line is an `EvalFileError` naming the line and the reason."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import EvalFileError
from assistant.evaluation.metrics import METRICS, OPTIONAL_METRICS, Thresholds

FIELDS = ("id", "type", "question", "history", "gold", "answerable")
ROLES = ("user", "assistant")


@dataclass(frozen=True)
class EvalItem:
    """One eval question: its gold substrings must all occur in a passage the answer cites."""

    id: str
    type: str
    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    answerable: bool = True


def check_item(obj: Any) -> str | None:
    """The reason a decoded line is not a valid item, or None when it is."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    missing = [f for f in FIELDS if f not in obj]
    if missing:
        return f"missing field(s) {', '.join(missing)}"
    for name in ("id", "type", "question"):
        if not isinstance(obj[name], str) or not obj[name].strip():
            return f"'{name}' must be a non-empty string"
    history = obj["history"]
    if not isinstance(history, list):
        return "'history' must be a list of {role, content}"
    for i, turn in enumerate(history):
        if not isinstance(turn, dict) or turn.get("role") not in ROLES or not isinstance(turn.get("content"), str):
            return f"history[{i}] must be {{\"role\": \"user\"|\"assistant\", \"content\": str}}"
    gold = obj["gold"]
    if not isinstance(gold, list) or not all(isinstance(g, str) and g.strip() for g in gold):
        return "'gold' must be a list of non-empty strings"
    if not isinstance(obj["answerable"], bool):
        return "'answerable' must be true or false"
    if obj["answerable"] and not gold:
        return "an answerable item needs at least one gold string"
    return None


def parse_lines(lines: list[str], name: str = "eval file") -> list[EvalItem]:
    """Items from JSONL lines (blank lines skipped); raises EvalFileError '<name>:<line>: <reason>'."""
    items: list[EvalItem] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise EvalFileError(f"{name}:{number}: not valid JSON ({exc.msg})") from None
        reason = check_item(obj)
        if reason is None and obj["id"] in first_line:
            reason = f"duplicate id {obj['id']!r} (first on line {first_line[obj['id']]})"
        if reason is not None:
            raise EvalFileError(f"{name}:{number}: {reason}")
        first_line[obj["id"]] = number
        items.append(EvalItem(
            id=obj["id"], type=obj["type"], question=obj["question"],
            history=[{"role": t["role"], "content": t["content"]} for t in obj["history"]],
            gold=list(obj["gold"]), answerable=obj["answerable"],
        ))
    if not items:
        raise EvalFileError(f"{name}: no items")
    return items


def load_eval_file(path: Path) -> list[EvalItem]:
    """Read and check an eval file before anything is run."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    return parse_lines(text.splitlines(), str(path))


def load_thresholds(path: Path | None) -> Thresholds:
    """`[min]`, `[max]` and `[tolerance]` tables of metric values (tomllib); no file = no gates."""
    if path is None:
        return Thresholds()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot read thresholds ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise EvalFileError(f"{path}: not valid TOML ({exc})") from None
    return thresholds_from_tables(data, str(path))


def thresholds_from_tables(data: dict[str, Any], where: str) -> Thresholds:
    """Thresholds from `min`, `max` and `tolerance` tables (a thresholds file, or one set's tables in sets.toml)."""
    known = set(METRICS) | set(OPTIONAL_METRICS)
    unknown_tables = set(data) - {"min", "max", "tolerance"}
    if unknown_tables:
        raise EvalFileError(f"{where}: unknown table(s) {sorted(unknown_tables)}; use [min], [max], [tolerance]")
    tables: dict[str, dict[str, float]] = {}
    for table in ("min", "max", "tolerance"):
        values = data.get(table, {})
        if not isinstance(values, dict):
            raise EvalFileError(f"{where}: [{table}] must be a table of metric = number")
        for metric, value in values.items():
            if metric not in known and not (table == "tolerance" and metric == "default"):
                raise EvalFileError(f"{where}: [{table}] unknown metric {metric!r}; known: {', '.join(sorted(known))}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EvalFileError(f"{where}: [{table}] {metric} must be a number")
        tables[table] = {k: float(v) for k, v in values.items()}
    tolerance = tables["tolerance"]
    default = tolerance.pop("default", Thresholds.default_tolerance)
    return Thresholds(min=tables["min"], max=tables["max"], tolerance=tolerance, default_tolerance=default)
