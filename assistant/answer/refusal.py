"""When to say 资料中未找到依据: one logistic model over general features, calibrated on the dev sets.

Features: how well the best sentence answers (the evidence model's probability), how much of the question's
rarest content terms the best passages hold, how much of what the asked number, date or role holder is about the
best sentence of that form holds (focus), whether a sentence of the asked answer type was found, how far
the best sentence's cosine stands above the corpus background, the share of the question's terms the corpus
never uses, and whether its places and named documents are present. The model gives P(answerable); the
answer is refused below the threshold chosen on dev to refuse no answerable dev question (weights/<model>.json).

Two general rules stay absolute: a name the question quotes or puts in 《》 must occur in the corpus, and an
asked n-th item ('第二个…') must be listed by the passage the answer is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answer.extractive import Evidence, weighted_coverage
from assistant.answer.terms import QuestionTerms
from assistant.models import Hit
from assistant.text import zh
from assistant.text.zh import has_nth_item

REFUSAL_TEXT = "资料中未找到依据。"
REFUSAL_FEATURES = (
    "best_p", "rare_coverage", "type_found", "dense_margin", "unknown", "places_present",
    "counted", "focus",
)


@dataclass(frozen=True)
class Support:
    """The evidence numbers behind a refusal decision (kept in the answer for calibration: refusal_score)."""

    coverage: float
    unknown: float
    number_missing: bool = False  # no sentence of the top passages has the asked answer type (number, date…)
    dense_top: float = 0.0
    sentence_score: float = 1.0
    counted: float = 1.0  # share of the counted/listed thing ('成员学校') that the answer sentences name
    ordinal_missing: bool = False  # '第二个…' asked, but the answer's passages list no second item
    named_missing: bool = False  # a quoted or 《》 name of the question that no stored text contains
    features: dict[str, float] = field(default_factory=dict)
    score: float = 1.0  # the calibrated P(answerable); refused below threshold
    threshold: float = 0.0

    @property
    def refused(self) -> bool:
        return self.named_missing or self.ordinal_missing or self.score < self.threshold


def refusal_features(
    terms: QuestionTerms,
    hits: list[Hit],
    chosen: list[Evidence],
    corpus_text: str,
    idf: dict[str, float],
    *,
    best_p: float = 0.0,
    type_found: bool = True,
    dense_margin: float = 0.0,
    places: tuple[str, ...] = (),
    core: tuple[str, ...] = (),
    answering: tuple[str, ...] | None = None,
    top: int = 3,
) -> dict[str, float]:
    """The refusal model's inputs for one question (see the module docstring)."""
    specific = terms.specific or terms.terms
    weights = _term_weights(specific, idf, corpus_text)
    passages = [f"{h.article_title} {h.text}" for h in hits[:top]]
    coverage = max((weighted_coverage(p, specific, weights) for p in passages), default=0.0) if specific else 1.0
    rare = sorted(specific, key=lambda t: -weights.get(t, 0.0))[:2]
    rare_coverage = max((weighted_coverage(p, tuple(rare), weights) for p in passages), default=0.0) if rare else 1.0
    total = sum(weights.values())
    unknown = sum(w for t, w in weights.items() if t not in corpus_text) / total if total else 0.0
    blob = zh.compact(" ".join(passages + [" ".join(h.tokens) for h in hits[:top]])).lower()
    places_present = sum(1 for p in places if zh.compact(p).lower() in blob) / len(places) if places else 1.0
    counted = 1.0
    if terms.counted:
        said = "".join(e.text for e in chosen)
        counted = weighted_coverage(said, terms.counted, _term_weights(terms.counted, idf, corpus_text)) if said else 0.0
    return {
        "focus": focus_coverage(core, answering, idf, corpus_text),
        "best_p": best_p, "rare_coverage": rare_coverage, "coverage": coverage, "type_found": float(type_found),
        "dense_margin": dense_margin, "unknown": unknown, "places_present": places_present, "counted": counted,
    }


def assess(
    terms: QuestionTerms,
    hits: list[Hit],
    chosen: list[Evidence],
    corpus_text: str,
    idf: dict[str, float],
    *,
    features: dict[str, float] | None = None,
    score: float = 1.0,
    threshold: float = 0.0,
) -> Support:
    """The support of an answer: the model's score against its threshold, and the two absolute rules."""
    features = features if features is not None else refusal_features(terms, hits, chosen, corpus_text, idf)
    named_missing = any(zh.compact(name).lower() not in corpus_text for name in terms.named)
    # the passage of the best sentence is the one the answer is about: another chosen passage that happens to
    # number its own points ('三、基本原则1.… 2.…') does not list the asked item
    lead = max(chosen, key=lambda e: e.score, default=None)
    ordinal_missing = terms.ordinal > 1 and not (lead and has_nth_item(hits[lead.hit].text, terms.ordinal))
    if not hits:
        score = 0.0
    return Support(
        coverage=round(features.get("coverage", 0.0), 3), unknown=round(features.get("unknown", 0.0), 3),
        number_missing=not features.get("type_found", 1.0),
        dense_top=round(max((h.dense_score for h in hits), default=0.0), 4),
        sentence_score=round(max((e.score for e in chosen), default=0.0), 3),
        counted=round(features.get("counted", 1.0), 3), ordinal_missing=ordinal_missing,
        named_missing=named_missing, features=features, score=round(score, 4), threshold=threshold,
    )


def focus_coverage(core: tuple[str, ...], answering: tuple[str, ...] | None, idf: dict[str, float], corpus_text: str) -> float:
    """The idf-weighted share of the question's core terms (what the asked fact is about) that the best of the
    sentences that could answer holds, read with its article title and heading: '专职督学的任期是几年' is not
    answered by a sentence with a number of years that says nothing of 任期. (All core terms, not only the
    rarest: a colloquial word of the question that the law puts otherwise must not sink an answerable question.)"""
    if not core or answering is None:  # nothing asked of a form that must name its subject
        return 1.0
    weights = _term_weights(core, idf, corpus_text)
    return max((weighted_coverage(text, core, weights) for text in answering), default=0.0)


def _term_weights(terms: tuple[str, ...], idf: dict[str, float], corpus_text: str) -> dict[str, float]:
    """idf of each term; a term the corpus never uses is rarer than any it does: it weighs as the rarest known."""
    rarest = max(idf.values(), default=1.0)
    return {t: idf.get(t, rarest) if t in corpus_text else rarest for t in terms}


def corpus_blob(texts: list[str]) -> str:
    """All stored text, compact and lower-cased, for 'does the corpus mention this term at all' checks."""
    return "\n".join(zh.compact(t).lower() for t in texts)
