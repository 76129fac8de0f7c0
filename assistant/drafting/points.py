"""Pure text rules for turning a corpus sentence into a plan's point: trim it lightly, keep it verbatim, and
tell how concrete it is (numbers, responsible bodies, deadlines)."""

from __future__ import annotations

import re

from assistant.text import zh

# list markers and discourse connectives a sentence opens with; what follows them is the point itself
_LEADING = re.compile(
    r"^(?:第[一二三四五六七八九十百零\d]+条\s*|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]{1,3}[)）][、.．]?|\d{1,2}\s*[、．.•·](?!\d)|[①-⑳]"
    r"|[一二三四五六七八九十]是|第[一二三四五六七八九十]，|首先|其次|再次|最后|同时|此外|另外|另一方面|一方面|"
    r"因此|所以|总之|综上所述|而且|并且|然而|但是|但|例如|比如|其中|为此)[，,、：:\s]*"
)
# a short heading glued to the numbered item that follows it: '工作进展1. 创建集团：…' -> '创建集团：…'
_GLUED_ITEM = re.compile(r"^[^，。；：！？,;:]{2,14}?(?=\d{1,2}\s*[、．.•·](?!\d))")
_TRAILING = "；;，,：:、 "
_NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:个|所|名|人|项|条|年|万|亿|%|倍|次|类|种)")
# who acts: a government body, department or school named as the doer of a measure
_BODY = re.compile(r"(?:人民政府|政府|教育局|教育部|教育行政部门|部门|委员会|办公室|领导小组|学校|学区|集团|中心|机构)"
                   r"(?:应当|要|负责|牵头|统筹|组织|建立|制定)|由[^，。；]{1,12}(?:负责|牵头|组织)")
_DEADLINE = re.compile(r"\d{4}\s*年|[年月]底前?|前完成|以前|之前|每年|每学期|[一二三四五六七八九十\d]+年内")
MAX_CHARS = 160  # a longer sentence is cut back to its leading clauses


def trim(sentence: str) -> str:
    """Leading list markers and connectives dropped, trailing commas and semicolons dropped, long run-on sentences
    cut after a clause; the result is a verbatim substring of the sentence (numbers untouched)."""
    text = sentence.strip()
    glued = _GLUED_ITEM.match(text)
    if glued and zh.cjk_count(text[glued.end():]) >= 8:
        text = text[glued.end():]
    while True:
        m = _LEADING.match(text)
        if not m or zh.cjk_count(text[m.end():]) < 8:
            break
        text = text[m.end():]
    if len(text) > MAX_CHARS:
        cut = max((i for i, ch in enumerate(text[:MAX_CHARS]) if ch in "；;，,"), default=-1)
        if cut > MAX_CHARS // 2:
            text = text[: cut + 1]
    text = text.rstrip(_TRAILING)
    return text


def concreteness(text: str) -> float:
    """0..1: how much of a concrete measure the sentence states (a number, a responsible body, a deadline)."""
    return (0.4 * bool(_NUMBER.search(text)) + 0.3 * bool(_BODY.search(text)) + 0.3 * bool(_DEADLINE.search(text)))


def is_statement(text: str) -> bool:
    """A point states something: no question, no bare title, enough Chinese to read as a sentence."""
    return not text.endswith(("？", "?")) and zh.cjk_count(text) >= 10


def with_end(text: str) -> str:
    """The point as it is printed: ending with a full stop unless it already ends a sentence."""
    return text if text[-1:] in zh.SENTENCE_END + "”’）」" else text + "。"
