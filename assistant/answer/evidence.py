"""Evidence selection from general signals: every sentence of the top passages (and of their article's
neighbouring chunks) gets a feature vector, a logistic model fitted on the dev sets turns it into the
probability that the sentence answers the question, and the answer is shaped by the question's type
(a list's lead and all its items, the deciding provision first, one sentence per compared item).

Features (all general): dense cosine of the sentence's vector with the question's, its gap to the best
sentence, idf-weighted coverage of the question's terms (under the article title, and alone) and of its
character bigrams, whether the sentence has the form of the asked answer type, the passage's fused score
and rank, and structure (an item of a list whose lead matches the topic, the lead of a list).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.analysis import DECIDING, QuestionAnalysis, type_match
from assistant.answer.extractive import Evidence, near_duplicate, weighted_coverage
from assistant.answer.terms import QUESTION_WORDS
from assistant.models import Hit
from assistant.text import zh
from assistant.text.tokenizer import keyword_terms, tokenize
from assistant.text.zh import strip_leading_heading

FEATURES = (
    "dense", "dense_gap", "coverage", "coverage_alone", "bigram", "type_match", "prior", "rank",
    "item_of_topic", "list_lead", "length", "neighbour",
)
ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]、?|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十]+[条项点种是，,、]"
    r"|[一二三四五六七八九十]是|其[一二三四五六七八九十][，,、是])"
)
_DEFINES = re.compile(r"是指|所称|所谓|指的是|定义为")
_MAX_ITEMS = 8


@dataclass
class Passage:
    """A passage the answer may quote: a retrieved hit, or a neighbouring chunk of a hit's article."""

    hit: Hit
    origin: int  # index of the retrieved hit it belongs to
    neighbour: bool = False


@dataclass
class Scored:
    """A candidate sentence with its features and the fitted probability that it answers."""

    evidence: Evidence
    features: dict[str, float] = field(default_factory=dict)
    p: float = 0.0

    @property
    def text(self) -> str:
        return self.evidence.text


@dataclass(frozen=True)
class LogisticModel:
    """p = sigmoid(intercept + coef · standardised(x)), the weights fitted by bench/fit_evidence.py."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def prob(self, values: dict[str, float]) -> float:
        z = self.intercept
        for name, c, m, s in zip(self.features, self.coef, self.mean, self.scale, strict=True):
            z += c * (values.get(name, 0.0) - m) / (s or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_json(cls, data: dict) -> LogisticModel:  # type: ignore[type-arg]
        n = len(data["features"])
        return cls(tuple(data["features"]), tuple(data["coef"]), float(data["intercept"]),
                   tuple(data.get("mean", [0.0] * n)), tuple(data.get("scale", [1.0] * n)))


def question_bigrams(question: str) -> tuple[str, ...]:
    """The character bigrams of the question's content words (question words left out), as BM25 indexes them."""
    tokens = [t for t in tokenize(question) if t not in QUESTION_WORDS]
    return tuple(dict.fromkeys(t for t in keyword_terms(tokens) if len(t) == 2 and t not in tokens))


def is_item(text: str) -> bool:
    """A sentence that opens with a list marker (1、 （一） 一是 第二 …)."""
    return bool(ITEM.match(text.strip()))


_LEAD_THEN_ITEM = re.compile(r"[：:](?=\s*(?:\d{1,2}[、.．](?!\d)|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]是|第[一二三四五六七八九十]+[，,、]))")


def candidates(passages: Sequence[Passage]) -> list[Evidence]:
    """Every sentence of every passage that could stand as a claim; `hit` indexes `passages`.

    A list's lead is cut from its first item ('…以下几种模式：1、核心学校模式…' -> the lead, then '1、…'), and a
    heading the structure step found glued to a sentence is left out of it: each span is still verbatim."""
    from assistant.answer.extractive import candidates as sentences_of

    found = []
    for i, passage in enumerate(passages):
        hit = passage.hit
        headings = [hit.article_title, *hit.heading.split(" > ")]
        for e in sentences_of([hit]):
            body = strip_leading_heading(e.text, headings)
            start = e.end - len(body) if body != e.text and e.text.endswith(body) else e.start
            spans = [start]
            spans += [start + m.end() for m in _LEAD_THEN_ITEM.finditer(hit.text[start : e.end])]
            for s, t in zip(spans, [*spans[1:], e.end], strict=True):
                while s < t and hit.text[s].isspace():
                    s += 1
                text = hit.text[s:t].rstrip()
                if zh.cjk_count(text) >= 6:
                    found.append(Evidence(i, s, s + len(text), text))
        byline = _byline(hit)
        if byline is not None and not any(e.hit == i and e.start <= byline.start < e.end for e in found):
            found.append(Evidence(i, byline.start, byline.end, byline.text))
    return found


