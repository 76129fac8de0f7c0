"""The drafting API the CLI and the UI share: `Drafter(...).draft(topic) -> Draft`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.config import Settings
from assistant.drafting import evidence, plan
from assistant.drafting.compose import PointDraft, assemble
from assistant.drafting.models import Draft
from assistant.drafting.rewrite import rewrite
from assistant.drafting.templates import DEFAULT_TYPE, Template, load_outline, load_template
from assistant.errors import AssistantError
from assistant.llm import describe_model
from assistant.retrieve.hybrid import Retriever

Progress = Callable[[int, int, str], None]  # (sections done, sections in all, heading being drafted)
NOT_COVERED = "知识库中未找到与“{topic}”相关的资料，各部分均需补充；可先上传相关文件再起草。"
LLM_FAILED = "大模型服务暂不可用（{error}），以下为摘录式要点。"
LLM_DROPPED = "大模型改写的要点中有 {n} 条在所引资料中找不到依据，已删除。"


class Drafter:
    """Drafts over one index; holds the retriever, the optional chat model and the corpus statistics."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: BaseChatModel | None = None):
        self.settings = settings
        self.retriever = retriever
        self.llm = llm
        self._stats: evidence.CorpusStats | None = None

    @classmethod
    def from_assistant(cls, assistant: Any) -> Drafter:
        """Share an open Assistant's retriever and chat model (the UI has one already)."""
        return cls(assistant.settings, assistant.retriever, assistant.chain.llm)

    @classmethod
    def open(cls, settings: Settings, embeddings: Any = None, llm: Any = None) -> Drafter:
        from assistant.llm import make_chat_model

        return cls(settings, Retriever(settings, embeddings=embeddings), llm if llm is not None else make_chat_model(settings))

    @property
    def stats(self) -> evidence.CorpusStats:
        self.retriever.refresh()
        if self._stats is None or self._stats.fingerprint != self.retriever.fingerprint:
            self._stats = evidence.CorpusStats.of(self.retriever)
        return self._stats

    def template(self, kind: str | Path = DEFAULT_TYPE, outline: Path | None = None) -> Template:
        base = load_template(kind, self.settings.data_dir)
        return load_outline(outline, base) if outline is not None else base

    def draft(
        self, topic: str, kind: str | Path = DEFAULT_TYPE, outline: Path | None = None,
        sources: list[str] | None = None, progress: Progress | None = None,
    ) -> Draft:
        """A cited outline of the topic in the shape of the document type (or of the outline file)."""
        started = time.perf_counter()
        topic = topic.strip()
        if not any(ch.isalnum() for ch in topic):
            raise AssistantError("the topic is empty: name what the document is about, e.g. 集团化办学")
        template = self.template(kind, outline)
        stats = self.stats
        topic_hits = self.retriever.search(topic, k=self.settings.top_k, sources=sources)
        covered = evidence.topic_covered(topic, topic_hits, stats)
        plans = plan.gather(self.retriever, topic, template.sections, stats, sources, progress) if covered else [
            plan.SectionPlan(spec, [], []) for spec in template.sections
        ]
        plan.hand_out(plans)
        notice = None if covered else NOT_COVERED.format(topic=topic)
        mode, model = "extractive", "extractive"
        drafted = [[PointDraft(plan.point_text(c, p.spec.heading), [(c.hit, c.text)]) for c in p.chosen] for p in plans]
        if self.llm is not None and covered:
            try:
                results = [rewrite(self.llm, p, template.title_for(topic), topic) for p in plans]
            except Exception as exc:  # the endpoint is down or slow: the extractive points, and say so
                notice = LLM_FAILED.format(error=type(exc).__name__)
            else:
                drafted = [r.points for r in results]
                mode, model = "llm", describe_model(self.settings)
                dropped = sum(r.dropped for r in results)
                notice = LLM_DROPPED.format(n=dropped) if dropped else None
        result = assemble(template, topic, list(zip(template.sections, drafted, strict=True)))
        if covered and not any(s.points for s in result.sections):
            notice = notice or NOT_COVERED.format(topic=topic)
            covered = False
        return result.model_copy(update={
            "covered": covered, "notice": notice, "mode": mode, "model": model,
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        })


def draft(source: Settings | Any, topic: str, **kwargs: Any) -> Draft:
    """One draft from Settings (opens the index) or from an open Assistant / Drafter."""
    if isinstance(source, Drafter):
        drafter = source
    elif isinstance(source, Settings):
        drafter = Drafter.open(source)
    else:
        drafter = Drafter.from_assistant(source)
    return drafter.draft(topic, **kwargs)
