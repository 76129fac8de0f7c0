"""A Draft as Markdown: the same outline, points and [n] markers as the Word file, the references at the end."""

from __future__ import annotations

from assistant.drafting.models import Draft, Point
from assistant.drafting.numbering import REFERENCES_HEADING, numbered, reference_line
from assistant.drafting.points import with_end


def point_line(point: Point) -> str:
    """'text[1][2]。': the markers before the closing full stop, as in the answer chain's answers."""
    text = with_end(point.text)
    marks = "".join(f"[{c.n}]" for c in point.citations)
    if text[-1] in "。！？；":
        return text[:-1] + marks + text[-1]
    return text + marks


def to_markdown(draft: Draft) -> str:
    lines = [f"# {draft.title}", ""]
    if draft.notice:
        lines += [f"> {draft.notice}", ""]
    for heading, section in numbered(draft):
        lines += [f"{'##' if section.level == 1 else '###'} {heading}", ""]
        if section.note and not section.points:
            lines += [f"*{section.note}*", ""]
        for i, point in enumerate(section.points, start=1):
            lines.append(f"{i}. {point_line(point)}")
        if section.points:
            lines.append("")
    if draft.references:
        lines += [f"## {REFERENCES_HEADING}", ""]
        lines += [f"[{ref.n}] {reference_line(ref)}  " for ref in draft.references]
        lines.append("")
    return "\n".join(lines)