def _byline(hit: Hit) -> Evidence | None:
    """The line of the hit's text that states its document's author (the byline under a report's title): no
    sentence, so the sentence splitter leaves it out, yet it is what '谁写的' quotes."""
    if not hit.author:
        return None
    name = re.split(r"[|｜；;，,\s]", hit.author.strip())[0]
    if len(name) < 2:
        return None
    at = hit.text.find(name)
    if at < 0:
        return None
    start = hit.text.rfind("\n", 0, at) + 1
    end = hit.text.find("\n", at)
    end = len(hit.text) if end < 0 else end
    text = hit.text[start:end].strip()
    start = hit.text.find(text, start)
    return Evidence(-1, start, start + len(text), text) if text else None


def features(
    analysis: QuestionAnalysis,
    passages: Sequence[Passage],
    evidence: list[Evidence],
    dense: np.ndarray,
    idf: dict[str, float],
    bigram_idf: dict[str, float],
) -> list[Scored]:
    """The feature vector of every candidate sentence (dense: cosine of each with the question)."""
    if not evidence:
        return []
    terms, topic = analysis.terms.terms, analysis.topic
    bigrams = question_bigrams(analysis.question)
    best_score = max((p.hit.score for p in passages if not p.neighbour), default=1.0) or 1.0
    best_dense = float(dense.max()) if len(dense) else 0.0
    scored = []
    by_passage: dict[int, list[int]] = {}
    for j, ev in enumerate(evidence):
        by_passage.setdefault(ev.hit, []).append(j)
    coverage_alone = [weighted_coverage(ev.text, topic, idf) for ev in evidence]
    # who wrote it: each passage's byline line, when the question asks for the author
    bylines = {i: b.text for i, p in enumerate(passages) if (b := _byline(p.hit))} if analysis.asks_author else {}
    for j, ev in enumerate(evidence):
        passage = passages[ev.hit]
        hit = passage.hit
        siblings = by_passage[ev.hit]
        pos = siblings.index(j)
        item_of_topic = 0.0
        if is_item(ev.text):  # an item: how well the lead of its list (or the heading) matches the topic
            lead = next((evidence[k] for k in reversed(siblings[:pos]) if not is_item(evidence[k].text)), None)
            head = weighted_coverage(hit.heading, topic, idf)
            item_of_topic = max(head, weighted_coverage(lead.text, topic, idf) if lead is not None else 0.0)
        following = [evidence[k] for k in siblings[pos + 1 : pos + 3]]
        list_lead = float((is_lead(ev.text) or not is_item(ev.text)) and len(following) >= 2
                          and all(is_item(e.text) for e in following))
        values = {
            "dense": float(dense[j]),
            "dense_gap": float(dense[j]) - best_dense,
            "coverage": weighted_coverage(f"{hit.article_title} {ev.text}", terms, idf),
            "coverage_alone": coverage_alone[j],
            "bigram": weighted_coverage(ev.text, bigrams, bigram_idf) if bigrams else 0.0,
            "type_match": float(type_match(analysis, ev.text)),
            "prior": (hit.score / best_score) * (0.5 if passage.neighbour else 1.0),
            "rank": 1.0 / (1 + passage.origin),
            "item_of_topic": item_of_topic,
            "list_lead": list_lead,
            "length": math.log(1 + len(ev.text)),
            "neighbour": float(passage.neighbour),
        }
        if ev.text.strip() == bylines.get(ev.hit):  # read by select(), not by the fitted model
            values["byline"] = 1.0
        scored.append(Scored(ev, values))
    return scored


def rank(scored: list[Scored], model: LogisticModel) -> list[Scored]:
    """Scores every candidate with the fitted model; best first."""
    for s in scored:
        s.p = model.prob(s.features)
        s.evidence.score = s.p
        s.evidence.coverage = s.features.get("coverage", 0.0)
        s.evidence.dense = s.features.get("dense", 0.0)
    return sorted(scored, key=lambda s: -s.p)


