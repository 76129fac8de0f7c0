"""The extractive composer: the 1–5 corpus sentences that best answer the question, in a sensible order, cited.

No model is needed: sentences are scored by the idf-weighted share of the question's terms they contain, the
embedding similarity of the few best candidates, the strength of their passage, and whether they hold the
number or date the question asks for. Near-duplicate sentences are never chosen twice.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.answer.terms import QuestionTerms
from assistant.models import Hit
from assistant.text import zh

_LIST_QUESTION = re.compile(r"哪些|哪几|有什么|措施|要点|做法|办法|途径|原则|内容|方面|模式|类型|提纲|列出|起草|怎样|如何|怎么")
_FOOTNOTE = re.compile(r"\[(\d{1,3})\]")
_CLOSERS = "”’」』）)"
_LEADING_MARK = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]、?|\d{1,2}[、.．](?!\d))")


@dataclass
class Evidence:
    """One candidate sentence: which hit it comes from, where in that hit's text, and how well it answers."""

    hit: int
    start: int
    end: int
    text: str
    coverage: float = 0.0
    dense: float = 0.0
    score: float = 0.0


def weighted_coverage(text: str, terms: tuple[str, ...], idf: dict[str, float]) -> float:
    """idf-weighted share of the terms that occur in text (substring match, whitespace-insensitive)."""
    if not terms:
        return 0.0
    flat = zh.compact(text).lower()
    total = sum(idf.get(t, 1.0) for t in terms)
    return sum(idf.get(t, 1.0) for t in terms if t in flat) / total if total else 0.0


def candidates(hits: list[Hit]) -> list[Evidence]:
    """Every sentence of every hit that could stand as a claim (not a bare heading or fragment)."""
    found = []
    for i, hit in enumerate(hits):
        for s, e in zh.sentence_spans(hit.text):
            while s < e and hit.text[s] in _CLOSERS + " \n":  # '”这是农村留守儿童的真实写照': the quote closed before
                s += 1
            text = hit.text[s:e]
            if not text:
                continue
            if zh.cjk_count(text) < 8 or (text[-1] not in zh.SENTENCE_END and len(text) < 30):
                continue  # fragments and bare headings ('三、前锋学区的管理模式') are no answer
            found.append(Evidence(i, s, e, text))
    return found


def _bigrams(text: str) -> set[str]:
    flat = zh.compact(text)
    return {flat[i : i + 2] for i in range(len(flat) - 1)}


def near_duplicate(a: str, b: str, threshold: float = 0.6) -> bool:
    x, y = _bigrams(a), _bigrams(b)
    return bool(x and y) and len(x & y) / min(len(x), len(y)) >= threshold


def score(
    question: str,
    terms: QuestionTerms,
    hits: list[Hit],
    evidence: list[Evidence],
    idf: dict[str, float],
    embeddings: Embeddings | None,
    dense_top: int = 8,
) -> list[Evidence]:
    """Score candidates; the embedding model re-scores only the `dense_top` best by keywords (latency)."""
    if not evidence:
        return []
    best_hit = max((h.score for h in hits), default=1.0) or 1.0
    for ev in evidence:
        # a sentence is read under its article's title ('组建模式按…' belongs to the 实施方案 asked about); not under
        # its headings, which every sentence of a section shares and so would tie the item with its elaboration
        ev.coverage = weighted_coverage(f"{hits[ev.hit].article_title} {ev.text}", terms.terms, idf)
        prior = hits[ev.hit].score / best_hit
        ev.score = 0.6 * ev.coverage + 0.25 * prior - 0.03 * ev.hit
        if terms.asks_number and terms.answers_number(ev.text):
            ev.score += 0.3
        if len(ev.text) > 220:
            ev.score -= 0.05  # run-on sentences make poor answers
    ranked = sorted(evidence, key=lambda e: -e.score)
    if embeddings is not None:
        head = ranked[:dense_top]
        q = np.asarray(embeddings.embed_query(question), dtype=np.float32)
        vectors = np.asarray(_embed_cached(embeddings, [e.text for e in head]), dtype=np.float32)
        sims = vectors @ q
        low, high = float(sims.min()), float(sims.max())
        for ev, sim in zip(head, sims, strict=True):
            ev.dense = float(sim)
            ev.score += 0.3 * ((float(sim) - low) / (high - low) if high > low else 1.0)
        ranked = sorted(evidence, key=lambda e: -e.score)
    return ranked


