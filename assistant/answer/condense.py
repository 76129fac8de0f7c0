"""Turn a follow-up into a standalone question. Rule-based here; the LLM path uses prompts/condense.md.

The rule: when the question leans on earlier turns (它/其/该/这个/这些/上述/那里, a bare '…呢？', or very
short), carry over the subject of the previous user question, i.e. its first noun phrase.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jieba.posseg

from assistant import zh
from assistant.ingest.tokenizer import _tokenizer

_PRONOUN = re.compile(r"它们|它|其|该|这个|这些|这项|这种|这所|这一|上述|那里|那儿|这里|此项|他们")
_BARE_NE = re.compile(r"^(?:那|那么|那在)?(.{1,20}?)呢[？?]?$")
_ENTITY = re.compile(r"[省市县区镇乡村]$|学校|中学|小学|学区|集团|共同体|教共体|大学|教育局|政府")
_NOUNISH = ("n", "nz", "ns", "nt", "nr", "vn", "eng", "m", "x", "j", "l")


@lru_cache(maxsize=1)
def _pos() -> jieba.posseg.POSTokenizer:
    return jieba.posseg.POSTokenizer(_tokenizer())


def noun_phrases(text: str) -> list[str]:
    """Runs of nouns (with 的-less modifiers) in order: '海盐县武原中学教共体', '集团化办学实施方案'."""
    phrases, current = [], ""
    for pair in _pos().lcut(zh.normalize(text)):
        word, flag = pair.word, pair.flag
        if flag.startswith(_NOUNISH) and re.search(f"[{zh.CJK}A-Za-z0-9]", word) and word not in ("什么", "哪些", "多少"):
            current += word
        else:
            if len(current) >= 2:
                phrases.append(current)
            current = ""
    if len(current) >= 2:
        phrases.append(current)
    return phrases


def leans_on_history(question: str) -> bool:
    q = zh.normalize(question).rstrip("？?。")
    return bool(_PRONOUN.search(q) or _BARE_NE.match(q + "？") and q.endswith("呢") or zh.cjk_count(q) <= 6)


def condense(question: str, history: list[dict[str, str]]) -> str:
    """A standalone question: unchanged unless it leans on the previous user turn, then that turn's subject."""
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not previous or not leans_on_history(question):
        return question
    last = previous[-1]
    subjects = noun_phrases(last)
    if not subjects:
        return f"{last} {question}"
    subject = subjects[0]
    q = zh.normalize(question)
    bare = _BARE_NE.match(q)
    if bare and not _PRONOUN.search(q):
        other = bare.group(1).strip("，, ")
        if _ENTITY.search(other):
            # '那宁波市呢？' after '海盐县的教共体是什么时候成立的？' -> '宁波市的教共体是什么时候成立的？'
            return zh.normalize(last).replace(subject, other, 1)
        return f"{subject}的{other}？"  # '具体措施呢？' -> '<subject>的具体措施？'
    if _PRONOUN.search(q):
        replaced = _PRONOUN.sub(subject, q, count=1)
        return re.sub(r"^(那么|那)(?=\S)", "", replaced)
    return f"{subject}{'' if q.startswith('的') else '的'}{q}"
