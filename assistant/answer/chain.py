"""condense -> analyse + retrieve -> assess -> compose as LCEL runnables over one typed `AnswerState`.

Each step before the answer is a `RunnableLambda` taking and returning the state, so it can be invoked alone;
the whole is `condense | retrieve | assess | compose` where compose (a `RunnableGenerator`) streams LLM tokens or
extractive sentences and ends with the verified, cited `Answer`: `chain.stream()` really streams.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.answer import evidence as ev
from assistant.answer import extractive
from assistant.answer.analysis import QuestionAnalysis, analyse, type_match
from assistant.answer.calibration import Calibration, calibration_for
from assistant.answer.condense import condense, noun_phrases
from assistant.answer.refusal import REFUSAL_TEXT, Support, assess, corpus_blob, refusal_features
from assistant.answer.vectors import VectorSource
from assistant.answer.verify import citation, verify
from assistant.config import Settings
from assistant.llm import describe_model
from assistant.models import Answer, Citation, Hit
from assistant.prompts import load_prompt
from assistant.retrieve.hybrid import Retriever
from assistant.text.tokenizer import keyword_terms, profile_in_force
from assistant.text.zh import strip_leading_heading

LLM_FAILED = "大模型服务暂不可用（{error}），以下为摘录式回答。"


@dataclass
class AnswerState:
    """What one question has gathered so far; each step fills its part (typed, not dict keys)."""

    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    k: int | None = None
    sources: list[str] | None = None
    as_of: str | None = None  # only the document versions in force on this date (None: the as_of setting)
    started: float = 0.0
    standalone_question: str = ""
    analysis: QuestionAnalysis | None = None
    hits: list[Hit] = field(default_factory=list)
    passages: list[ev.Passage] = field(default_factory=list)  # the hits, then their articles' neighbouring chunks
    ranked: list[ev.Scored] = field(default_factory=list)
    chosen: list[ev.Scored] = field(default_factory=list)
    support: Support | None = None
    answer: str = ""
    citations: list[Citation] = field(default_factory=list)
    mode: str = "extractive"
    model: str = "extractive"
    notice: str | None = None
    llm_error: str | None = None
    llm_refused: bool = False
    removed_sentences: int = 0

    @classmethod
    def of(cls, value: AnswerState | Mapping[str, Any]) -> AnswerState:
        """The chain's input: a state, or a mapping with 'question' and optionally history, k, sources, started."""
        if isinstance(value, AnswerState):
            return value
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        known["history"] = list(known.get("history") or [])
        return cls(**known)


