"""The typed draft every stage hands on: Draft -> Section -> Point -> DraftCitation.

Field names are the `draft --json` contract: extend, never rename.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

NO_SUPPORT = "资料中未找到依据，请补充"


class DraftCitation(BaseModel):
    """A numbered passage a point rests on; `n` is the reference number shared by the whole draft."""

    n: int
    chunk_id: str
    title: str
    heading: str
    sources: list[str]
    start_line: int
    end_line: int
    text: str
    quote: str


class Point(BaseModel):
    """One point of a section: its text (extractive: verbatim from the cited passage) and its citations."""

    text: str
    citations: list[DraftCitation] = Field(default_factory=list)


class Section(BaseModel):
    """One heading of the outline with its points; no points means the corpus gave it no support."""

    heading: str
    points: list[Point] = Field(default_factory=list)
    # extensions (allowed by the contract: never rename, only add)
    level: int = Field(1, description="1 = 一、 heading, 2 = （一） heading")
    note: str | None = Field(None, description=f"'{NO_SUPPORT}' when no passage supports the section")


class Draft(BaseModel):
    """The `draft --json` contract shared by the CLI, the UI and the exporters."""

    title: str
    type: str
    topic: str
    sections: list[Section] = Field(default_factory=list)
    references: list[DraftCitation] = Field(default_factory=list)
    # extensions
    covered: bool = Field(True, description="False when the corpus does not cover the topic at all")
    notice: str | None = Field(None, description="a message for the reader (topic not covered, LLM fell back)")
    mode: str = "extractive"
    model: str = "extractive"
    latency_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
