"""The one adapter to the answer chain (assistant/answer/): its sentence candidates and scoring, its refusal
assessment and its verifier, behind a few drafting-shaped functions so a change there is met here only."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer import evidence as answer_evidence
from assistant.answer import extractive
from assistant.answer.analysis import analyse
from assistant.answer.chain import AnswerChain, AnswerState
from assistant.answer.refusal import corpus_blob
from assistant.answer.terms import GENERIC, question_terms
from assistant.answer.verify import SUPPORT_THRESHOLD, best_quote, exact_facts_missing, split_claims, support
from assistant.models import Hit
from assistant.retrieve.hybrid import Retriever
from assistant.text.zh import outline_mark, strip_leading_heading

__all__ = ["MIN_COVERAGE", "Candidate", "CorpusStats", "Verified", "near_duplicate", "rank_sentences", "sentences_of", "split_points",
           "topic_covered", "topic_terms", "verify_point", "without_heading"]


MIN_COVERAGE = 0.4  # idf-weighted share of the topic's specific terms a point's sentence (under its title) must hold


@dataclass
class CorpusStats:
    """idf of every token and all stored text, for the index state they were computed on, and the answer chain
    whose evidence model scores sentences and whose refusal model decides whether a topic is covered."""

    idf: dict[str, float]
    blob: str
    fingerprint: str
    chain: AnswerChain

    @classmethod
    def of(cls, retriever: Retriever) -> CorpusStats:
        records = list(retriever.records.values())
        return cls(
            extractive.idf_table([r["metadata"].get("tokens", "").split() for r in records]),
            corpus_blob([r["text"] for r in records]),
            retriever.fingerprint,
            AnswerChain(retriever.settings, retriever, llm=None),
        )


@dataclass
class Candidate:
    """A corpus sentence that could become a point: its passage, where it sits, and how well it fits."""

    hit: Hit
    start: int
    end: int
    text: str  # the sentence, verbatim from hit.text[start:end]
    score: float  # the answer chain's sentence score for the section's query
    topic: float  # idf-weighted share of the topic's specific terms, read under the passage's title and heading


def topic_terms(topic: str, idf: dict[str, float] | None = None) -> tuple[str, ...]:
    """The words that say what the topic is about (generic words such as 教育, 推进 left out), and the corpus words
    inside a compound one ('城乡教育共同体' -> 城乡, 共同体), so '城乡义务教育共同体' is about it too."""
    terms = question_terms(topic)
    found = list(terms.specific or terms.terms)
    for term in list(found):
        for size in range(2, len(term)):
            for i in range(len(term) - size + 1):
                part = term[i : i + size]
                if idf is not None and part in idf and part not in GENERIC and part not in found:
                    found.append(part)
    return tuple(found)


def topic_covered(topic: str, hits: list[Hit], stats: CorpusStats) -> bool:
    """The answer chain's refusal assessment, asked of the topic itself: False when the corpus does not cover it."""
    if not hits:
        return False
    state = AnswerState(topic, standalone_question=topic, analysis=analyse(topic), hits=hits,
                        passages=[answer_evidence.Passage(h, i) for i, h in enumerate(hits)])
    support = stats.chain.assess(state).support
    return support is not None and not support.refused


def rank_sentences(query: str, topic: tuple[str, ...], hits: list[Hit], stats: CorpusStats) -> list[Candidate]:
    """Every sentence of the hits scored for the section's query by the answer chain's evidence model (best
    first), with its topic coverage."""
    ranked = stats.chain.rank(analyse(query), [answer_evidence.Passage(h, i) for i, h in enumerate(hits)])
    found = []
    for scored in ranked:
        ev = scored.evidence
        hit = hits[ev.hit]
        context = f"{hit.article_title} {hit.heading} {ev.text}"
        found.append(Candidate(hit, ev.start, ev.end, ev.text, scored.p,
                               extractive.weighted_coverage(context, topic, stats.idf)))
    return found


def sentences_of(hits: list[Hit]) -> list[tuple[Hit, str]]:
    """The sentences of the hits that could stand as a point (the answer chain's candidates), in hit order."""
    return [(hits[ev.hit], ev.text) for ev in extractive.candidates(hits)]


def without_heading(candidate: Candidate, section: str = "") -> str:
    """The sentence without a heading glued to its start: one the structure step found ('二、总体目标深入推进…'),
    the same without its marker, or the draft section's own heading ('指导思想以…为指导')."""
    hit = candidate.hit
    parts = [p.strip() for p in hit.heading.split(" > ") if p.strip()]
    bare = [mark.heading for mark in map(outline_mark, parts) if mark is not None]
    return strip_leading_heading(candidate.text, [hit.article_title, *parts, *bare, section] if section else
                                 [hit.article_title, *parts, *bare])


def near_duplicate(a: str, b: str) -> bool:
    return extractive.near_duplicate(a, b)


@dataclass
class Verified:
    """An LLM point that its cited passages support: its text without markers and the passages it cites."""

    text: str
    hits: list[Hit]
    quotes: list[str]


def verify_point(line: str, hits: list[Hit]) -> Verified | None:
    """One rewritten point checked as the answer chain checks a sentence: cited passages that exist, enough of its
    words in them, every number and 《title》 verbatim. None when it is not supported."""
    claims = split_claims(line)
    if len(claims) != 1:
        return None  # a point is one sentence; several sentences are checked as one claim each by the caller
    claim = claims[0]
    valid = sorted({n for n in claim.cites if 1 <= n <= len(hits)})
    cited = [hits[n - 1] for n in valid]
    texts = [h.text for h in cited]
    if not valid or support(claim.text, texts) < SUPPORT_THRESHOLD or exact_facts_missing(claim.text, texts):
        return None
    return Verified(claim.text, cited, [best_quote(h, [claim.text]) for h in cited])


def split_points(text: str) -> list[str]:
    """An LLM reply cut into point sentences, each keeping its own [n] markers."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("-*•·").strip()
        if line:
            lines.extend(f"{c.text}" + "".join(f"[{n}]" for n in c.cites) for c in split_claims(line))
    return lines
