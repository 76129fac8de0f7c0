"""LLM-as-judge faithfulness: a chat model rates how well an answer is backed by the passages it cites (0..1)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from langchain_core.output_parsers import StrOutputParser

from assistant.models import Citation
from assistant.prompts import load_prompt

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse_score(reply: str) -> tuple[float | None, str]:
    """(score clamped to [0, 1], reason) from the judge's reply: JSON {"score", "reason"} or else the first number."""
    text = reply.strip()
    match = re.search(r"\{.*\}", text, flags=re.DOTALL)
    if match:
        try:
            data = json.loads(match.group(0))
            score = float(data["score"])
            return min(1.0, max(0.0, score)), str(data.get("reason", ""))
        except (ValueError, KeyError, TypeError):
            pass
    number = NUMBER.search(text)
    if number is None:
        return None, f"unparseable judge reply: {text[:200]}"
    return min(1.0, max(0.0, float(number.group(0)))), text[:200]


def passages_text(citations: Sequence[Citation]) -> str:
    return "\n\n".join(f"[{c.n}] 《{c.article_title}》 {c.heading}\n«{c.text}»" for c in citations)


def judge_answer(model: Any, question: str, answer: str, citations: Sequence[Citation]) -> tuple[float | None, str]:
    """Faithfulness of one answer to its cited passages; (None, reason) when the judge fails or is unreadable."""
    chain = load_prompt("judge") | model | StrOutputParser()
    try:
        reply = chain.invoke({"passages": passages_text(citations), "question": question, "answer": answer})
    except Exception as exc:  # a failing endpoint must not stop the run; the item simply has no score
        return None, f"judge failed: {type(exc).__name__}: {exc}"[:300]
    return parse_score(reply)
