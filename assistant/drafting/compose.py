"""Plans to a Draft: points with citations numbered once for the whole document, the reference list at the end."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.drafting.models import NO_SUPPORT, Draft, DraftCitation, Point, Section
from assistant.drafting.templates import SectionSpec, Template
from assistant.models import Hit


@dataclass
class PointDraft:
    """A point before numbering: its text and, per cited passage, the verbatim quote it rests on."""

    text: str
    cited: list[tuple[Hit, str]]


def hit_title(hit: Hit) -> str:
    """The document title of a passage (Hit.title once the answer helper adds it, the article title until then)."""
    return str(getattr(hit, "title", "") or hit.article_title)


class References:
    """Numbers passages in order of first citation; a passage cited twice keeps its number."""

    def __init__(self) -> None:
        self.by_chunk: dict[str, DraftCitation] = {}

    def cite(self, hit: Hit, quote: str) -> DraftCitation:
        ref = self.by_chunk.get(hit.chunk_id)
        if ref is None:
            ref = DraftCitation(
                n=len(self.by_chunk) + 1, chunk_id=hit.chunk_id, title=hit_title(hit), heading=hit.heading,
                sources=list(hit.sources), start_line=hit.start_line, end_line=hit.end_line, text=hit.text, quote=quote,
            )
            self.by_chunk[hit.chunk_id] = ref
        return ref.model_copy(update={"quote": quote})

    def recite(self, citation: DraftCitation) -> DraftCitation:
        """A citation of an edited draft given its number in the new draft (the passage and quote unchanged)."""
        ref = self.by_chunk.get(citation.chunk_id)
        if ref is None:
            ref = citation.model_copy(update={"n": len(self.by_chunk) + 1})
            self.by_chunk[citation.chunk_id] = ref
        return citation.model_copy(update={"n": ref.n})

    def listing(self) -> list[DraftCitation]:
        return sorted(self.by_chunk.values(), key=lambda r: r.n)


def assemble(template: Template, topic: str, sections: list[tuple[SectionSpec, list[PointDraft]]]) -> Draft:
    """The Draft of a template's sections and their points; a section without points says so."""
    refs = References()
    out = []
    for spec, drafted in sections:
        pts = [Point(text=p.text, citations=[refs.cite(hit, quote) for hit, quote in p.cited]) for p in drafted]
        out.append(Section(heading=spec.heading, level=spec.level, points=pts, note=None if pts else NO_SUPPORT))
    return Draft(title=template.title_for(topic), type=template.type, topic=topic, sections=out,
                 references=refs.listing())
