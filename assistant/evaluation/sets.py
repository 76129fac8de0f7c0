"""eval/sets.toml: the eval sets, each with its questions, its knowledge base, its split and its gates.

A bad file is an `EvalFileError` naming the file, the table and the reason, before anything is ingested or asked.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import EvalFileError
from assistant.evaluation.metrics import Thresholds
from assistant.evaluation.schema import thresholds_from_tables

SPLITS = ("dev", "test")
GATE_TABLES = ("min", "max", "tolerance")


@dataclass(frozen=True)
class KnowledgeBase:
    """A corpus folder, or a list of files in one folder; ingested into its own data dir."""

    name: str
    root: Path  # the corpus dir given to Settings (the folder the files are in)
    files: tuple[Path, ...] = ()  # empty: every file under root

    @property
    def paths(self) -> list[Path]:
        """What to ingest: the listed files, or the whole folder."""
        return list(self.files) if self.files else [self.root]


@dataclass(frozen=True)
class EvalSet:
    """One named set of sets.toml."""

    name: str
    questions: Path
    kb: KnowledgeBase
    split: str
    pair: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    gated: bool = False  # a test set with at least one gate: its failures fail the run


def _resolve(base: Path, value: Any, where: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise EvalFileError(f"{where} must be a path string")
    path = Path(value)
    return path if path.is_absolute() else base / path


def load_sets(path: Path, root: Path | None = None) -> list[EvalSet]:
    """Every [sets.NAME] of the file, in file order; paths are relative to `root` (default: the file's parent's parent,
    i.e. the repository root for eval/sets.toml)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalFileError(f"{path}: cannot read sets file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise EvalFileError(f"{path}: not valid TOML ({exc})") from None
    base = root if root is not None else path.resolve().parent.parent
    unknown = set(data) - {"kb", "sets"}
    if unknown:
        raise EvalFileError(f"{path}: unknown table(s) {sorted(unknown)}; use [kb.NAME] and [sets.NAME]")
    kbs: dict[str, KnowledgeBase] = {}
    for name, spec in (data.get("kb") or {}).items():
        where = f"{path}: [kb.{name}]"
        if not isinstance(spec, dict):
            raise EvalFileError(f"{where} must be a table")
        if "corpus" in spec:
            kbs[name] = KnowledgeBase(name, _resolve(base, spec["corpus"], f"{where} corpus"))
        elif "dir" in spec and isinstance(spec.get("files"), list) and spec["files"]:
            folder = _resolve(base, spec["dir"], f"{where} dir")
            kbs[name] = KnowledgeBase(name, folder, tuple(_resolve(folder, f, f"{where} files") for f in spec["files"]))
        else:
            raise EvalFileError(f"{where} needs `corpus = DIR` or `dir = DIR` with a non-empty `files = [...]`")
    sets: list[EvalSet] = []
    for name, spec in (data.get("sets") or {}).items():
        where = f"{path}: [sets.{name}]"
        if not isinstance(spec, dict):
            raise EvalFileError(f"{where} must be a table")
        if spec.get("kb") not in kbs:
            raise EvalFileError(f"{where} kb must name one of [kb.*]: {', '.join(sorted(kbs)) or 'none defined'}")
        if spec.get("split") not in SPLITS:
            raise EvalFileError(f"{where} split must be 'dev' or 'test', not {spec.get('split')!r}")
        gates = {t: spec[t] for t in GATE_TABLES if t in spec}
        thresholds = thresholds_from_tables(gates, f"{where}")
        if gates and spec["split"] != "test":
            raise EvalFileError(f"{where} only test sets gate: move its [min]/[max] to a test set or drop them")
        sets.append(EvalSet(
            name=name, questions=_resolve(base, spec.get("questions"), f"{where} questions"), kb=kbs[spec["kb"]],
            split=spec["split"], pair=spec.get("pair"), thresholds=thresholds,
            gated=spec["split"] == "test" and bool(thresholds.min or thresholds.max),
        ))
    if not sets:
        raise EvalFileError(f"{path}: no [sets.NAME] tables")
    return sets


def select(sets: list[EvalSet], names: list[str] | None = None, split: str | None = None) -> list[EvalSet]:
    """The sets named (all when none), of one split when given; an unknown name is an error that lists the known."""
    if names:
        known = {s.name for s in sets}
        missing = [n for n in names if n not in known]
        if missing:
            raise EvalFileError(f"unknown set(s) {', '.join(missing)}; known: {', '.join(sorted(known))}")
        sets = [s for s in sets if s.name in names]
    if split is not None:
        if split not in SPLITS:
            raise EvalFileError(f"--split must be dev or test, not {split!r}")
        sets = [s for s in sets if s.split == split]
    if not sets:
        raise EvalFileError("no eval set matches the --set/--split given")
    return sets
