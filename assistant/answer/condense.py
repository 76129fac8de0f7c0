"""Turn a follow-up into a standalone question. Rule-based here; the LLM path uses prompts/condense.md.

The rule: when the question leans on earlier turns (它/其/该/这个/这些/上述/那里, a bare '…呢？', or very
short), carry over the subject of the previous user question, i.e. its first noun phrase.
"""

from __future__ import annotations

import re

from assistant.text import zh
from assistant.text.tokenizer import pos_tagger

_PRONOUN = re.compile(r"它们|它|其|该|这个|这些|这项|这种|这所|这一|上述|那里|那儿|这里|此项|他们")
# '那两个自主创新' / '这三项措施': a demonstrative with a count points back too, and the count is kept
_COUNTED = re.compile(r"[这那]([两几一二三四五六七八九十]+[个所项种条份类])")
# a document named in the previous question is the subject of '它是什么时候印发的': its whole title, not '浙江省'
_TITLE = re.compile(r"《([^》]{2,60})》")
_DOCUMENT = re.compile(rf"[{zh.CJK}A-Za-z0-9]{{2,50}}?(?:指导意见|实施意见|意见|实施方案|工作方案|方案|办法|通知|规划|纲要|决定|条例|规定|计划)")
_NOT_IN_TITLE = re.compile(r"什么|哪|多少|怎|如何|是|有|吗|谁")
_COUNT_WORDS = frozenset("一共 总共 共 多少 几 各".split())
_AMONG = re.compile(r"^(?:那么|那)?其中[，,]?")
_BARE_NE = re.compile(r"^(?:那|那么|那在)?(.{1,20}?)呢[？?]?$")
_ENTITY = re.compile(r"[省市县区镇乡村]$|学校|中学|小学|学区|集团|共同体|教共体|大学|教育局|政府")
_NOUNISH = ("n", "nz", "ns", "nt", "nr", "vn", "eng", "m", "x", "j", "l")


def noun_phrases(text: str) -> list[str]:
    """Runs of nouns (with 的-less modifiers) in order: '海盐县武原中学教共体', '集团化办学实施方案'."""
    phrases, current = [], ""
    for pair in pos_tagger().lcut(zh.normalize(text)):
        word, flag = pair.word, pair.flag
        if (flag.startswith(_NOUNISH) and re.search(f"[{zh.CJK}A-Za-z0-9]", word)
                and word not in ("什么", "哪些") and word not in _COUNT_WORDS):
            current += word
        else:
            if len(current) >= 2:
                phrases.append(current)
            current = ""
    if len(current) >= 2:
        phrases.append(current)
    return phrases


def document_subject(text: str) -> str | None:
    """The document a question is about: a 《title》, or a span ending in 意见/方案/办法… with no question word."""
    text = zh.normalize(text)
    titled = _TITLE.search(text)
    if titled:
        return titled.group(1)
    named = _DOCUMENT.search(text)
    if named and not _NOT_IN_TITLE.search(named.group(0)):
        return named.group(0)
    return None


def leans_on_history(question: str) -> bool:
    q = zh.normalize(question).rstrip("？?。")
    return bool(_PRONOUN.search(q) or _COUNTED.search(q) or _BARE_NE.match(q + "？") and q.endswith("呢")
                or zh.cjk_count(q) <= 6)


def _substitute(q: str, subject: str) -> str:
    """Put the subject where the pronoun stands; '该学区' after '…前锋学区' becomes '…前锋学区', not '…学区学区'."""
    m = _PRONOUN.search(q)
    assert m is not None
    rest = q[m.end() :]
    for size in range(min(4, len(rest)), 0, -1):
        if re.fullmatch(f"[{zh.CJK}]+", rest[:size]) and subject.endswith(rest[:size]):
            return q[: m.start()] + subject + rest[size:]
    return q[: m.start()] + subject + rest


def condense(question: str, history: list[dict[str, str]]) -> str:
    """A standalone question: unchanged unless it leans on the previous user turn, then that turn's subject."""
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not previous or not leans_on_history(question):
        return question
    last = previous[-1]
    q = zh.normalize(question)
    among = _AMONG.match(q)
    if among:  # '其中第三种…' after '…有哪些做法？': the whole earlier question, plus the item the answer listed third
        replies = [m["content"] for m in history if m.get("role") == "assistant" and m.get("content")]
        ordinal = zh.asked_ordinal(q)
        # the previous answer's own marks ('[2]') and Markdown list numbers ('2. ') are no part of the item
        reply = re.sub(r"\[\d{1,3}\]", "", replies[-1]) if replies else ""
        item = zh.nth_item(reply, ordinal[0]) if reply and ordinal else None
        base = zh.normalize(last).rstrip("？?。")
        return f"{base}，{q[among.end():]}" + (f"（{item}）" if item else "")
    subjects = noun_phrases(last)
    if not subjects:
        return f"{last} {question}"
    subject = document_subject(last) or subjects[0]
    bare = _BARE_NE.match(q)
    if bare and not _PRONOUN.search(q):
        other = bare.group(1).strip("，, ")
        if _ENTITY.search(other):
            # '那宁波市呢？' after '海盐县的教共体是什么时候成立的？' -> '宁波市的教共体是什么时候成立的？'
            return zh.normalize(last).replace(subject, other, 1)
        return f"{subject}的{other}？"  # '具体措施呢？' -> '<subject>的具体措施？'
    if _PRONOUN.search(q):
        return re.sub(r"^(那么|那)(?=\S)", "", _substitute(q, subject))
    counted = _COUNTED.search(q)
    if counted:  # '那两个自主创新具体指什么？' -> '<subject>的两个自主创新具体指什么？'
        return q[: counted.start()] + f"{subject}的{counted.group(1)}" + q[counted.end() :]
    return f"{subject}{'' if q.startswith('的') else '的'}{q}"
