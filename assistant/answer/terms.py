"""Question analysis shared by composing, verifying and refusing: content terms, what kind of fact is asked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text import zh
from assistant.text.tokenizer import pos_tagger, pos_tags, tokenize, words

# words that say what is asked, not what it is about
QUESTION_WORDS = frozenset(
    "什么 哪些 哪个 哪 哪里 哪儿 哪几 哪几个 哪几种 哪一年 几 几个 几种 几年 多少 多大 多久 如何 怎么 怎样 怎么样 为什么 为何 是否 "
    "有没有 是不是 能否 可否 吗 呢 请问 请 根据 资料 资料里 资料中 文中 一文 文章 材料 提到 提出 说 讲 介绍 说明 "
    "一共 总共 分别 各是 各自 具体 主要 哪方面 方面 内容 情况 要点 列出 起草 一份 整理 写成 提纲 几条 举出 "
    "规定 要求 作用 措施 意义 时候 时间 目标 做法 问题 有 是 的 了 和 与 及 该 这个 那个 这些 那些 其 它 "
    "调研材料 调研报告 材料 作者 文中 本文 里 中 帮 帮我 我们 我 参照 参考 举例 例子 典型".split()
)
# words that bound the asked amount ('最低', '至少', '不超过'): they narrow what is asked, they are not its subject
QUALIFIERS = frozenset("最低 最高 最少 最多 至少 至多 不少 不少于 不超过 超过 不低于 低于 高于 最大 最小 最长 最短 最早 最晚 多长 多长时间".split())
_ASKING = re.compile(r"[几哪谁]|多少|多久|什么")
# jieba tags of words that frame a question rather than name its subject: 方位 f, time t, adverb d, numeral m,
# pronoun r, preposition p, conjunction c, particle u, distinguishing b, measure q
_FRAMING_TAGS = frozenset("ftdmrpcubq")
ASPECT = frozenset("开始 结束 继续 进行".split())  # '什么时候开始施行': the subject is 施行, not 开始
GENERIC = frozenset("教育 学校 发展 义务教育 工作 建设 推进 促进 提高 加强".split())

_ASKS_NUMBER = re.compile(r"多少|多大(?!程度|的?作用|的?影响|的?意义|的?帮助|的?区别|的?差别)|(?<![哪把将和由])几[个年所名人门次天倍]|几周岁|哪一?年|什么时候|何时|比例|百分之|多久|多长时间")
_LIST_OF = re.compile(r"几[条项点种]|几个方面|哪几|近几年|这几年")
NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万亿]+[个年所名人门次项条万亿倍%]|[一二三四五六七八九十]+[月日]")


_UNIT = (r"(?:万元|亿元|元|名|个人|人|个|所|分钟|课时|学时|小时|分|周岁|岁|年|门|次|项|条|天|月|位|倍|校区|公里|平方米|%"
         r"|份|间|台|本|册|套|张|辆|家|届|期|批|节|周|字)")
# '几年' asks for a duration: '3年', '三年', not the calendar year '2011年'
_DURATION_YEARS = r"(?<![\d.])\d{1,2}\s*(?:多)?年|[一二两三四五六七八九十]+(?:多)?年"
_ASKED_UNIT = re.compile(rf"(?:多少|(?<![哪把将和由])几)({_UNIT})")
_ASKS_YEAR = re.compile(r"哪一年|哪年|什么时候|何时|什么时间")
_ASKS_SHARE = re.compile(r"比例|百分之|占比")
_ASKS_WHO = re.compile(r"谁(担任|负责|主持|牵头|分管|主管|兼任)")
_ASKS_MONEY = re.compile(r"多少钱")  # the unit is in the question; a topic word (经费, 标准) does not imply one
_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)"
# '每天多少元': a per-unit qualifier just before the asked amount; '每年资助近1200万人' answers it, '四万元' does not
_PER = re.compile(r"每(天|日|次|人|年|月|周|学期|生)(?=[^，。？；！]{0,10}?(?:多少|几))")
# '“双减”政策' / '《…指导意见》': a name the question quotes, which the corpus must mention
_NAMED = re.compile(r"[“\"「《]([^”\"」》]{2,30})[”\"」》]")
# '多少名在校学生' / '哪几所成员学校': the thing counted or listed (not after 由/把/将/和: '由哪两所学校组成')
_COUNTED = re.compile(rf"(?<![由把将和])(?:多少|哪几|哪|几)[一两二三四五六七八九十]?[个所名人门项位家条种](?=[{zh.CJK}])")


@dataclass(frozen=True)
class QuestionTerms:
    """The terms a supporting passage must share with the question, and whether a number is asked for."""

    terms: tuple[str, ...]
    asks_number: bool
    number_pattern: str = ""  # what an answering sentence must contain, e.g. a count with the asked unit
    action: str = ""  # '主任由谁担任' is only answered by a sentence saying who 担任s that role (a regex)
    per: tuple[str, ...] = ()  # regexes for '每天'-like qualifiers of the asked amount ('每天|日均|/天')
    ordinal: int = 0  # 2 for '第二个…': the passage must list at least that many items
    counted: tuple[str, ...] = ()  # the words of what is counted or listed ('在校学生', '成员 学校')
    given: tuple[str, ...] = ()  # numbers the question itself states: '603所学校中有多少所…' is not answered by 603
    named: tuple[str, ...] = ()  # what the question quotes or puts in 《》: a named policy or document ('双减')

    def core(self, question: str, places: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """What the asked fact is about: the specific terms minus places, amount bounds, question forms and words
        jieba tags as no content ('以后', '今年', '至少'): '郑州市专职督学的任期是几年？' -> 专职, 督学, 任期."""
        framing = {word for word, flag in pos_tags(question) if flag[:1] in _FRAMING_TAGS}
        return tuple(t for t in self.specific if t not in places and t not in QUALIFIERS and t not in framing
                     and t not in ASPECT and not _ASKING.search(t))

    @property
    def asks_specific_fact(self) -> bool:
        return self.asks_number or bool(self.action)

    def answers_fact(self, text: str) -> bool:
        """True when text states the kind of fact asked: the number (see answers_number), the action, the 每X."""
        return (
            self.answers_number(text)
            and (not self.action or bool(re.search(self.action, text)))
            and all(re.search(p, text) for p in self.per)
        )

    def answers_number(self, text: str) -> bool:
        """True when text holds the kind of number asked (with its unit, a year, a share), or any number."""
        if not self.asks_number:
            return True
        if not self.number_pattern:
            return has_number(text)
        for m in re.finditer(self.number_pattern, text):
            digits = re.findall(r"\d+(?:\.\d+)?", m.group(0))
            if not digits or not set(digits) <= set(self.given):
                return True
        return False

    @property
    def specific(self) -> tuple[str, ...]:
        """Terms minus the corpus-wide generic words (教育, 学校 ...): the ones that say what the question is about."""
        return tuple(t for t in self.terms if t not in GENERIC)


def question_terms(question: str) -> QuestionTerms:
    ordinal = zh.asked_ordinal(question)
    tokens = [t for t in tokenize(question) if t not in QUESTION_WORDS and len(t) > 1 or t.isdigit()]
    if ordinal:  # the ordinal is checked on its own (has_nth_item), it is no content word to match
        tokens = [t for t in tokens if t not in ordinal[1]]
    seen: dict[str, None] = {}
    for t in tokens:
        seen.setdefault(t, None)
    asks = bool(_ASKS_NUMBER.search(_LIST_OF.sub('', question)))
    pattern = ""
    unit = _ASKED_UNIT.search(question)
    if _ASKS_YEAR.search(question):
        pattern = r"\d{4}\s*年|\d{4}\s*[-—至到]|\d{2}\s*年代|[一二三四五六七八九十]+月"
    elif _ASKS_SHARE.search(question):
        pattern = r"\d\s*%|百分之|\d+(?:\.\d+)?\s*成|[一二三四五六七八九十]成"
    elif unit:
        unit_text = {"人": "[人名]", "个人": "[人名]", "名": "[人名]", "校区": "(?:个)?校区", "个": "个", "天": "[天日]"}.get(
            unit.group(1), re.escape(unit.group(1)))  # 多少天 is answered by 十五日 too
        counted = _DURATION_YEARS if unit.group(1) == "年" else rf"{_NUM}\s*(?:多)?(?:万|亿)?(?:多)?{unit_text}"
        pattern = counted
        noun = counted_noun(question[unit.end() :])
        if unit.group(1) in ("个", "所", "名", "人", "个人", "门", "项") and len(noun) >= 2:
            # '几个校区' is answered by '3个校区' or '校区3个', not by any count: the noun must be close by
            key = re.escape(noun[-2:])
            pattern = rf"{counted}.{{0,12}}{key}|{key}.{{0,12}}{counted}"
    elif _ASKS_MONEY.search(question):
        pattern = rf"{_NUM}\s*(?:多)?(?:万|亿)?(?:多)?元"
    per = tuple(rf"每{u}|{u}均|[/／]{u}" for u in (
        "[天日]" if m.group(1) in "天日" else m.group(1) for m in _PER.finditer(question)))
    n = ordinal[0] if ordinal else 0
    given = tuple(re.findall(r"\d+(?:\.\d+)?", zh.normalize(question)))
    named = tuple(m.group(1) for m in _NAMED.finditer(zh.normalize(question)))
    return QuestionTerms(tuple(seen), asks, pattern, _action_pattern(question), per, n, _counted(question), given,
                         named)


def _counted(question: str) -> tuple[str, ...]:
    """The words after '多少名' / '哪几所' (what is counted or listed); none when it is a placeholder or generic."""
    for m in _COUNTED.finditer(question):
        run = re.match(rf"[{zh.CJK}]*", question[m.end() :])
        text = run.group(0) if run else ""
        first = words(text)[:1]
        if not first or first[0] in QUESTION_WORDS:  # '几个方面': the aspects themselves are the answer
            continue
        content = tuple(w for w in tokenize(text) if len(w) > 1 and w not in QUESTION_WORDS)
        if any(w not in GENERIC for w in content):  # '哪所学校': any school name answers it
            return content
    return ()


def counted_noun(rest: str) -> str:
    """The noun phrase right after a count's unit, whose head is what is counted: '城乡学校互助共同体？' ->
    the whole phrase (head 共同体), '城市的学校做了问卷调研？' -> '城市', '是农村学校？' -> '农村学校'."""
    tagged = [(p.word, p.flag) for p in pos_tagger().lcut(zh.normalize(rest))]
    if tagged and tagged[0][0] == "是":
        tagged = tagged[1:]
    phrase = ""
    for i, (word, flag) in enumerate(tagged):
        nounish = flag.startswith("n") or flag == "vn"
        modifies_next = flag[:1] in ("v", "a") and i + 1 < len(tagged) and tagged[i + 1][1].startswith("n")
        if not (nounish or modifies_next):
            break
        phrase += word
    return phrase


def _action_pattern(question: str) -> str:
    """For who-questions: the verb with its role, e.g. '办公室主任由谁担任' -> '主任.{0,8}由.{1,15}担任'."""
    m = _ASKS_WHO.search(question)
    if not m:
        return ""
    verb = m.group(1)
    after = re.match(rf"[{zh.CJK}]{{2,3}}", question[m.end() :])
    if after:  # "由谁担任董事长" -> "担任.{0,8}董事"
        return rf"{verb}.{{0,8}}{re.escape(after.group(0)[:2])}"
    before = re.search(rf"([{zh.CJK}]{{2}})由?$", question[: m.start()])
    if before:  # '办公室主任由谁担任' -> '主任.{0,8}由.{1,15}担任'
        return rf"{re.escape(before.group(1))}.{{0,8}}由.{{1,15}}{verb}"
    return verb


def has_number(text: str) -> bool:
    return bool(NUMBER.search(text))
