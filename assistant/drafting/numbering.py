"""Chinese official-document numbering of headings (一、 for the first level, （一） for the second) and how a
reference is written; the Word and Markdown exporters share it so both show the same outline."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.drafting.models import Draft, DraftCitation, Section

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 35 -> 三十五 (headings never run past 99)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def numbered(draft: Draft) -> Iterator[tuple[str, Section]]:
    """Each section with its marked heading: '一、指导思想', '（一）…' under it (counting restarts per first level)."""
    first = second = 0
    for section in draft.sections:
        if section.level == 2:
            second += 1
            yield f"（{chinese_number(second)}）{section.heading}", section
        else:
            first, second = first + 1, 0
            yield f"{chinese_number(first)}、{section.heading}", section


def reference_line(ref: DraftCitation) -> str:
    """'《title》 heading，file，第a—b行' (without the [n])."""
    parts = [f"《{ref.title}》" if ref.title else "", ref.heading, "、".join(ref.sources),
             f"第{ref.start_line}—{ref.end_line}行"]
    return "，".join(p for p in parts if p)


REFERENCES_HEADING = "参考依据"
