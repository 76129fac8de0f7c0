"""A small CSS rule reader: which elements of an HTML page its own <style> blocks (and inline styles) hide.

Text a reader never sees must not become citable text: a page can hide an instruction with `.x{display:none}`
as easily as with an inline style. This is not a CSS engine. It reads plain rules whose selectors are simple
compounds of a tag, an #id and .classes (`p`, `.hide`, `#note`, `span.tiny`, `div#a.b`); a selector with a
combinator (`div .x`, `a > b`), an attribute, a pseudo-class or `*` is skipped, and so is every at-rule block
(`@media print{…}` hides nothing on screen). Per property the usual cascade decides: !important, then the inline
style, then specificity, then source order; a later `display:block` shows what an earlier rule hid (an element
whose own inline style hides it is still dropped by the HTML walk: where sources disagree, hiding wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import Tag

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_COMPOUND = re.compile(r"^([a-zA-Z][a-zA-Z0-9-]*)?((?:[#.][_a-zA-Z\u00a0-\uffff-][_a-zA-Z0-9\u00a0-\uffff-]*)*)$")
_PART = re.compile(r"([#.])([^#.]+)")
_WATCHED = ("display", "visibility", "font-size", "opacity", "clip", "clip-path", "position", "width", "height",
            "overflow", "text-indent", "left", "top")
_ZERO = re.compile(r"^[-+]?(?:0+\.?0*|\.0+)(?:px|pt|em|rem|%|ex|ch|vw|vh)?$")
_OFFSCREEN = 999.0  # px or more to the left or top: 'left:-9999px' and 'text-indent:-9999px' park text off screen


@dataclass(frozen=True)
class Selector:
    """A compound selector: an optional tag, an optional id, and classes, all of which an element must have."""

    tag: str
    id: str
    classes: frozenset[str]

    @property
    def specificity(self) -> tuple[int, int, int]:
        return (1 if self.id else 0, len(self.classes), 1 if self.tag else 0)

    def matches(self, element: Tag) -> bool:
        if self.tag and element.name != self.tag:
            return False
        if self.id and str(element.get("id") or "") != self.id:
            return False
        return self.classes <= set(element.get_attribute_list("class"))


@dataclass(frozen=True)
class Rule:
    selector: Selector
    declarations: tuple[tuple[str, str, bool], ...]  # (property, value, important), watched properties only
    order: int


def parse_selector(text: str) -> Selector | None:
    """One simple compound selector, or None for anything this reader does not handle."""
    text = text.strip()
    match = _COMPOUND.match(text)
    if not text or match is None:
        return None
    tag, rest = (match.group(1) or "").lower(), match.group(2) or ""
    ids = [name for mark, name in _PART.findall(rest) if mark == "#"]
    classes = frozenset(name for mark, name in _PART.findall(rest) if mark == ".")
    if len(ids) > 1 or not (tag or ids or classes):
        return None
    return Selector(tag, ids[0] if ids else "", classes)


def parse_declarations(text: str) -> tuple[tuple[str, str, bool], ...]:
    """'display:none !important; color:red' -> the watched (property, value, important) triples, in order."""
    out = []
    for part in text.split(";"):
        name, colon, value = part.partition(":")
        name = name.strip().lower()
        if not colon or name not in _WATCHED:
            continue
        value = value.strip().lower()
        important = value.endswith("!important")
        out.append((name, value.removesuffix("!important").strip(), important))
    return tuple(out)


def _drop_at_rules(css: str) -> str:
    """The stylesheet without its at-rules: a block one (@media, @supports…) goes whole, nested braces included;
    a statement one (@import, @charset) up to its semicolon."""
    out: list[str] = []
    i = 0
    while i < len(css):
        at = css.find("@", i)
        if at < 0:
            out.append(css[i:])
            break
        out.append(css[i:at])
        brace, semi = css.find("{", at), css.find(";", at)
        if brace < 0 or (0 <= semi < brace):
            i = len(css) if semi < 0 else semi + 1
            continue
        depth, j = 0, brace
        while j < len(css):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
            if depth == 0:
                break
        i = j
    return "".join(out)


def parse_stylesheet(css: str) -> list[Rule]:
    """The rules of a stylesheet that set a watched property on a simple selector, in source order."""
    rules: list[Rule] = []
    for block in re.finditer(r"([^{}]*)\{([^{}]*)\}", _drop_at_rules(_COMMENT.sub(" ", css))):
        declarations = parse_declarations(block.group(2))
        if not declarations:
            continue
        for text in block.group(1).split(","):
            selector = parse_selector(text)
            if selector is not None:
                rules.append(Rule(selector, declarations, len(rules)))
    return rules


class Stylesheet:
    """The page's rules, indexed by the id, classes or tag each selector needs, so an element is checked only
    against the rules that could match it."""

    def __init__(self, rules: list[Rule]):
        self.by_key: dict[str, list[Rule]] = {}
        for rule in rules:
            s = rule.selector
            key = f"#{s.id}" if s.id else f".{min(s.classes)}" if s.classes else s.tag
            self.by_key.setdefault(key, []).append(rule)

    def computed(self, element: Tag) -> dict[str, str]:
        """The winning value of each watched property set on the element itself (not inherited)."""
        keys = [element.name or "", f"#{element.get('id') or ''}", *(f".{c}" for c in element.get_attribute_list("class"))]
        winners: dict[str, tuple[tuple[int, int, tuple[int, int, int], int], str]] = {}
        candidates = {id(r): r for key in keys for r in self.by_key.get(key, ())}
        inline = parse_declarations(str(element.get("style") or ""))
        entries = [(d, 1, (0, 0, 0), 0) for d in inline]
        entries += [(d, 0, r.selector.specificity, r.order) for r in candidates.values() if r.selector.matches(element)
                    for d in r.declarations]
        for (name, value, important), is_inline, specificity, order in entries:
            rank = (int(important), is_inline, specificity, order)
            if name not in winners or rank >= winners[name][0]:
                winners[name] = (rank, value)
        return {name: value for name, (_, value) in winners.items()}

    def hides(self, element: Tag) -> bool:
        """True when the element's own computed style keeps its text from a reader."""
        return hidden_style(self.computed(element))


