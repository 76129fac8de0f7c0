"""A draft as editable rows (the UI's table) and back: each row is one point with its section, text and its 序号
(a running number, the key its citations are kept under); unticking 保留 removes a point, editing the text keeps
its citations."""

from __future__ import annotations

from typing import Any

from assistant.drafting.compose import References
from assistant.drafting.models import NO_SUPPORT, Draft, DraftCitation, Point, Section

# the key column is what a reader sees too (a Gradio table cannot hide one): a plain 序号, never "0.1"/"add.3"
COLUMNS = ["保留", "章节", "要点", "依据", "序号"]
Row = list[Any]


def cite_label(citation: DraftCitation) -> str:
    """'[n] 《title》 › the innermost heading': the heading path starts with the title again, and the whole path
    made the table's 依据 column taller than the point it cites (the passage pane shows the full path)."""
    parts = [p.strip() for p in citation.heading.split(" > ") if p.strip() and p.strip() != citation.title]
    return f"[{citation.n}] 《{citation.title}》" + (f" › {parts[-1]}" if parts else "")


def to_rows(draft: Draft) -> tuple[list[Row], dict[str, list[dict[str, Any]]]]:
    """Rows (keep, section, text, citation labels, 序号) and the citations of each 序号 (1, 2, … in outline order)."""
    rows: list[Row] = []
    cites: dict[str, list[dict[str, Any]]] = {}
    for section in draft.sections:
        for point in section.points:
            key = str(len(rows) + 1)
            rows.append([True, section.heading, point.text, "；".join(cite_label(c) for c in point.citations), key])
            cites[key] = [c.model_dump() for c in point.citations]
    return rows, cites


def add_row(rows: list[Row], cites: dict[str, list[dict[str, Any]]], heading: str, text: str,
            citation: DraftCitation) -> tuple[list[Row], dict[str, list[dict[str, Any]]]]:
    """A point taken from a search appended to a section, with the next 序号 (its place in the outline is given
    when the draft is rebuilt); a number some citations are kept under (a removed row's) is never reused."""
    n = len(cites) + 1
    while str(n) in cites:
        n += 1
    key = str(n)
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
