"""Check a drafted answer against its passages: drop citations outside the retrieved set and sentences the
cited passages do not support; renumber what is left and attach each citation's supporting quote."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer.extractive import _bigrams
from assistant.answer.terms import QUESTION_WORDS
from assistant.models import Citation, Hit
from assistant.text import zh
from assistant.text.tokenizer import tokenize

MARK = re.compile(r"\[(\d{1,3})\]")
SUPPORT_THRESHOLD = 0.6  # share of a sentence's content words found in the passages it cites
_EXACT = re.compile(r"\d+(?:\.\d+)?|《[^》]{2,60}》")  # numbers and document titles: never paraphrased


@dataclass
class Claim:
    """One answer sentence and the passage numbers it cites (1-based into the hit list)."""

    text: str
    cites: list[int]


def split_claims(answer: str) -> list[Claim]:
    """Sentences of an answer with their [n] markers ('…。[1]' and '…[1]。' both attach to the sentence)."""
    text = re.sub(r"([。！？；])\s*((?:\[\d{1,3}\])+)", r"\2\1", answer.strip())
    claims = []
    for sentence in zh.split_sentences(text):
        cites = [int(n) for n in MARK.findall(sentence)]
        body = MARK.sub("", sentence).strip()
        if body:
            claims.append(Claim(body, cites))
    return claims


def support(sentence: str, passages: list[str]) -> float:
    """Share of the sentence's content words that occur in the cited passages (jieba tokens, substring match)."""
    words = [t for t in tokenize(sentence) if t not in QUESTION_WORDS and (len(t) > 1 or t.isdigit())]
    if not words:
        return 1.0
    flat = "".join(zh.compact(p).lower() for p in passages)
    return sum(1 for w in words if w in flat) / len(words)


def exact_facts_missing(sentence: str, passages: list[str]) -> list[str]:
    """Numbers and 《titles》 of the sentence that no cited passage holds: word overlap cannot catch 603 -> 604."""
    flat = "".join(zh.compact(p) for p in passages)
    return [f for f in _EXACT.findall(zh.compact(sentence)) if f not in flat]


def best_quote(hit: Hit, claims: list[str]) -> str:
    """The passage sentence that shares most with the claims citing it (verbatim from the passage)."""
    target = set().union(*(_bigrams(c) for c in claims)) if claims else set()
    sentences = [hit.text[s:e] for s, e in zh.sentence_spans(hit.text)] or [hit.text]
    return max(sentences, key=lambda s: (len(_bigrams(s) & target), -abs(len(s) - 60)))


def citation(n: int, hit: Hit, quote: str) -> Citation:
    return Citation(
        n=n, chunk_id=hit.chunk_id, sources=hit.sources, article_title=hit.article_title, heading=hit.heading,
        start_line=hit.start_line, end_line=hit.end_line, text=hit.text, quote=quote,
        title=hit.title, doc_type=hit.doc_type, issuer=hit.issuer, doc_number=hit.doc_number, date=hit.date,
        version_date=hit.version_date, author=hit.author, latest_version=hit.latest_version,
    )


def verify(answer: str, hits: list[Hit], threshold: float = SUPPORT_THRESHOLD) -> tuple[str, list[Citation], int]:
    """(verified answer, its citations renumbered 1..m, number of sentences removed)."""
    kept: list[Claim] = []
    removed = 0
    for claim in split_claims(answer):
        valid = sorted({n for n in claim.cites if 1 <= n <= len(hits)})
        cited = [hits[n - 1].text for n in valid]
        if not valid or support(claim.text, cited) < threshold or exact_facts_missing(claim.text, cited):
            removed += 1
            continue
        kept.append(Claim(claim.text, valid))
    renumber: dict[int, int] = {}
    for claim in kept:
        for n in claim.cites:
            renumber.setdefault(n, len(renumber) + 1)
    parts = []
    for claim in kept:
        body = claim.text
        end = body[-1] if body[-1] in zh.SENTENCE_END else "。"
        body = body[:-1] if body[-1] in zh.SENTENCE_END else body
        parts.append(body + "".join(f"[{renumber[n]}]" for n in claim.cites) + end)
    citations = [
        citation(new, hits[old - 1], best_quote(hits[old - 1], [c.text for c in kept if old in c.cites]))
        for old, new in sorted(renumber.items(), key=lambda kv: kv[1])
    ]
    return "".join(parts), citations, removed