def _px(value: str) -> float | None:
    match = re.match(r"^([-+]?\d*\.?\d+)(px)?$", value.strip())
    return float(match.group(1)) if match else None


def hidden_style(style: dict[str, str]) -> bool:
    """display:none, visibility:hidden, font-size 0, opacity 0, a zero clip (the sr-only pattern), a box of at
    most 1px that hides its overflow, or text parked 999px or more off screen."""
    get = style.get
    if get("display") == "none" or get("visibility") in ("hidden", "collapse"):
        return True
    if _ZERO.match(get("font-size", "1")) or _ZERO.match(get("opacity", "1")):
        return True
    rect = re.fullmatch(r"rect\((.*)\)", get("clip", "").strip())
    if rect and all(_ZERO.match(v) or v == "1px" for v in re.split(r"[\s,]+", rect.group(1).strip())):
        return True
    if re.sub(r"\s+", "", get("clip-path", "")) in ("inset(50%)", "inset(100%)", "circle(0)", "circle(0px)"):
        return True
    tiny = [(_px(get(axis, "")) if get(axis) else None) for axis in ("width", "height")]
    if get("overflow") == "hidden" and any(v is not None and v <= 1 for v in tiny):
        return True
    indent = _px(get("text-indent", "0"))
    if indent is not None and indent <= -_OFFSCREEN:
        return True
    placed = get("position") in ("absolute", "fixed")
    return placed and any((v := _px(get(side, "0"))) is not None and v <= -_OFFSCREEN for side in ("left", "top"))
