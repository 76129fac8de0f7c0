"""When to say 资料中未找到依据: the question's own terms must be covered by the passages, not just be near them.

A similarity threshold alone does not separate unanswerable questions (their top cosine overlaps answerable
ones'); what does is whether the specific terms of the question (entities, the thing asked about) occur in
the best passages, whether they occur in the corpus at all, and, when a number or date is asked for,
whether the chosen sentences hold one (with the asked 每天/每次 qualifier); what is counted or listed
('多少名在校学生') must be named by the answer sentences, and an asked n-th item ('第二个') must be listed. Thresholds are calibrated on eval/ (see bench/answer.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer.extractive import Evidence, candidates, weighted_coverage
from assistant.answer.terms import QuestionTerms
from assistant.models import Hit
from assistant.text import zh
from assistant.text.zh import has_nth_item

REFUSAL_TEXT = "资料中未找到依据。"
# Calibrated on eval/ (146 items; see the closing note): refuse when ...
MIN_COVERAGE = 0.4  # ... the top passages hold under this idf-weighted share of the question's specific terms
COVERAGE_DENSE = 0.86  # ... and the best dense match is also weak (paraphrases share few words but match densely)
MAX_UNKNOWN = 0.3  # ... or this share of the terms never occurs in the corpus
UNKNOWN_DENSE = 0.88  # ... and the best dense match is not strong
MIN_SENTENCE_SCORE = 0.5  # ... or even the best sentence is a poor answer
# ... or the answer sentences name under this idf-weighted share of what is counted/listed ('多少名在校学生'):
# answerable items score >= 0.61 ('哪位副校长负责家校合作'), '20多名学生' for 在校学生 0.0, 成员学校 0.07
MIN_COUNTED = 0.5
# ... or the question names, in quotes or 《》, something the corpus never mentions (“双减”, “3+1+2”): on eval/
# every quoted name of an answerable item is in the corpus, and the three that are not belong to unanswerable ones


@dataclass(frozen=True)
class Support:
    """The evidence numbers behind a refusal decision (kept in eval results for calibration)."""

    coverage: float
    unknown: float
    number_missing: bool  # the number (or who-did-what) the question asks for is in no matching sentence
    dense_top: float = 0.0

    sentence_score: float = 1.0
    counted: float = 1.0  # share of the counted/listed thing ('成员学校') that the answer sentences name
    ordinal_missing: bool = False  # '第二个…' asked, but the answer's passages list no second item
    named_missing: bool = False  # a quoted or 《》 name of the question that no stored text contains

    @property
    def refused(self) -> bool:
        return (
            self.number_missing
            or (self.coverage < MIN_COVERAGE and self.dense_top < COVERAGE_DENSE)
            or (self.unknown > MAX_UNKNOWN and self.dense_top < UNKNOWN_DENSE)
            or self.sentence_score < MIN_SENTENCE_SCORE
            or self.counted < MIN_COUNTED
            or self.ordinal_missing
            or self.named_missing
        )


def assess(
    terms: QuestionTerms,
    hits: list[Hit],
    chosen: list[Evidence],
    corpus_text: str,
    idf: dict[str, float],
    top: int = 3,
) -> Support:
    """Measure how well the retrieved passages support an answer to the question."""
    specific = terms.specific or terms.terms
    dense_top = max((h.dense_score for h in hits), default=0.0)
    named_missing = any(zh.compact(name).lower() not in corpus_text for name in terms.named)
    if not hits or not specific:
        return Support(0.0 if not hits else 1.0, 0.0, False, dense_top, named_missing=named_missing)
    weights = _term_weights(specific, idf, corpus_text)
    coverage = max(weighted_coverage(h.text, specific, weights) for h in hits[:top])
    total = sum(weights.values())
    unknown = sum(w for t, w in weights.items() if t not in corpus_text) / total if total else 0.0
    # the asked-for number may sit in any well-matching sentence of the top passages, not only the chosen ones
    pool = list(chosen) + [e for e in candidates(hits[:top]) if weighted_coverage(e.text, specific, weights) >= 0.3]
    number_missing = terms.asks_specific_fact and not any(terms.answers_fact(e.text) for e in pool)
    best = max((e.score for e in chosen), default=0.0)  # chosen is in text order, not best first
    counted = 1.0
    if terms.counted:
        said = [e.text for e in chosen]
        cw = _term_weights(terms.counted, idf, corpus_text)
        counted = weighted_coverage("".join(said), terms.counted, cw) if said else 0.0
    # the passage of the best sentence is the one the answer is about: another chosen passage that happens to
    # number its own points ('三、基本原则1.… 2.…') does not list the asked item
    lead = max(chosen, key=lambda e: e.score, default=None)
    ordinal_missing = terms.ordinal > 1 and not (lead and has_nth_item(hits[lead.hit].text, terms.ordinal))
    return Support(round(coverage, 3), round(unknown, 3), number_missing, round(dense_top, 4), round(best, 3),
                   round(counted, 3), ordinal_missing, named_missing)


def _term_weights(terms: tuple[str, ...], idf: dict[str, float], corpus_text: str) -> dict[str, float]:
    """idf of each term; a term the corpus never uses is rarer than any it does: it weighs as the rarest known."""
    rarest = max(idf.values(), default=1.0)
    return {t: idf.get(t, rarest) if t in corpus_text else rarest for t in terms}


def corpus_blob(texts: list[str]) -> str:
    """All stored text, compact and lower-cased, for 'does the corpus mention this term at all' checks."""
    return "\n".join(zh.compact(t).lower() for t in texts)
