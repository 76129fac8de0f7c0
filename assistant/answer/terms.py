"""Question analysis shared by composing, verifying and refusing: content terms, what kind of fact is asked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.tokenizer import tokenize

# words that say what is asked, not what it is about
QUESTION_WORDS = frozenset(
    "什么 哪些 哪个 哪 哪里 哪儿 哪几 哪几个 哪几种 哪一年 几 几个 几种 几年 多少 多大 多久 如何 怎么 怎样 怎么样 为什么 为何 是否 "
    "有没有 是不是 能否 可否 吗 呢 请问 请 根据 资料 资料里 资料中 文中 一文 文章 材料 提到 提出 说 讲 介绍 说明 "
    "一共 总共 分别 各是 各自 具体 主要 哪方面 方面 内容 情况 要点 列出 起草 一份 整理 写成 提纲 几条 举出 "
    "规定 要求 作用 措施 意义 时候 时间 目标 做法 问题 有 是 的 了 和 与 及 该 这个 那个 这些 那些 其 它".split()
)
GENERIC = frozenset("教育 学校 发展 义务教育 工作 建设 推进 促进 提高 加强".split())

_ASKS_NUMBER = re.compile(r"多少|几[个年所种名人门次项条天月位倍万亿]?|哪一?年|什么时候|何时|比例|百分之|多大|多久|多长")
NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+[个年所名人门次项条万亿倍%]|[一二三四五六七八九十]+[月日]")


@dataclass(frozen=True)
class QuestionTerms:
    """The terms a supporting passage must share with the question, and whether a number is asked for."""

    terms: tuple[str, ...]
    asks_number: bool

    @property
    def specific(self) -> tuple[str, ...]:
        """Terms minus the corpus-wide generic words (教育, 学校 ...): the ones that say what the question is about."""
        return tuple(t for t in self.terms if t not in GENERIC)


def question_terms(question: str) -> QuestionTerms:
    tokens = [t for t in tokenize(question) if t not in QUESTION_WORDS and len(t) > 1 or t.isdigit()]
    seen: dict[str, None] = {}
    for t in tokens:
        seen.setdefault(t, None)
    return QuestionTerms(tuple(seen), bool(_ASKS_NUMBER.search(question)))


def has_number(text: str) -> bool:
    return bool(NUMBER.search(text))
