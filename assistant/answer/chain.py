"""condense -> retrieve -> compose -> cite/verify as LCEL runnables over one state dict.

Each step before the answer is a `RunnableLambda` taking and returning the state, so it can be invoked alone;
the whole is `condense | retrieve | assess | compose` where compose (a `RunnableGenerator`) streams LLM tokens or
extractive sentences and ends with the verified, cited `Answer`: `chain.stream()` really streams.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableGenerator, RunnableLambda

from assistant.answer import extractive
from assistant.answer.condense import condense, noun_phrases
from assistant.answer.refusal import REFUSAL_TEXT, Support, assess, corpus_blob
from assistant.answer.terms import question_terms
from assistant.answer.verify import citation, verify
from assistant.config import Settings
from assistant.llm import describe_model
from assistant.models import Answer, Hit
from assistant.prompts import load_prompt
from assistant.retrieve.hybrid import Retriever
from assistant.text.tokenizer import comparison_parts_of
from assistant.text.zh import strip_leading_heading

State = dict[str, Any]
LLM_FAILED = "大模型服务暂不可用（{error}），以下为摘录式回答。"


class AnswerChain:
    """The steps of answering one question; holds the retriever, the optional chat model and corpus statistics."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: BaseChatModel | None = None):
        self.settings = settings
        self.retriever = retriever
        self.llm = llm
        self._stats_for = ""

    # ------------------------------------------------------------------ corpus statistics (per index state)
    def _refresh_stats(self) -> None:
        if self._stats_for != self.retriever.fingerprint:
            records = self.retriever.records.values()
            self.idf = extractive.idf_table([r["metadata"].get("tokens", "").split() for r in records])
            self.corpus = corpus_blob([r["text"] for r in records])
            self._stats_for = self.retriever.fingerprint

    def warm_up(self) -> None:
        """Load what the first question would otherwise wait for (model session, POS tagger, corpus statistics),
        so the first answer's latency_ms is an answer's, not a start-up's."""
        self._refresh_stats()
        self.retriever.embeddings.embed_query("义务教育")
        noun_phrases("义务教育")

    # ------------------------------------------------------------------ steps
    def condense(self, state: State) -> State:
        history = state.get("history") or []
        question = state["question"]
        standalone = question
        if history and self.llm is not None:
            try:
                text = "\n".join(f"{m['role']}: {m['content']}" for m in history[-6:])
                standalone = (load_prompt("condense") | self.llm | StrOutputParser()).invoke(
                    {"history": text, "question": question}
                ).strip() or question
            except Exception as exc:  # the endpoint is down: rule-based condense, and no second wait in compose
                return {**state, "standalone_question": condense(question, history), "llm_error": type(exc).__name__,
                        "notice": LLM_FAILED.format(error=type(exc).__name__)}
        elif history:
            standalone = condense(question, history)
        return {**state, "standalone_question": standalone}

    def retrieve(self, state: State) -> State:
        k = state.get("k") or self.settings.top_k
        hits = self.retriever.search(state["standalone_question"], k=k, sources=state.get("sources"))
        return {**state, "hits": hits}

    def assess(self, state: State) -> State:
        """Score sentences and measure support (needed by both composers and the refusal)."""
        self._refresh_stats()
        hits: list[Hit] = state["hits"]
        q = state["standalone_question"]
        terms = question_terms(q)
        ranked = extractive.score(q, terms, hits, extractive.candidates(hits), self.idf, self.retriever.embeddings)
        chosen = extractive.select(q, ranked, self.settings.answer_sentences)
        parts = comparison_parts_of(q) if self.settings.decompose else ()
        if parts and chosen:
            # 'A和B分别…': the best sentence for each item, not two sentences about whichever item scores higher
            per_part = []
            part_terms = [question_terms(part) for part in parts]
            items = extractive.own_terms([t.specific or t.terms for t in part_terms])
            for i, (part, part_term, item) in enumerate(zip(parts, part_terms, items, strict=True)):
                others = tuple(t for j, other in enumerate(items) if j != i for t in other)
                keep, named = extractive.item_passages(hits, item, others)
                if named and set(part_term.terms) - set(item):
                    # every kept passage is about the item: what is asked of it picks the sentence, not its name
                    part_term = replace(part_term, terms=tuple(t for t in part_term.terms if t not in item))
                part_evidence = [e for e in extractive.candidates(hits) if e.hit in keep]
                part_hits = [replace(h, score=1.0) for h in hits] if named else hits
                part_ranked = extractive.score(part, part_term, part_hits, part_evidence, self.idf, self.retriever.embeddings)
                per_part.append(extractive.select(part, part_ranked, max(1, self.settings.answer_sentences // len(parts))))
            chosen = extractive.merge_selections(per_part, self.settings.answer_sentences) or chosen
        verdict = assess(terms, hits, chosen, self.corpus, self.idf)
        return {**state, "chosen": chosen, "support": verdict}

    def compose_extractive(self, state: State) -> State:
        hits: list[Hit] = state["hits"]
        chosen: list[extractive.Evidence] = state["chosen"]
        numbers: dict[int, int] = {}
        for ev in chosen:
            numbers.setdefault(ev.hit, len(numbers) + 1)
        sentences = []
        for ev in chosen:
            hit = hits[ev.hit]
            text = extractive.tidy(strip_leading_heading(ev.text, [hit.article_title, *hit.heading.split(" > ")]))
            sentences.append(f"{text[:-1]}[{numbers[ev.hit]}]{text[-1]}")
        citations = [
            citation(n, hits[i], extractive.quote_for(hits[i], [e for e in chosen if e.hit == i]))
            for i, n in sorted(numbers.items(), key=lambda kv: kv[1])
        ]
        return {**state, "answer": "".join(sentences), "citations": citations, "mode": "extractive", "model": "extractive"}

    def compose_llm(self, state: State) -> Iterator[str | State]:
        """Stream the model's tokens, then verify; any endpoint failure falls back to the extractive answer."""
        assert self.llm is not None
        hits: list[Hit] = state["hits"]
        if state.get("llm_error"):  # it failed moments ago in condense: answer at once instead of waiting again
            yield {**self.compose_extractive(state), "notice": LLM_FAILED.format(error=state["llm_error"])}
            return
        passages = "\n\n".join(
            f"[{i}] 《{h.article_title}》 {h.heading}（{', '.join(h.sources)} 第{h.start_line}-{h.end_line}行）\n«{extractive.escape_markers(h.text)}»"
            for i, h in enumerate(hits, start=1)
        )
        text = ""
        try:
            chain = load_prompt("answer") | self.llm | StrOutputParser()
            for token in chain.stream({"passages": passages, "question": state["standalone_question"]}):
                text += token
                yield token
        except Exception as exc:  # timeout, 5xx, refused connection: never a traceback for the user
            fallback = self.compose_extractive(state)
            yield {**fallback, "notice": LLM_FAILED.format(error=type(exc).__name__)}
            return
        answer, citations, removed = verify(text, hits)
        yield {
            **state, "answer": answer, "citations": citations, "removed_sentences": removed,
            "mode": "llm", "model": describe_model(self.settings), "llm_refused": "未找到依据" in text,
        }

    def finish(self, state: State) -> Answer:
        """The Answer contract; refused (with up to 3 '可能相关' passages) when support is weak or nothing survived."""
        hits: list[Hit] = state["hits"]
        verdict: Support = state["support"]
        refused = verdict.refused or not state.get("citations") or bool(state.get("llm_refused"))
        related = []
        if refused:
            for n, hit in enumerate(hits[:3], start=1):
                picked = [e for e in state.get("chosen", []) if e.hit == n - 1] or extractive.candidates([hit])[:1]
                related.append(citation(n, hit, extractive.quote_for(hit, picked) if picked else hit.text))
        return Answer(
            question=state["question"],
            standalone_question=state["standalone_question"],
            answer=REFUSAL_TEXT if refused else state["answer"],
            citations=[] if refused else state["citations"],
            refused=refused,
            mode=state.get("mode", "extractive"),
            model=state.get("model", "extractive"),
            latency_ms=round((time.perf_counter() - state["started"]) * 1000, 1),
            related=related,
            notice=state.get("notice"),
        )

    # ------------------------------------------------------------------ the composed chain
    def _compose(self, state: State) -> State:
        if state["support"].refused or not state["hits"]:
            return {**state, "citations": [], "mode": "llm" if self.llm else "extractive", "model": describe_model(self.settings)}
        if self.llm is None:
            return self.compose_extractive(state)
        final: State = state
        for item in self.compose_llm(state):
            if isinstance(item, dict):
                final = item
        return final

    def _stream(self, states: Iterator[State]) -> Iterator[AnswerChunk]:
        """compose -> cite/verify, streaming: LLM tokens (or extractive sentences) as produced, then the Answer."""
        for state in states:
            if state["support"].refused or not state["hits"] or self.llm is None:
                answer = self.finish(self._compose(state))
                for piece in _pieces(answer.answer):
                    yield AnswerChunk(piece)
                yield AnswerChunk(answer=answer)
                continue
            for item in self.compose_llm(state):
                if isinstance(item, dict):
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
        state = {"question": question, "history": history or [], "started": time.perf_counter(), **kwargs}
        answer = self.chain.invoke(state).answer
        assert answer is not None
        return answer

    def stream_answer(self, question: str, history: list[dict[str, str]] | None = None, **kwargs: Any) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final verified Answer (its text may differ from the stream)."""
        state = {"question": question, "history": history or [], "started": time.perf_counter(), **kwargs}
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
        if ch in "。！？；" and (i + 1 == len(text) or text[i + 1] != "["):
            yield text[start : i + 1]
            start = i + 1
    if start < len(text):
        yield text[start:]

