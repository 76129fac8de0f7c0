"""Per section: retrieve for topic + section intent, keep the sentences about the topic, then hand out the best
ones round-robin so every section gets its own best points and no point appears twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.drafting import evidence, points
from assistant.drafting.templates import SectionSpec
from assistant.models import Hit
from assistant.retrieve.hybrid import Retriever

HITS_PER_SECTION = 8
MAX_POINTS = 5
RELATIVE_FLOOR = 0.6  # a point scores at least this share of its section's best (the answer chain keeps 0.75)
CONCRETE_WEIGHT = 0.15  # bonus for a number, a responsible body, a deadline (at most this much)


@dataclass
class SectionPlan:
    """A section's passages and its candidate points (best first), before and after the hand-out."""

    spec: SectionSpec
    hits: list[Hit]
    candidates: list[evidence.Candidate]
    chosen: list[evidence.Candidate] = field(default_factory=list)


def point_text(candidate: evidence.Candidate, section: str = "") -> str:
    """What the point says: the sentence without a glued heading, lightly trimmed (verbatim from the passage)."""
    return points.trim(evidence.without_heading(candidate, section))


def fit(candidate: evidence.Candidate) -> float:
    return candidate.score + CONCRETE_WEIGHT * points.concreteness(candidate.text)


def gather(
    retriever: Retriever, topic: str, specs: tuple[SectionSpec, ...], stats: evidence.CorpusStats,
    sources: list[str] | None = None, progress: Callable[[int, int, str], None] | None = None,
) -> list[SectionPlan]:
    """Each section's hits and candidate points: sentences that state something and are about the topic."""
    terms = evidence.topic_terms(topic, stats.idf)
    plans = []
    for i, spec in enumerate(specs):
        if progress:
            progress(i, len(specs), spec.heading)
        query = f"{topic} {spec.heading} {spec.intent}".strip()
        hits = retriever.search(query, k=HITS_PER_SECTION, sources=sources)
        ranked = evidence.rank_sentences(query, terms, hits, stats)
        keep = [c for c in ranked if c.topic >= evidence.MIN_COVERAGE and points.is_statement(point_text(c, spec.heading))]
        plans.append(SectionPlan(spec, hits, sorted(keep, key=fit, reverse=True)))
    if progress:
        progress(len(specs), len(specs), "")
    return plans


def hand_out(plans: list[SectionPlan], max_points: int = MAX_POINTS) -> list[SectionPlan]:
    """Round-robin over sections, each taking its best remaining candidate that is no near-duplicate of a point
    already taken anywhere, until every section has max_points or nothing good enough is left."""
    taken: list[str] = []
    best = [fit(p.candidates[0]) if p.candidates else 0.0 for p in plans]
    queues = [list(p.candidates) for p in plans]
    for plan in plans:
        plan.chosen = []
    progressing = True
    while progressing:
        progressing = False
        for plan, queue, top in zip(plans, queues, best, strict=True):
            if len(plan.chosen) >= max_points:
                continue
            while queue:
                cand = queue.pop(0)
                if fit(cand) < RELATIVE_FLOOR * top:
                    queue.clear()
                    break
                text = point_text(cand, plan.spec.heading)
                if any(evidence.near_duplicate(text, t) for t in taken):
                    continue
                plan.chosen.append(cand)
                taken.append(text)
                progressing = True
                break
    for plan in plans:  # a plan's points read in the order of their passages, as the documents list them
        plan.chosen.sort(key=lambda c: (c.hit.rank, c.start))
    return plans
