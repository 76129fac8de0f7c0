"""The refusal curve: refusal recall against false-refusal rate as a threshold on one answerability score moves.

The score is the answer's own calibrated P(answerable) (`Answer.refusal_score`, or the `score` of the chain's
support object). Higher means more answerable; an item counts as refused at threshold t when its score < t.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

MAX_FALSE_REFUSAL = 0.03  # the operating point the issue asks refusal to be calibrated for


def support_fields(support: Any) -> dict[str, Any] | None:
    """The support object as a plain dict for results.jsonl (None when there is none)."""
    if support is None:
        return None
    if is_dataclass(support) and not isinstance(support, type):
        return {k: v for k, v in asdict(support).items() if isinstance(v, bool | int | float | str) or v is None}
    if isinstance(support, Mapping):
        return {k: v for k, v in support.items() if isinstance(v, bool | int | float | str) or v is None}
    return None


def answerability_score(answer: Any, support: Any) -> tuple[float | None, str | None]:
    """(score, where it came from): the answer's own score, else its support's; (None, None) when neither has one."""
    for owner, name, source in ((answer, "refusal_score", "answer.refusal_score"), (support, "score", "support.score")):
        value = getattr(owner, name, None)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value), source
    return None, None


def refusal_curve(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Points (threshold, false_refusal_rate, refusal_recall) over every distinct score, and the recall at the
    strictest threshold that keeps false refusals <= 3 %; None without both answerable and unanswerable scores."""
    scored = [(float(r["refusal_score"]), bool(r["answerable"])) for r in rows if r.get("refusal_score") is not None]
    pos = sorted(s for s, a in scored if a)
    neg = sorted(s for s, a in scored if not a)
    if not pos or not neg:
        return None
    thresholds = sorted({s for s, _ in scored} | {math.inf})
    # (threshold, false-refusal rate, refusal recall); refused when score < t, so t just above a score refuses it
    triples = [(t, sum(1 for s in pos if s < t) / len(pos), sum(1 for s in neg if s < t) / len(neg))
               for t in [-math.inf, *thresholds]]
    points = [{"threshold": t if math.isfinite(t) else None, "false_refusal_rate": round(fr, 4),
               "refusal_recall": round(rr, 4)} for t, fr, rr in triples]
    ok = [(t, fr, rr) for t, fr, rr in triples if fr <= MAX_FALSE_REFUSAL + 1e-12]
    best = max(ok, key=lambda x: (x[2], -x[1])) if ok else None
    # area under recall(false refusal): the chance an unanswerable item scores below an answerable one
    auc = sum((1.0 if n < p else 0.5 if n == p else 0.0) for n in neg for p in pos) / (len(neg) * len(pos))
    return {
        "n_answerable": len(pos), "n_unanswerable": len(neg), "points": points, "auc": round(auc, 4),
        "max_false_refusal": MAX_FALSE_REFUSAL,
        "recall_at_max_false_refusal": round(best[2], 4) if best else None,
        # null: refuse nothing (-inf); a number t: refuse every item scoring below t
        "threshold_at_max_false_refusal": best[0] if best and math.isfinite(best[0]) else None,
    }
