"""Eval metrics as pure functions: per-item values from one answer, summaries over items, threshold and baseline checks.

Conventions (documented in eval/thresholds.toml as well):
- retrieval (hit@1, hit@5, mrr@10), citation_hit and false_refusal_rate are over answerable items;
  refusal_recall over unanswerable items; refusal_precision over refused items; citation_precision over the
  citations of answers that were not refused; latency percentiles over every answered item.
- A metric whose denominator is empty is None (JSON null), never a made-up 0 or 1: e.g. refusal_precision when
  nothing was refused, or hit@1 for the 'unanswerable' type. Threshold and baseline checks skip None values
  (a system that never refuses still fails on refusal_recall = 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.verify import SUPPORT_THRESHOLD, split_claims, support
from assistant.evaluation.gold import contains_all, gold_rank, retrieval_metrics
from assistant.models import Citation
from assistant.text import zh

METRICS = (
    "hit@1", "hit@5", "mrr@10", "citation_hit", "citation_precision", "refusal_recall",
    "refusal_precision", "false_refusal_rate", "latency_p50_ms", "latency_p95_ms",
)
OPTIONAL_METRICS = ("faithfulness",)  # only with --judge
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "latency_p50_ms", "latency_p95_ms"})
LATENCY = frozenset({"latency_p50_ms", "latency_p95_ms"})
RETRIEVAL_DEPTH = 10  # ranks kept per item: MRR@10


# ---------------------------------------------------------------- small helpers
def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation between closest ranks (numpy's default); None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    pos = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _ratio(num: int | float, den: int | float) -> float | None:
    return num / den if den else None


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def needs_single_passage(gold: Sequence[str], stored_texts: Iterable[str]) -> bool:
    """True when some stored chunk holds every gold string (the item is then judged on one passage)."""
    return bool(gold) and any(contains_all(text, gold) for text in stored_texts)


# ---------------------------------------------------------------- per item
def citation_checks(answer: str, citations: Sequence[Citation], threshold: float = SUPPORT_THRESHOLD) -> list[dict[str, Any]]:
    """For each citation: is its quote in the cited chunk, and is every sentence citing it supported by that chunk?

    Support is the chain's own verifier, `verify.support(sentence, [citation.text])`; a citation no sentence
    refers to counts as unsupported.
    """
    claims = split_claims(answer)
    checks = []
    for c in citations:
        sentences = [claim.text for claim in claims if c.n in claim.cites]
        scores = [support(s, [c.text]) for s in sentences]
        quote_in_text = bool(zh.compact(c.quote)) and zh.compact(c.quote) in zh.compact(c.text)
        supported = bool(scores) and min(scores) >= threshold
        checks.append({
            "n": c.n, "quote_in_text": quote_in_text, "support": round(min(scores), 3) if scores else None,
            "supported": supported, "ok": quote_in_text and supported,
        })
    return checks


def cites_gold(cited_texts: Sequence[str], gold: Sequence[str], single_passage: bool) -> bool:
    """A gold passage is cited: one cited text holds all gold, or (multi-passage) the cited texts cover it together."""
    return bool(gold) and gold_rank(cited_texts, gold, single_passage=single_passage) is not None


def item_metrics(
    *,
    gold: Sequence[str],
    answerable: bool,
    single_passage: bool,
    retrieved_texts: Sequence[str],
    answer: str,
    citations: Sequence[Citation],
    refused: bool,
) -> dict[str, Any]:
    """Per-item values stored in results.jsonl and summed up by `summarize`."""
    rank = gold_rank(list(retrieved_texts)[:RETRIEVAL_DEPTH], gold, single_passage) if answerable else None
    checks = [] if refused else citation_checks(answer, citations)
    return {
        "single_passage": single_passage,
        "gold_rank": rank,
        "hit@1": None if not answerable else rank is not None and rank <= 1,
        "hit@5": None if not answerable else rank is not None and rank <= 5,
        "rr@10": None if not answerable else (1.0 / rank if rank is not None and rank <= RETRIEVAL_DEPTH else 0.0),
        "citation_hit": None if not answerable else (not refused and cites_gold([c.text for c in citations], gold, single_passage)),
        "citation_checks": checks,
        "citations_total": len(checks),
        "citations_ok": sum(1 for c in checks if c["ok"]),
        "refusal_correct": refused != answerable,
    }


def failure_reasons(row: Mapping[str, Any], judge_floor: float = 0.5) -> list[str]:
    """Why an item counts as failing in the report (empty when it passed)."""
    reasons = []
    if row.get("error"):
        reasons.append(f"error: {row['error']}")
    if row["answerable"]:
        if row["refused"]:
            reasons.append("answerable but refused")
        elif not row["citation_hit"]:
            reasons.append("no cited passage holds the gold")
        if row["gold_rank"] is None or row["gold_rank"] > 5:
            reasons.append("gold passage not retrieved in top 5")
    elif not row["refused"]:
        reasons.append("unanswerable but answered")
    if row["citations_ok"] < row["citations_total"]:
        reasons.append(f"{row['citations_total'] - row['citations_ok']} of {row['citations_total']} citations unsupported")
    if row.get("faithfulness") is not None and row["faithfulness"] < judge_floor:
        reasons.append(f"judge faithfulness {row['faithfulness']:.2f}")
    return reasons


# ---------------------------------------------------------------- summaries
def summarize(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """The metric dict (keys METRICS, plus 'faithfulness' when any row was judged) over result rows."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    refused = [r for r in rows if r["refused"]]
    if answerable:
        retrieval: dict[str, float | None] = dict(retrieval_metrics([r["gold_rank"] for r in answerable]))
    else:
        retrieval = {"hit@1": None, "hit@5": None, "mrr@10": None}
    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    out: dict[str, float | None] = {
        **retrieval,
        "citation_hit": _ratio(sum(1 for r in answerable if r["citation_hit"]), len(answerable)),
        "citation_precision": _ratio(sum(r["citations_ok"] for r in rows if not r["refused"]),
                                     sum(r["citations_total"] for r in rows if not r["refused"])),
        "refusal_recall": _ratio(sum(1 for r in unanswerable if r["refused"]), len(unanswerable)),
        "refusal_precision": _ratio(sum(1 for r in refused if not r["answerable"]), len(refused)),
        "false_refusal_rate": _ratio(sum(1 for r in answerable if r["refused"]), len(answerable)),
        "latency_p50_ms": None if p50 is None else round(p50, 1),
        "latency_p95_ms": None if p95 is None else round(p95, 1),
    }
    out = {k: (v if k in LATENCY else _round(v)) for k, v in out.items()}
    if any("faithfulness" in r for r in rows):
        scores = [r["faithfulness"] for r in rows if r.get("faithfulness") is not None]
        out["faithfulness"] = _round(sum(scores) / len(scores)) if scores else None
    return out


