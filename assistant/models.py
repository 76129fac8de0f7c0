"""The data every part prints or serialises: a search `Hit`, an answer `Citation`, an `Answer`.

Field names here are contracts (CLI --json, ask --batch, the UI API, eval files): extend, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

HIT_FIELDS = (
    "rank", "chunk_id", "text", "sources", "article_title", "heading",
    "start_line", "end_line", "score", "keyword_rank", "dense_rank",
    # the document model (added 2026-12: extend only)
    "title", "doc_type", "issuer", "doc_number", "date", "version_date", "author", "latest_version",
)


@dataclass
class Hit:
    """One retrieved passage with where it sits and how each list ranked it (ranks are 1-based, None = absent)."""

    rank: int
    chunk_id: str
    text: str
    sources: list[str]
    article_title: str
    heading: str
    start_line: int
    end_line: int
    score: float
    keyword_rank: int | None = None
    dense_rank: int | None = None
    title: str = ""  # the document's title (its article's: a file can hold several documents)
    doc_type: str = ""  # 法律 / 条例 / 办法 / 规定 / 意见 / 通知 / 方案 / 报告 / 论文 … ('' unknown)
    issuer: str = ""  # who adopted or issued it
    doc_number: str = ""  # 文号
    date: str = ""  # ISO date adopted or issued
    version_date: str = ""  # ISO date of the version quoted (its last amendment)
    author: str = ""  # byline of a report or paper
    latest_version: bool = True  # False when a newer version of the same document is in the index
    # not part of the JSON contract: used by the answer chain and the UI
    source: str = ""
    char_start: int = 0
    char_end: int = 0
    article_index: int = 0
    chunk_index: int = 0
    keyword_score: float = 0.0
    dense_score: float = 0.0
    tokens: list[str] = field(default_factory=list)
    context_before: str = ""  # previous / next chunk of the same article (search --neighbours)
    context_after: str = ""

    def to_json(self) -> dict[str, Any]:
        """Exactly the contract fields of `search --json`."""
        return {name: getattr(self, name) for name in HIT_FIELDS}


class Citation(BaseModel):
    """A numbered source of an answer: the passage, where it is, and the quote that supports the claim."""

    n: int
    chunk_id: str
    sources: list[str]
    article_title: str
    heading: str
    start_line: int
    end_line: int
    text: str
    quote: str
    # the document model (extensions with defaults: extend, never rename)
    title: str = ""
    doc_type: str = ""
    issuer: str = ""
    doc_number: str = ""
    date: str = ""
    version_date: str = ""
    author: str = ""
    latest_version: bool = True


class Answer(BaseModel):
    """The answer contract shared by the CLI, the UI API, eval and drafting."""

    question: str
    standalone_question: str
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    refused: bool = False
    mode: str = "extractive"
    model: str = "extractive"
    latency_ms: float = 0.0
    # extensions (allowed by the contract: never rename, only add)
    related: list[Citation] = Field(default_factory=list, description="'可能相关' passages of a refused answer")
    notice: str | None = Field(None, description="e.g. the LLM failed and the extractive answer is shown")
    refusal_score: float | None = Field(
        None, description="calibrated P(answerable) of the refusal model; refused below its threshold (None: not scored)"
    )

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
