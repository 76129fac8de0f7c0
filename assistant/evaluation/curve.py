"""The refusal curve: refusal recall against false-refusal rate as a threshold on one answerability score moves.

The score is the answer's own when it exposes one (`Answer.refusal_score` or a `score` on the chain's support
object); otherwise it is derived from today's `refusal.Support` as the smallest margin by which its rule's
continuous conditions hold (negative = refused by them; a hard veto such as a missing asked-for number = -1).
Higher means more answerable; an item counts as refused at threshold t when its score < t.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

VETO = -1.0  # below every continuous margin: a vetoed item is refused until the threshold drops under it
VETO_FIELDS = ("number_missing", "ordinal_missing", "named_missing")
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


def margin_score(fields: Mapping[str, Any], rule: Any) -> float | None:
    """Today's rule (assistant.answer.refusal) as one number; None when the fields or constants it needs are gone."""
    try:
        if any(fields.get(name) for name in VETO_FIELDS):
            return VETO
        dense = float(fields["dense_top"])
        margins = [
            max(float(fields["coverage"]) - rule.MIN_COVERAGE, dense - rule.COVERAGE_DENSE),
            max(rule.MAX_UNKNOWN - float(fields["unknown"]), dense - rule.UNKNOWN_DENSE),
            float(fields["sentence_score"]) - rule.MIN_SENTENCE_SCORE,
            float(fields["counted"]) - rule.MIN_COUNTED,
        ]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return round(max(VETO, min(margins)), 4)


def answerability_score(answer: Any, support: Any, rule: Any) -> tuple[float | None, str | None]:
    """(score, where it came from): the answer's own score, the support's, or the margin of today's rule."""
    for owner, name, source in ((answer, "refusal_score", "answer.refusal_score"), (support, "score", "support.score")):
        value = getattr(owner, name, None)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value), source
    fields = support_fields(support)
    if fields is None:
        return None, None
    score = margin_score(fields, rule)
    return (score, "refusal-rule margin") if score is not None else (None, None)


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