def by_type(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | None]]:
    """`summarize` per item type, in order of first appearance; any type string is its own group."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r["type"], []).append(r)
    return {t: summarize(g) for t, g in groups.items()}


# ---------------------------------------------------------------- gates
@dataclass
class Thresholds:
    """Minimums, maximums and baseline tolerances per metric (eval/thresholds.toml)."""

    min: dict[str, float] = field(default_factory=dict)
    max: dict[str, float] = field(default_factory=dict)
    tolerance: dict[str, float] = field(default_factory=dict)
    default_tolerance: float = 0.02  # for non-latency metrics missing from [tolerance]

    def limit(self, metric: str) -> str:
        parts = []
        if metric in self.min:
            parts.append(f"≥ {self.min[metric]:g}")
        if metric in self.max:
            parts.append(f"≤ {self.max[metric]:g}")
        return ", ".join(parts)

    def tolerance_for(self, metric: str) -> float | None:
        """Allowed drop against a baseline; None = not compared (latency unless listed: it is machine-bound)."""
        if metric in self.tolerance:
            return self.tolerance[metric]
        return None if metric in LATENCY else self.default_tolerance


@dataclass(frozen=True)
class Finding:
    """One failed gate: a threshold broken or a regression against the baseline."""

    metric: str
    value: float
    limit: float
    kind: str  # 'min' | 'max' | 'regression'
    baseline: float | None = None

    def describe(self) -> str:
        if self.kind == "regression":
            return f"{self.metric} {self.value:g} regressed from baseline {self.baseline:g} (tolerance {self.limit:g})"
        sign = "<" if self.kind == "min" else ">"
        return f"{self.metric} {self.value:g} {sign} {self.kind} {self.limit:g}"

    def to_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "value": self.value, "limit": self.limit, "kind": self.kind,
                "baseline": self.baseline, "message": self.describe()}


def check_thresholds(overall: Mapping[str, float | None], thresholds: Thresholds) -> list[Finding]:
    """Broken minimums and maximums (None values are not measurable and skipped)."""
    found = []
    for metric, limit in thresholds.min.items():
        value = overall.get(metric)
        if value is not None and value < limit:
            found.append(Finding(metric, value, limit, "min"))
    for metric, limit in thresholds.max.items():
        value = overall.get(metric)
        if value is not None and value > limit:
            found.append(Finding(metric, value, limit, "max"))
    return found


def compare_baseline(current: Mapping[str, float | None], baseline: Mapping[str, float | None],
                     thresholds: Thresholds) -> list[Finding]:
    """Metrics worse than the baseline by more than their tolerance (lower-is-better metrics by going up)."""
    found = []
    for metric in (*METRICS, *OPTIONAL_METRICS):
        now, before, tol = current.get(metric), baseline.get(metric), thresholds.tolerance_for(metric)
        if now is None or before is None or tol is None:
            continue
        worse = now - before if metric in LOWER_IS_BETTER else before - now
        if worse > tol + 1e-9:
            found.append(Finding(metric, now, tol, "regression", before))
    return found