def _marker_kind(text: str) -> str:
    """The style of a list marker, numbers folded: '2.' and '3.' are one kind, '（二）' another."""
    m = ITEM.match(text.strip())
    return re.sub(r"\d+", "0", re.sub(r"[一二三四五六七八九十]+", "一", m.group(0))) if m else ""


def is_lead(text: str) -> bool:
    """A sentence that announces a list ('…以下几种模式：'), even under a glued outline heading."""
    return text.rstrip().endswith(("：", ":"))


def _level(text: str) -> int:
    """Outline level of a sentence's marker (一、 2, （一） 3, 1. 4, （1） 5; 一是/其一 6)."""
    mark = zh.outline_mark(text)
    return mark.level if mark else 6


def _list_from(start_at: Scored, pool: list[Scored]) -> list[Scored]:
    """The list `start_at` leads or belongs to: its lead sentence, then every item of the same marker style in
    text order (one passage), skipping the sentences that elaborate an item."""
    same = sorted((s for s in pool if s.evidence.hit == start_at.evidence.hit), key=lambda s: s.evidence.start)
    pos = same.index(start_at)
    kind = _marker_kind(start_at.text)
    if kind:  # an item: back to the lead sentence before its list's first item
        first = pos
        for k in range(pos - 1, -1, -1):
            if _marker_kind(same[k].text) == kind and not is_lead(same[k].text):
                first = k
            elif is_item(same[k].text) and not is_lead(same[k].text):
                break
        before = same[first - 1] if first > 0 else None
        pos = first - 1 if before is not None and (is_lead(before.text) or not is_item(before.text)) else first
    lead = same[pos]
    picked = [lead] if is_lead(lead.text) or not is_item(lead.text) else []
    items = same[pos + (1 if picked else 0) :]
    kind = kind or next((_marker_kind(s.text) for s in items if is_item(s.text)), "")
    for s in items:
        if len(picked) > _MAX_ITEMS:
            break
        if _marker_kind(s.text) == kind:
            picked.append(s)
        elif is_item(s.text) and len(picked) > 1 and _level(s.text) < _level(start_at.text if kind else items[0].text):
            break  # a marker higher in the outline ('三、' after '1.' items): the next section
    return picked if sum(is_item(s.text) for s in picked) >= 2 else [start_at]


def select(analysis: QuestionAnalysis, ranked: list[Scored], max_sentences: int = 4) -> list[Scored]:
    """The answer's sentences, in reading order for its type."""
    if not ranked:
        return []
    best = ranked[0]
    if analysis.asks_author:  # who wrote it: the byline of the best passage's document that has one
        bylines = [s for s in ranked[:12] if s.features.get("byline")]
        if bylines:
            return [bylines[0]]
    n = analysis.terms.ordinal
    if n:  # '第二种…': the n-th item of the list among the near-best sentences answers, not the whole list
        nth = next((s for s in ranked[:8] if is_item(s.text) and zh.has_nth_item(s.text.strip()[:4], n)), None)
        if nth is not None:
            return [nth]
    if analysis.is_list and not n:
        # the best of the top three that is an item of a list or a list's lead: the whole list answers
        anchor = next((s for s in ranked[:3] if s.p >= 0.85 * best.p
                       and (is_item(s.text) or s.features.get("list_lead") or is_lead(s.text))), None)
        if anchor is not None:
            listed = _list_from(anchor, ranked)
            if len(listed) > 1:
                return listed
    limit = max_sentences if analysis.is_list else min(2, max_sentences)
    chosen = [best]
    for s in ranked[1:]:
        if len(chosen) >= limit:
            break
        if s.p < 0.6 * best.p or s.features.get("coverage", 0.0) == 0:
            continue
        if any(near_duplicate(s.text, c.text) for c in chosen):
            continue
        chosen.append(s)
    return order(analysis, chosen)


def order(analysis: QuestionAnalysis, chosen: list[Scored]) -> list[Scored]:
    """Text order, except that a permission question opens with the deciding provision and a definition
    question with its 是指 sentence."""
    chosen = sorted(chosen, key=lambda s: (s.evidence.hit, s.evidence.start))
    lead_pattern = {"permission": DECIDING, "definition": _DEFINES}.get(analysis.answer_type)
    if lead_pattern is not None:
        leading = [s for s in chosen if lead_pattern.search(s.text)]
        if leading:
            first = max(leading, key=lambda s: s.p)
            chosen = [first, *(s for s in chosen if s is not first)]
    return chosen
