"""A draft as editable rows (the UI's table) and back: each row is one point with its section, text and the key
of its citations; unticking 保留 removes a point, editing the text keeps its citations."""

from __future__ import annotations

from typing import Any

from assistant.drafting.compose import References
from assistant.drafting.models import NO_SUPPORT, Draft, DraftCitation, Point, Section

COLUMNS = ["保留", "章节", "要点", "依据", "编号"]
Row = list[Any]


def cite_label(citation: DraftCitation) -> str:
    """'[n] 《title》 › the innermost heading': the heading path starts with the title again, and the whole path
    made the table's 依据 column taller than the point it cites (the passage pane shows the full path)."""
    parts = [p.strip() for p in citation.heading.split(" > ") if p.strip() and p.strip() != citation.title]
    return f"[{citation.n}] 《{citation.title}》" + (f" › {parts[-1]}" if parts else "")


def to_rows(draft: Draft) -> tuple[list[Row], dict[str, list[dict[str, Any]]]]:
    """Rows (keep, section, text, citation labels, key) and the citations of each key."""
    rows: list[Row] = []
    cites: dict[str, list[dict[str, Any]]] = {}
    for s, section in enumerate(draft.sections):
        for p, point in enumerate(section.points):
            key = f"{s}.{p}"
            rows.append([True, section.heading, point.text, "；".join(cite_label(c) for c in point.citations), key])
            cites[key] = [c.model_dump() for c in point.citations]
    return rows, cites


def add_row(rows: list[Row], cites: dict[str, list[dict[str, Any]]], heading: str, text: str,
            citation: DraftCitation) -> tuple[list[Row], dict[str, list[dict[str, Any]]]]:
    """A point taken from a search appended to a section (its number is given when the draft is rebuilt)."""
    key = f"add.{len(cites)}"
    while key in cites:
        key += "+"
    return rows + [[True, heading, text, cite_label(citation), key]], {**cites, key: [citation.model_dump()]}


def from_rows(draft: Draft, rows: list[Row], cites: dict[str, list[dict[str, Any]]]) -> Draft:
    """The edited draft: the kept rows' texts under their sections (in the outline's order), references renumbered
    in order of first citation; a section left with no point says it needs one."""
    by_heading: dict[str, list[Row]] = {}
    for row in rows:
        keep, heading, text = bool(row[0]), str(row[1]), str(row[2] or "").strip()
        if keep and text:
            by_heading.setdefault(heading, []).append(row)
    refs = References()
    sections = []
    for section in draft.sections:
        pts = []
        for row in by_heading.get(section.heading, []):
            stored = [DraftCitation(**c) for c in cites.get(str(row[4]), [])]
            pts.append(Point(text=str(row[2]).strip(), citations=[refs.recite(c) for c in stored]))
        sections.append(Section(heading=section.heading, level=section.level, points=pts,
                                note=None if pts else NO_SUPPORT))
    return draft.model_copy(update={"sections": sections, "references": refs.listing()})