class AnswerChain:
    """The steps of answering one question; holds the retriever, the optional chat model and corpus statistics."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: BaseChatModel | None = None):
        self.settings = settings
        self.retriever = retriever
        self.llm = llm
        self.vectors = VectorSource(retriever.embeddings, retriever.index)
        self.calibration: Calibration = calibration_for(settings.embedding)
        self._stats_for = ""

    # ------------------------------------------------------------------ corpus statistics (per index state)
    def _refresh_stats(self) -> None:
        if self._stats_for != self.retriever.fingerprint:
            records = self.retriever.records.values()
            tokens = [r["metadata"].get("tokens", "").split() for r in records]
            self.idf = extractive.idf_table(tokens)
            self.bigram_idf = extractive.idf_table([[t for t in keyword_terms(ts) if len(t) == 2] for ts in tokens])
            self.corpus = corpus_blob([r["text"] for r in records])
            self.vectors.reset()
            self._stats_for = self.retriever.fingerprint

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for (model session, POS tagger, corpus statistics),
        so the first answer's latency_ms is an answer's, not a start-up's."""
        self._refresh_stats()
        self.vectors.query_vector("义务教育")
        self.vectors.background()
        noun_phrases("义务教育")

    # ------------------------------------------------------------------ steps
    def condense(self, value: AnswerState | Mapping[str, Any]) -> AnswerState:
        state = AnswerState.of(value)
        history, question = state.history, state.question
        standalone = question
        if history and self.llm is not None:
            try:
                text = "\n".join(f"{m['role']}: {m['content']}" for m in history[-6:])
                standalone = (load_prompt("condense") | self.llm | StrOutputParser()).invoke(
                    {"history": text, "question": question}
                ).strip() or question
            except Exception as exc:  # the endpoint is down: rule-based condense, and no second wait in compose
                return replace(state, standalone_question=condense(question, history), llm_error=type(exc).__name__,
                               notice=LLM_FAILED.format(error=type(exc).__name__))
        elif history:
            standalone = condense(question, history)
        return replace(state, standalone_question=standalone)

    def retrieve(self, state: AnswerState) -> AnswerState:
        analysis = analyse(state.standalone_question, self.settings.decompose)
        k = state.k or self.settings.top_k
        hits = self.retriever.search(state.standalone_question, k=k, sources=state.sources, parts=analysis.parts,
                                     as_of=state.as_of)
        return replace(state, analysis=analysis, hits=hits, passages=self._passages(hits))

    def _passages(self, hits: list[Hit]) -> list[ev.Passage]:
        """The hits, then the chunk before and after each of the top three in its article (not already a hit)."""
        passages = [ev.Passage(h, i) for i, h in enumerate(hits)]
        seen = {h.chunk_id for h in hits}
        for i, hit in enumerate(hits[:3]):
            for near in self.retriever.neighbours(hit.chunk_id):
                if near is not None and near.chunk_id not in seen:
                    seen.add(near.chunk_id)
                    passages.append(ev.Passage(replace(near, score=hit.score), i, neighbour=True))
        return passages

    def sentence_features(self, analysis: QuestionAnalysis, passages: list[ev.Passage]) -> list[ev.Scored]:
        """Every candidate sentence of the passages with its feature vector (what the evidence model reads)."""
        evidence = ev.candidates(passages)
        if not evidence:
            return []
        q = self.vectors.query_vector(analysis.question)
        vectors = self.vectors.sentence_vectors([e.text for e in evidence], [p.hit.text for p in passages])
        return ev.features(analysis, passages, evidence, vectors @ q, self.idf, self.bigram_idf)

    def _rank(self, analysis: QuestionAnalysis, passages: list[ev.Passage]) -> list[ev.Scored]:
        return ev.rank(self.sentence_features(analysis, passages), self.calibration.evidence)

    def rank(self, analysis: QuestionAnalysis, passages: list[ev.Passage]) -> list[ev.Scored]:
        """Every candidate sentence of the passages scored by the evidence model, best first (drafting uses it)."""
        self._refresh_stats()
        return self._rank(analysis, passages)

    def assess(self, state: AnswerState) -> AnswerState:
        """Rank sentences, choose the answer's, and decide on refusal (needed by both composers)."""
        self._refresh_stats()
        analysis = state.analysis
        assert analysis is not None
        ranked = self._rank(analysis, state.passages)
        chosen = ev.select(analysis, ranked, self.settings.answer_sentences)
        if analysis.parts and chosen:
            chosen = self._per_part(analysis, state.passages) or chosen
        support = self._support(analysis, state.passages, ranked, chosen)
        return replace(state, ranked=ranked, chosen=chosen, support=support)

    def _per_part(self, analysis: QuestionAnalysis, passages: list[ev.Passage]) -> list[ev.Scored]:
        """'A和B分别…': each item's best sentences from the passages that name it, not two about one item."""
        hits = [p.hit for p in passages]
        items = extractive.own_terms([a.topic for a in analysis.part_analyses])
        per_part = []
        for i, (part, item) in enumerate(zip(analysis.part_analyses, items, strict=True)):
            others = tuple(t for j, other in enumerate(items) if j != i for t in other)
            keep, named = extractive.item_passages(hits, item, others)
            if named and set(part.terms.terms) - set(item):
                # every kept passage is about the item: what is asked of it picks the sentence, not its name
                part = replace(part, terms=replace(part.terms, terms=tuple(t for t in part.terms.terms if t not in item)))
            own = [p for j, p in enumerate(passages) if j in keep]
            if named:  # every kept passage names the item: their rank under the whole question says nothing
                own_ranked = [ev.Passage(replace(p.hit, score=1.0), 0, p.neighbour) for p in own]
            else:
                own_ranked = own
            ranked = self._rank(part, own_ranked)
            picked = ev.select(replace(part, answer_type="other"), ranked, max(1, self.settings.answer_sentences // 2))
            # back to indexes into `passages`
            for s in picked:
                s.evidence.hit = passages.index(own[s.evidence.hit])  # own_ranked[i] stands for own[i]
            per_part.append(picked)
        merged = extractive.merge_selections([[s.evidence for s in p] for p in per_part], self.settings.answer_sentences)
        by_key = {(s.evidence.hit, s.evidence.start): s for p in per_part for s in p}
        return [by_key[(e.hit, e.start)] for e in merged]

    def _support(self, analysis: QuestionAnalysis, passages: list[ev.Passage], ranked: list[ev.Scored],
                 chosen: list[ev.Scored]) -> Support:
        hits = [p.hit for p in passages if not p.neighbour]
        best_p = max((s.p for s in ranked), default=0.0)
        # only a number or a date, or who holds the asked role, has a form an answer cannot lack; a reason, a
        # place or a provision can be stated in many ways, so their form weighs in the evidence model only
        strict = analysis.answer_type in ("number", "date") or (analysis.answer_type == "person" and analysis.terms.action)
        type_found = not strict or any(type_match(analysis, s.text) for s in ranked[:5])
        margin = 0.0
        if ranked:
            cosines = self.vectors.background_cosines(analysis.question)
            floor = float(np.percentile(cosines, 95)) if len(cosines) else 0.0
            margin = max(s.features["dense"] for s in ranked) - floor
        # a number, a date or a role holder is stated about something: a sentence of that form must name it
        answering = tuple(
            f"{p.hit.article_title} {p.hit.heading} {s.text}"
            for s in ranked[:5] if type_match(analysis, s.text)
            for p in [passages[s.evidence.hit]]
        ) if strict else None
        features = refusal_features(analysis.terms, hits, [s.evidence for s in chosen], self.corpus, self.idf,
                                    best_p=best_p, type_found=type_found, dense_margin=margin, places=analysis.places,
                                    core=analysis.core, answering=answering)
        score = self.calibration.refusal.prob(features) if hits and ranked else 0.0
        return assess(analysis.terms, [p.hit for p in passages], [s.evidence for s in chosen], self.corpus, self.idf,
                      features=features, score=score, threshold=self.calibration.threshold)

    def compose_extractive(self, state: AnswerState) -> AnswerState:
        """One sentence, one [n], one citation whose quote is exactly that sentence; a list as a Markdown list."""
        citations, lines = [], []
        for n, s in enumerate(state.chosen, start=1):
            hit = state.passages[s.evidence.hit].hit
            text = extractive.tidy(strip_leading_heading(s.text, [hit.article_title, *hit.heading.split(" > ")]))
            lines.append(f"{text[:-1]}[{n}]{text[-1]}")
            citations.append(citation(n, hit, s.text))
        items = [ev.is_item(s.text) and not ev.is_lead(s.text) for s in state.chosen]
        one_passage = len({s.evidence.hit for s in state.chosen}) == 1
        if one_passage and len(lines) >= 2 + (not items[0]) and all(items[1:]):  # a list: lead (if any), each item
            head, listed = ([], lines) if items[0] else ([lines[0]], lines[1:])
            answer = "\n\n".join([*head, "\n".join(f"{i}. {line}" for i, line in enumerate(listed, start=1))])
        else:
            answer = "".join(lines)
        return replace(state, answer=answer, citations=citations, mode="extractive", model="extractive")

    def compose_llm(self, state: AnswerState) -> Iterator[str | AnswerState]:
        """Stream the model's tokens, then verify; any endpoint failure falls back to the extractive answer."""
        assert self.llm is not None
        hits = state.hits
        if state.llm_error:  # it failed moments ago in condense: answer at once instead of waiting again
            yield replace(self.compose_extractive(state), notice=LLM_FAILED.format(error=state.llm_error))
            return
        passages = "\n\n".join(
            f"[{i}] 《{h.article_title}》 {h.heading}（{', '.join(h.sources)} 第{h.start_line}-{h.end_line}行）\n«{extractive.escape_markers(h.text)}»"
            for i, h in enumerate(hits, start=1)
        )
        key = "\n".join(f"- [{s.evidence.hit + 1}] {extractive.escape_markers(s.text)}"
                        for s in state.chosen if s.evidence.hit < len(hits))
        text = ""
        try:
            chain = load_prompt("answer") | self.llm | StrOutputParser()
            for token in chain.stream({"passages": passages, "evidence": key or "（无）",
                                       "question": state.standalone_question}):
                text += token
                yield token
        except Exception as exc:  # timeout, 5xx, refused connection: never a traceback for the user
            yield replace(self.compose_extractive(state), notice=LLM_FAILED.format(error=type(exc).__name__))
            return
        answer, citations, removed = verify(text, hits)
        if not citations and "未找到依据" not in text:  # nothing the model wrote survived: the extractive answer
            yield replace(self.compose_extractive(state), removed_sentences=removed,
                          notice="大模型的回答未通过引文核对，以下为摘录式回答。")
            return
        yield replace(state, answer=answer, citations=citations, removed_sentences=removed, mode="llm",
                      model=describe_model(self.settings), llm_refused="未找到依据" in text)

    def finish(self, state: AnswerState) -> Answer:
        """The Answer contract; refused (with up to 3 '可能相关' passages) when support is weak or nothing survived."""
        hits = state.hits
        support = state.support
        refused = (support is None or support.refused) or not state.citations or state.llm_refused
        related = []
        if refused:
            for n, hit in enumerate(hits[:3], start=1):
                picked = [s.evidence for s in state.ranked if s.evidence.hit == n - 1][:1]
                picked = picked or extractive.candidates([hit])[:1]
                related.append(citation(n, hit, picked[0].text if picked else hit.text))
        return Answer(
            question=state.question,
            standalone_question=state.standalone_question,
            answer=REFUSAL_TEXT if refused else state.answer,
            citations=[] if refused else state.citations,
            refused=refused,
            mode=state.mode,
            model=state.model,
            latency_ms=round((time.perf_counter() - state.started) * 1000, 1),
            related=related,
            notice=state.notice,
            refusal_score=support.score if support is not None else None,
        )

    # ------------------------------------------------------------------ the composed chain
    def _refused_or_empty(self, state: AnswerState) -> bool:
        return state.support is None or state.support.refused or not state.hits or not state.chosen

    def _compose(self, state: AnswerState) -> AnswerState:
        if self._refused_or_empty(state):
            llm = self.llm is not None and not state.llm_error  # an endpoint that failed at condense answered nothing
            return replace(state, citations=[], mode="llm" if llm else "extractive",
                           model=describe_model(self.settings) if llm else "extractive")
        if self.llm is None:
            return self.compose_extractive(state)
        final = state
        for item in self.compose_llm(state):
            if isinstance(item, AnswerState):
                final = item
        return final

    def _stream(self, states: Iterator[AnswerState]) -> Iterator[AnswerChunk]:
        """compose -> cite/verify, streaming: LLM tokens (or extractive sentences) as produced, then the Answer."""
        for state in states:
            if self._refused_or_empty(state) or self.llm is None:
                answer = self.finish(self._compose(state))
                for piece in _pieces(answer.answer):
                    yield AnswerChunk(piece)
                yield AnswerChunk(answer=answer)
                continue
            for item in self.compose_llm(state):
                if isinstance(item, AnswerState):
                    state = item
                else:
                    yield AnswerChunk(item)
            yield AnswerChunk(answer=self.finish(state))

    @cached_property
    def prepare(self) -> Runnable:
        """condense -> retrieve -> assess: everything that reads the index, before the first word of the answer."""
        return (
            RunnableLambda(self.condense, name="condense")
            | RunnableLambda(self.retrieve, name="retrieve")
            | RunnableLambda(self.assess, name="assess")
        )

    @cached_property
    def chain(self) -> Runnable:
        """The whole answer as one LCEL runnable: {'question', 'history', 'k', 'sources', 'started'} -> AnswerChunks.

        `chain.stream(...)` yields the text as it is produced and last the verified Answer; `chain.invoke(...)` adds
        the chunks up, so its `.answer` is that same Answer.
        """
        return self.prepare | RunnableGenerator(self._stream, name="compose")

    def invoke(self, question: str, history: list[dict[str, str]] | None = None, **kwargs: Any) -> Answer:
        state = AnswerState(question=question, history=history or [], started=time.perf_counter(), **kwargs)
        with profile_in_force(self.settings.corpus_dir, self.settings.profile_dir):
            answer = self.chain.invoke(state).answer
        assert answer is not None
        return answer

    def stream_answer(self, question: str, history: list[dict[str, str]] | None = None, **kwargs: Any) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final verified Answer (its text may differ from the stream)."""
        state = AnswerState(question=question, history=history or [], started=time.perf_counter(), **kwargs)
        with profile_in_force(self.settings.corpus_dir, self.settings.profile_dir):
            for chunk in self.chain.stream(state):
                if chunk.text:
                    yield chunk.text
                if chunk.answer is not None:
                    yield chunk.answer


@dataclass
class AnswerChunk:
    """A piece of a streamed answer; the last one carries the verified Answer. Chunks add up, as LCEL needs."""

    text: str = ""
    answer: Answer | None = None

    def __add__(self, other: AnswerChunk) -> AnswerChunk:
        return AnswerChunk(self.text + other.text, other.answer or self.answer)


def _pieces(text: str) -> Iterator[str]:
    """An extractive answer streamed sentence by sentence."""
    start = 0
    for i, ch in enumerate(text):
        if ch in "。！？；\n" and (i + 1 == len(text) or text[i + 1] != "["):
            yield text[start : i + 1]
            start = i + 1
    if start < len(text):
        yield text[start:]