def select(question: str, ranked: list[Evidence], max_sentences: int = 4) -> list[Evidence]:
    """The best sentence, then others nearly as good (more for list-like questions), no near-duplicates."""
    if not ranked:
        return []
    best = ranked[0]
    is_list = bool(_LIST_QUESTION.search(question))
    limit = max_sentences if is_list else min(2, max_sentences)
    chosen = [best]
    if is_list:
        # '…以下几种模式：1、核心学校模式…' : the numbered items that follow belong to the answer
        following = sorted((e for e in ranked if e.hit == best.hit and e.start > best.start), key=lambda e: e.start)
        for ev in following:
            if len(chosen) >= limit or not _LEADING_MARK.match(ev.text):
                break
            chosen.append(ev)
        if len(chosen) > 1:
            return sorted(chosen, key=lambda e: (e.hit, e.start))
    for ev in ranked[1:]:
        if len(chosen) >= limit:
            break
        if ev.score < 0.75 * best.score or ev.coverage == 0:
            continue
        if any(near_duplicate(ev.text, c.text) for c in chosen):
            continue
        chosen.append(ev)
    return sorted(chosen, key=lambda e: (e.hit, e.start))


def own_terms(part_terms: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """For each compared item's question, the terms no other item's question has: what names that item
    ('海盐县' in '…请分别说说海盐县和宁波市的情况')."""
    return [tuple(t for t in terms if not any(t in other for j, other in enumerate(part_terms) if j != i))
            for i, terms in enumerate(part_terms)]


def item_passages(hits: list[Hit], item: tuple[str, ...], others: tuple[str, ...]) -> tuple[set[int], bool]:
    """The hits to answer one compared item from: those that name it (in their text, title or the places their
    article's lead names), else those that name no other item ('我市…' is not about 金溪县), else all; and
    whether they are the ones that name it."""

    def names(hit: Hit, terms: tuple[str, ...]) -> bool:
        flat = zh.compact(hit.text + hit.article_title).lower()
        return any(zh.compact(t).lower() in flat or t in hit.tokens for t in terms)

    everything = set(range(len(hits)))
    if not item:
        return everything, False
    own = {i for i, h in enumerate(hits) if names(h, item)}
    if own:
        return own, True
    return {i for i, h in enumerate(hits) if not names(h, others)} or everything, False


def merge_selections(selections: list[list[Evidence]], max_sentences: int) -> list[Evidence]:
    """One answer from several selections (one per compared item): each one's best first, then the rest, without
    a sentence twice or a near-duplicate, in text order."""
    chosen: list[Evidence] = []
    depth = max((len(s) for s in selections), default=0)
    for i in range(depth):
        for picked in selections:
            if i >= len(picked) or len(chosen) >= max_sentences:
                continue
            ev = picked[i]
            if any((ev.hit, ev.start) == (c.hit, c.start) or near_duplicate(ev.text, c.text) for c in chosen):
                continue
            chosen.append(ev)
    return sorted(chosen, key=lambda e: (e.hit, e.start))


def escape_markers(text: str) -> str:
    """A document's own footnote marks ('600元[4]') as 〔4〕, so no [n] in an answer is anything but a citation."""
    return _FOOTNOTE.sub(r"〔\1〕", text)


def tidy(sentence: str) -> str:
    """A quoted sentence made to read as an answer sentence: list markers dropped, ends with a full stop."""
    text = escape_markers(_LEADING_MARK.sub("", sentence.strip()))
    if text and text[-1] in "；;，,：:":
        text = text[:-1] + "。"
    elif text and text[-1] not in zh.SENTENCE_END + "”’）」":
        text += "。"
    return text


def quote_for(hit: Hit, picked: list[Evidence]) -> str:
    """The verbatim span of the hit that the answer rests on: the chosen sentences if contiguous, else the best."""
    picked = sorted(picked, key=lambda e: e.start)
    span = hit.text[picked[0].start : picked[-1].end]
    if len(span) <= sum(len(p.text) for p in picked) + 2 * len(picked):
        return span
    return max(picked, key=lambda e: e.score).text


def idf_table(token_lists: list[list[str]]) -> dict[str, float]:
    """Smoothed idf of every token over the stored chunks."""
    n = len(token_lists)
    df: dict[str, int] = {}
    for tokens in token_lists:
        for t in set(tokens):
            df[t] = df.get(t, 0) + 1
    return {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}


_SENTENCE_VECTORS: dict[tuple[int, str], list[float]] = {}
_CACHE_LIMIT = 50_000


def _embed_cached(embeddings: Embeddings, texts: list[str]) -> list[list[float]]:
    """Sentence vectors, computed once per process: corpus sentences recur across questions."""
    key = id(embeddings)
    missing = [t for t in dict.fromkeys(texts) if (key, t) not in _SENTENCE_VECTORS]
    if missing:
        if len(_SENTENCE_VECTORS) > _CACHE_LIMIT:
            _SENTENCE_VECTORS.clear()
        for text, vector in zip(missing, embeddings.embed_documents(missing), strict=True):
            _SENTENCE_VECTORS[(key, text)] = vector
    return [_SENTENCE_VECTORS[(key, t)] for t in texts]
