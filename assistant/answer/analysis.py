"""Question analysis, computed once per question and passed to retrieval, selection, refusal and composition.

What is asked (the answer type), what it is about (topic terms), what narrows it (places, years, named
documents), and for a comparison the one question per compared item. Pure functions of the question text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from assistant.answer.terms import QuestionTerms, question_terms
from assistant.text import zh
from assistant.text.tokenizer import comparison_parts_of, place_names, tagged_places

AnswerType = Literal[
    "number", "date", "person", "place", "list", "definition", "reason", "procedure", "permission", "comparison", "other"
]

# question forms, by answer type (general Chinese question words, not any corpus's vocabulary)
_PERMISSION = re.compile(
    r"能不能|能否|可不可以|可否|可以.{0,15}吗|允许.{0,15}吗|准不准|要不要|需不需要|必须.{0,15}吗|应该.{0,15}吗|应当.{0,15}吗"
    r"|是否(?:可以|允许|应当|应该|必须|需要|能够|能|要|得|属于|有权|合法|违法|违反)|有没有权|算不算|违法吗|合法吗"
)
_DEFINITION = re.compile(r"什么是|什么叫|何为|何谓|是什么意思|指什么|指的是什么|是指什么|含义|定义|界定|概念|内涵")
_REASON = re.compile(r"为什么|为何|原因|目的是什么|目的何在|出于什么|意义是什么|有什么意义|为了什么")
_PROCEDURE = re.compile(r"程序|步骤|流程|手续|怎么办|如何办理|怎样办理|怎么申请|如何申请|办理|申请|如何|怎么|怎样")
_PERSON = re.compile(r"谁|哪位|何人|哪个部门|哪些部门|哪一部门|什么部门|哪个机构|哪些机构|什么机构|哪个机关|哪级|负责人")
_DATE = re.compile(r"哪一年|哪年|什么时候|何时|什么时间|哪一天|哪天|几月|日期|起施行|开始施行")
_PLACE = re.compile(r"哪里|哪儿|什么地方|哪个地方|在哪|什么位置|什么方位|位于|地处")
_LIST = re.compile(r"哪些|哪几|有什么|有几[种类项个条]|几[种类项条点]|几个方面|包括|包含|措施|要点|做法|办法|途径|原则|内容|方面|模式|类型|形式|列出|列举")
_COMPARE = re.compile(r"区别|不同|异同|相比|对比|差异|差别")
_DOCUMENT = re.compile(r"《([^》]{2,60})》")
_AUTHOR = re.compile(r"作者|谁写的|谁撰写|撰稿人|执笔人|署名")
_QUESTION_FORM = re.compile(r"什么|哪|谁|几|多少|如何|怎|为何|为什么|吗|呢|是否|能否|可否|[？?]")

# what an answering sentence of each type looks like (sentence forms, not vocabulary of one corpus)
TYPE_SIGNAL: dict[str, re.Pattern[str]] = {
    "date": re.compile(r"\d{4}\s*年|\d{2}\s*年代|世纪|\d{1,2}\s*月\s*\d{1,2}\s*日|[一二三四五六七八九十〇零]{4}年|起施行|之日起|星期[一二三四五六日天]|第[一二三四五]周"),
    "person": re.compile(r"担任|负责|主持|牵头|分管|主管|兼任|校长|主任|局长|书记|部门|机关|人民政府|委员会|由.{1,20}(?:负责|承担|组织|决定|批准)"),
    "place": re.compile(r"位于|地处|坐落|接壤|相邻|毗邻|交界|[东西南北][部郊侧面]|[东西南北]与|以[东西南北]|[来到在赴]\S{1,15}?(?:省|市|县|区|镇|乡|村|基地|馆|园|中心|学校|小学|中学|大学)"),
    "definition": re.compile(r"是指|所称|所谓|指的是|定义为|统称|总称|称为|是.{2,30}的(?:简称|统称)"),
    "permission": re.compile(r"不得|应当|可以|禁止|严禁|必须|不准|允许|有权|不应|不能|不予|须"),
    "reason": re.compile(r"为了|旨在|目的|因为|由于|以便|有利于|意义|为.{1,20}(?:提供|奠定|创造)"),
    "procedure": re.compile(r"应当|程序|步骤|首先|然后|申请|提交|报送|审核|批准|备案|办理|组织|通过|建立|实行"),
    "list": re.compile(r"[：:]$|[一二三四五六七八九十]是|[、]"),
}
DECIDING = re.compile(r"不得|应当|可以|禁止|严禁|必须|不准|允许|有权|不应|不能|不予")


@dataclass(frozen=True)
class QuestionAnalysis:
    """Everything the chain needs to know about one (standalone) question."""

    question: str
    answer_type: AnswerType
    terms: QuestionTerms  # content terms and the number/date/role/ordinal checks (see terms.py)
    topic: tuple[str, ...]  # the specific content terms: what the question is about
    constraints: tuple[str, ...]  # what narrows it: places, named documents, years and numbers it states
    documents: tuple[str, ...]  # 《titles》 the question names
    places: tuple[str, ...]  # place and school names jieba tags in the question
    parts: tuple[str, ...] = ()  # one question per compared item ('A和B分别…'), () when no comparison
    part_analyses: tuple[QuestionAnalysis, ...] = ()
    asks_author: bool = False  # '…一文的作者是谁？': the byline under the title answers
    core: tuple[str, ...] = ()  # what an asked fact is about: topic terms without places, bounds, framing words

    @property
    def is_list(self) -> bool:
        return self.answer_type in ("list", "procedure")

    @property
    def is_comparison(self) -> bool:
        return bool(self.parts)


def answer_type(question: str, terms: QuestionTerms, parts: tuple[str, ...]) -> AnswerType:
    """The kind of answer asked for; the first matching form wins (a comparison of lists is a comparison)."""
    q = zh.normalize(question)
    # the asking clause is the last one with a question form: '…有哪些模式，第二种是怎么做的？（…）' asks how
    clauses = [c for c in re.split(r"[，,；;]", re.sub(r"[（(][^）)]*[）)]$", "", q)) if c.strip()]
    asking = next((c for c in reversed(clauses) if _QUESTION_FORM.search(c)), q)
    if terms.ordinal:
        q = asking
    if parts or _COMPARE.search(q):
        return "comparison"
    if _PERMISSION.search(q):
        return "permission"
    if _DEFINITION.search(q):
        return "definition"
    if _PERSON.search(q) or terms.action:
        return "person"
    if _DATE.search(q):
        return "date"
    if terms.asks_number:
        return "number"
    if _PLACE.search(q):
        return "place"
    if _REASON.search(q):
        return "reason"
    if _LIST.search(q):
        return "list"
    if _PROCEDURE.search(q):
        return "procedure"
    return "other"


@lru_cache(maxsize=512)
def analyse(question: str, decompose: bool = True) -> QuestionAnalysis:
    """Analyse one standalone question (cached: the same question is analysed once per process)."""
    terms = question_terms(question)
    parts = comparison_parts_of(question) if decompose else ()
    places = tuple(place_names(question))
    documents = tuple(m.group(1) for m in _DOCUMENT.finditer(zh.normalize(question)))
    constraints = tuple(dict.fromkeys((*places, *documents, *terms.named, *terms.given)))
    part_analyses = tuple(analyse(p, False) for p in parts)
    return QuestionAnalysis(
        question=question, answer_type=answer_type(question, terms, parts), terms=terms,
        topic=terms.specific or terms.terms, constraints=constraints, documents=documents, places=places,
        parts=parts, part_analyses=part_analyses, asks_author=bool(_AUTHOR.search(question)),
        core=terms.core(question, tagged_places(question) | set(places)),
    )


def type_match(analysis: QuestionAnalysis, text: str) -> bool:
    """True when the sentence has the form of the asked answer type (the number asked, a 是指 sentence, 不得…)."""
    kind = analysis.answer_type
    if kind == "number":
        return analysis.terms.answers_fact(text)
    if kind == "person" and analysis.terms.action:
        return analysis.terms.answers_fact(text)
    pattern = TYPE_SIGNAL.get(kind)
    return bool(pattern and pattern.search(text))
