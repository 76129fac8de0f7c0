"""LLM mode: a section's chosen passages rewritten as points in official register (prompts/drafting/rewrite.md),
each point checked by the answer chain's verifier; a point its passages do not support is dropped."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser

from assistant.drafting import evidence
from assistant.drafting.compose import PointDraft, hit_title
from assistant.drafting.plan import SectionPlan
from assistant.drafting.templates import prompt
from assistant.models import Hit

NOTHING_FOUND = "未找到依据"


@dataclass
class Rewritten:
    """The verified points of one section and how many the verifier dropped."""

    points: list[PointDraft]
    dropped: int


def passages_of(plan: SectionPlan) -> list[Hit]:
    """The passages of the section's chosen sentences, once each, in order."""
    seen: dict[str, Hit] = {}
    for cand in plan.chosen:
        seen.setdefault(cand.hit.chunk_id, cand.hit)
    return list(seen.values())


def rewrite(llm: BaseChatModel, plan: SectionPlan, title: str, topic: str) -> Rewritten:
    """Ask the model for the section's points and keep those the cited passages support (raises on endpoint errors)."""
    hits = passages_of(plan)
    if not hits:
        return Rewritten([], 0)
    blocks = []
    for i, hit in enumerate(hits, start=1):
        picked = "；".join(c.text for c in plan.chosen if c.hit.chunk_id == hit.chunk_id)
        blocks.append(f"[{i}] 《{hit_title(hit)}》 {hit.heading}\n«{escape(hit.text)}»\n要点素材：{escape(picked)}")
    reply = (prompt("rewrite") | llm | StrOutputParser()).invoke(
        {"title": title, "heading": plan.spec.heading, "topic": topic, "passages": "\n\n".join(blocks)}
    )
    if NOTHING_FOUND in reply and "[" not in reply:
        return Rewritten([], 0)
    kept, dropped = [], 0
    for line in evidence.split_points(reply):
        verified = evidence.verify_point(line, hits)
        if verified is None:
            dropped += 1
            continue
        kept.append(PointDraft(verified.text, list(zip(verified.hits, verified.quotes, strict=True))))
    return Rewritten(kept, dropped)


def escape(text: str) -> str:
    """A document's own '[4]' footnote marks become 〔4〕, so every [n] the model sees is a passage number."""
    return text.replace("[", "〔").replace("]", "〕")
