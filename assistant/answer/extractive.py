"""Sentence helpers of the extractive answer: candidate sentences, term coverage, near-duplicates, tidying,
quotes, comparison items. Scoring and selection are in evidence.py."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.models import Hit
from assistant.text import zh

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
