"""Chinese text rules in one place: width and punctuation normalisation, boilerplate, sentences, outline markers.

Every function here is pure (str in, str/list out) so the rules are tested with real corpus lines and
changed in one spot; ingest, retrieval and answering all call these instead of writing their own regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)} | {
    c: c - 0xFEE0 for c in list(range(0xFF21, 0xFF3B)) + list(range(0xFF41, 0xFF5B))
}
_FULLWIDTH_ALNUM[0x3000] = 0x20  # ideographic space -> space
_ENCLOSED_LIST_NUMBERS = {c: f"{c - 0x2487}." for c in range(0x2488, 0x249C)}  # ⒈ ... ⒛ -> 1. ... 20.

SENTENCE_END = "。！？；…"
CLOSERS = "”’」』）】》\"'"
_SENTENCE_RE = re.compile(f"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{CLOSERS}]*|\n|$)")
TERMINAL_PUNCT = SENTENCE_END + "：:”」）)】》"

# ---------------------------------------------------------------- normalisation

_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_CJKISH = f"[{CJK}“”《》（）【】、，。：；！？]"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{CJK}，。、；：！？“”《》（）])[ \t\u00a0]+(?=[{CJK}，。、；：！？“”《》（）])")


def is_cjk(ch: str) -> bool:
    return bool(_CJK_CHAR.match(ch))


def cjk_count(text: str) -> int:
    return len(_CJK_CHAR.findall(text))


def unify_width(text: str) -> str:
    """Full-width digits/letters and the ideographic space become ASCII (１２３ -> 123), ⒈ becomes 1."""
    return text.translate(_FULLWIDTH_ALNUM).translate(_ENCLOSED_LIST_NUMBERS)


def _fullwidth_punct(text: str) -> str:
    """Half-width , : ; ? ! ( ) next to Chinese text become full-width; 2020.5, 1.5, 10:30 stay intact."""
    out = list(text)
    n = len(text)
    for i, ch in enumerate(text):
        if ch not in _HALF_TO_FULL:
            continue
        prev = text[i - 1] if i > 0 else ""
        nxt = text[i + 1] if i + 1 < n else ""
        if ch in ",:" and prev.isdigit() and nxt.isdigit():
            continue  # 1,000 or 10:30
        if ch in "()":
            # a bracket pair whose inside or surroundings are Chinese
            close = text.find(")", i + 1, i + 14) if ch == "(" else -1
            if ch == "(":
                window = text[max(0, i - 1) : close + 2] if close != -1 else text[max(0, i - 1) : i + 3]
            else:
                window = text[max(0, i - 3) : i + 2]
            if _CJK_CHAR.search(window) or re.search(r"[（(][一二三四五六七八九十\d]{1,3}$", text[: i + 1]):
                out[i] = _HALF_TO_FULL[ch]
            elif ch == ")" and re.search(r"（[^（()）]*$", "".join(out[:i])):
                out[i] = "）"  # closes a bracket opened full-width: '（人工客服工作时间：9:00-18:30)'
            continue
        if (prev and re.match(_CJKISH, prev)) or (nxt and re.match(_CJKISH, nxt)) or cjk_count(text) > len(text) // 3:
            out[i] = _HALF_TO_FULL[ch]
    return "".join(out)


_MD_IMAGE = re.compile(r"!\[.*?\]\(https?://[^)\s]*\)")
_IMAGE_ONLY = re.compile(r"!\[.*\]\(https?://[^)\s]*\)")
_DOWNLOAD_ID = re.compile(r"^\d{6,}_(?=[\u4e00-\u9fff])")  # '219382126_集团化办学的思考与实践': a saved page's id


def normalize(text: str) -> str:
    """One line of scraped text made canonical: widths unified, CJK-internal spaces dropped, punctuation full-width.

    The space after a law's '第二十五条' or '第五章' is kept: it is how the text is written, and quotes keep it."""
    text = unify_width(text).replace("\u00a0", " ").replace("\ufeff", "")
    marker = _MARKER_SPACE.match(text.lstrip())
    if marker:
        rest = normalize(text.lstrip()[marker.end():])
        return f"{marker.group(1)} {rest}" if rest else marker.group(1)
    text = text.replace("<正>", "")
    if not _IMAGE_ONLY.fullmatch(text.strip()):  # a lone image stays for is_boilerplate to recognise
        text = _MD_IMAGE.sub("", text)  # '![alt](https://….png)正文…': the image goes, the text stays
    text = _DOWNLOAD_ID.sub("", text.lstrip())  # the id goes, the title it was glued to stays
    text = re.sub(r"\s+相似文献\s*$", "", text)  # search-result pages end each abstract with this link
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _fullwidth_punct(text)
    text = _SPACE_BETWEEN_CJK.sub("", text)  # again: '网络 , 实现' is '网络 ， 实现' only now
    text = re.sub(r"(?<=[（(])[ \t]+|[ \t]+(?=[）)])", "", text)
    return text.strip()


def compact(text: str) -> str:
    """Whitespace removed: the form used for hashing and for 'is this substring in that passage' checks."""
    return re.sub(r"\s+", "", normalize(text))


# ---------------------------------------------------------------- boilerplate

_BOILERPLATE = [
    re.compile(p)
    for p in (
        r"下载文档前请自行甄别",
        r"如文档侵犯您的权益|请联系客服反馈|人工客服工作时间",  # item 3 of the same download notice
        r"仅部分预览.*不可在线预览",
        r"^[-\s\d、.]*(?:该文档|本文档|文档)?.*(?:下载|预览).*(?:积分|会员|下载券)",
        r"^相似文献$",
        r"^\d{1,3}[.、．]$",  # a lone list number of a search-result page
        r"共查询到\d+条相似文献",
        r"设为首页",
        r"免责声明",
        r"加入收藏",
        r"^Copyright|版权所有|ICP备",
        r"^首页\s*\|",
        r"官方微博|高级检索",
        r"^简介[:：]",
        r"^-?\s*\d+、\s*(?:\"|“)?仅部分预览",
        r"^(?:上一篇|下一篇|返回顶部|点击查看|扫一扫|分享到)",
        r"^下载.{0,40}(?:word格式文档|\.docx?)$",  # '下载加强校际合作 促进均衡发展.doc'
        r"将本文档下载到|^点此处下载|^文档为doc格式|^声明[:：]本文内容由互联网用户|^相关范文推荐$",
        rf"^{_IMAGE_ONLY.pattern}$",  # a line that is only a markdown image (normalize strips one in text)
        r"^[A-Za-z ]*\d+\s*$",  # page numbers / running footers like 'P 12'
        # a journal byline line: '李丽  张苗妙 《人民教育》2023,(18):51-53' (authors, journal, year, issue, pages)
        r"^[\u4e00-\u9fff·\s]{2,30}《[^》]{2,30}》\s*\d{4}\s*[,，]\s*[(（]\d+[)）]\s*[:：]\s*\d+(?:\s*[-—–]\s*\d+)?$",
    )
]


def is_boilerplate(line: str) -> bool:
    """True for site furniture of web-scraped documents (download notices, 相似文献, 设为首页, footers)."""
    s = line.strip()
    if not s:
        return False
    if re.fullmatch(r"[\W_]+", s):  # lines of only punctuation/symbols
        return True
    return any(p.search(s) for p in _BOILERPLATE)


# ---------------------------------------------------------------- sentences


def split_sentences(text: str) -> list[str]:
    """Split on 。！？；… and line ends, keeping the end mark and any closing quote with its sentence."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE_RE.finditer(text)) if s]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence of split_sentences in text (whitespace trimmed)."""
    spans = []
    for m in _SENTENCE_RE.finditer(text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def ends_sentence(line: str) -> bool:
    """True when a line ends with a mark after which a new line really is a new paragraph."""
    s = line.rstrip()
    return bool(s) and s[-1] in TERMINAL_PUNCT


# ---------------------------------------------------------------- ordinals and list items

_ORDINAL_DIGITS = "一二三四五六七八九十"
_ASKED_ORDINAL = re.compile(r"第([一二三四五六七八九十]|\d{1,2})[个条种项点类所次部]")


def asked_ordinal(question: str) -> tuple[int, str] | None:
    """Which item of a list a question asks about: '第二个教育集团由哪些学校组成' -> (2, '第二个')."""
    m = _ASKED_ORDINAL.search(question)
    if not m:
        return None
    g = m.group(1)
    return (int(g) if g.isdigit() else _ORDINAL_DIGITS.index(g) + 1), m.group(0)


def _item_marker(n: int) -> str:
    """A regex for the marker of a list's n-th item: '2.' '2、' '（2）' '第二' '二、' '二是' '（二）' '其二'."""
    arabic = rf"(?<![\d.]){n}[、.．)）](?!\d)|[（(]{n}[)）]"
    if n > len(_ORDINAL_DIGITS):
        return arabic
    cn = _ORDINAL_DIGITS[n - 1]
    return rf"{arabic}|第{cn}|(?<![{_ORDINAL_DIGITS}]){cn}[、是]|[（(]{cn}[)）]|其{cn}"


def has_nth_item(text: str, n: int) -> bool:
    """True when text lists an n-th item (see _item_marker); '二中' is no item marker."""
    return bool(re.search(_item_marker(n), text))


def nth_item(text: str, n: int) -> str | None:
    """The n-th item of a list in text ('一是…；二是…', '（一）…', '1.…'), without its marker."""
    if n < 1:
        return None
    m = re.search(rf"(?:{_item_marker(n)})(.+?)(?=[；;。]|{_item_marker(n + 1)}|$)", normalize(text))
    return m.group(1).strip("，, ") if m else None


# ---------------------------------------------------------------- comparison questions

_ASKS_EACH = re.compile(r"分别|各(?=[是有采用自])|不同|区别|相比|对比|异同|差异")
_CLAUSE_MARK = re.compile(r"[，,。？?！!；;]")
_SECOND_ITEM_END = re.compile(r"分别|各(?=[是有采用自])|在|有什么不同|有何不同|相比|对比|的区别|的异同|的差异")


def comparison_parts(question: str, conjunctions: list[tuple[int, int]]) -> list[str]:
    """'A和B分别…' -> ['A…', 'B…']: one question per compared item, each with the shared rest of the question.

    `conjunctions` are the (start, end) offsets of coordinating 和/与/及 words (the tokenizer's POS tags tell
    和 from 和谐). Only questions that ask about each item (分别, 各是, 有什么不同, 相比 …) are split. The first
    item runs from its clause start, the second up to 分别/各/在/有什么不同 or the clause end; a '的' tail or head
    that only one item spells out is shared ('临安市和宁波市的规模' -> '临安市的规模', '宁波市的规模').
    """
    if not _ASKS_EACH.search(question):
        return []
    start = 0
    clauses = []
    for m in _CLAUSE_MARK.finditer(question):
        clauses.append((start, m.start()))
        start = m.end()
    clauses.append((start, len(question)))
    for a, b in clauses:
        for c_start, c_end in conjunctions:
            if not a < c_start < b:
                continue
            stop = _SECOND_ITEM_END.search(question, c_end, b)
            end = stop.start() if stop else b
            if end <= c_end:
                continue
            first, second = question[a:c_start], question[c_end:end]
            if "的" in second and "的" not in first:
                first += second[second.index("的"):]
            elif "的" in first and "的" not in second:
                second = first[: first.rindex("的") + 1] + second
            head, tail = question[:a], question[end:]
            return [head + first + tail, head + second + tail]
    return []


# ---------------------------------------------------------------- outline markers

_NUM_CN = "一二三四五六七八九十百零〇两"
OUTLINE_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(f"^第[{_NUM_CN}\\d]+(?:部分|篇|章|编)[\\s:：、.]*")),
    (2, re.compile(f"^[{_NUM_CN}]{{1,3}}[、.．]\\s*")),
    (3, re.compile(f"^[（(][{_NUM_CN}]{{1,3}}[)）][、.．]?\\s*")),
    (4, re.compile(r"^\d{1,2}(?:[、．•·]|\.(?!\d))\s*")),
    (5, re.compile(r"^[（(]\d{1,2}[)）][、.．]?\s*")),
]
_HEADING_WORDS = (
    "指导思想|总体目标|基本原则|主要措施|主要任务|工作目标|组织保障|保障措施|工作要求|实施步骤|目标任务|"
    "引言|结论|结语|背景|意义|现状|问题|建议|对策|策略|途径|方法|目标|原则|措施|任务|保障|要求|机制|模式|"
    "内容|成效|做法|经验|情况|分析|总结|展望|体系|概念|内涵|优势|思考|实践|方向|评价|设置|职责|定位|组成|进展|成果"
)
_HEADING_END = re.compile(f"^.{{0,14}}?(?:{_HEADING_WORDS})")


@dataclass(frozen=True)
class OutlineMark:
    """A Chinese outline marker at the start of a line: its level (1 = 第一部分 ... 5 = （1）) and heading text."""

    level: int
    marker: str
    heading: str
    rest: str  # text on the same line after the heading (glued body text)


def outline_mark(line: str) -> OutlineMark | None:
    """Recognise 第一部分/第一篇/第一章, 一、, （一）, 1./1、, （1） and cut the heading off glued body text.

    Scraped lines often glue the heading to its first sentence ("一、指导思想以习近平..."): a short first
    clause is the heading; otherwise the shortest prefix ending in a heading word (目标, 原则, 措施...).
    """
    s = line.strip()
    for level, pat in OUTLINE_PATTERNS:
        m = pat.match(s)
        if not m:
            continue
        body = s[m.end() :]
        if not body or body[0] in "，,。":
            return None
        marker = m.group(0).strip()
        heading, rest = _cut_heading(body, level)
        return OutlineMark(level, marker, heading, rest)
    return None


# a deeper marker glued to a short heading: '基本原则1.坚持立足实际' -> '基本原则' + '1.坚持立足实际'
_GLUED_MARKER = re.compile(
    f"[^，。；：！？:;,\\d（(]{{2,20}}?(?=\\d{{1,2}}(?:[、．•·]|\\.(?!\\d))|[（(](?:[{_NUM_CN}]{{1,3}}|\\d{{1,2}})[)）])"
)


def _cut_heading(body: str, level: int = 0) -> tuple[str, str]:
    glued = _GLUED_MARKER.match(body) if level <= 3 else None
    if glued:
        return glued.group(0), body[glued.end() :]
    clause = re.match(r"[^，。；：！？:;,]*", body).group(0)  # type: ignore[union-attr]
    m = _HEADING_END.match(body)
    if len(body) <= 30 and not re.search("[。；！？]", body[:-1]):
        if m and body.endswith("。") and len(body) - m.end() > 8 and is_cjk(body[m.end()]):  # '引言义务教育均衡发展是…议题。': heading + sentence
            return m.group(0), body[m.end() :]
        return body.rstrip("。；;"), ""
    if m and len(m.group(0)) <= len(clause):
        return m.group(0), body[m.end() :].lstrip("。：:；;，, ")
    if len(clause) <= 16 and len(clause) < len(body):
        return clause, body[len(clause) :].lstrip("。：:；;，, ")
    return body[:12] + "…", body


def heading_label(mark: OutlineMark) -> str:
    """How a heading shows in a heading path: '三、主要措施', '（二）加大扶持力度'."""
    marker = mark.marker.rstrip()
    if mark.level == 1 and not re.search("[:：、.]$", marker):
        marker += "："
    return f"{marker}{mark.heading}"


_NOT_AFTER_HEADING = set("和与及的（(，,、：:。；;）)”")


def strip_leading_heading(sentence: str, headings: list[str]) -> str:
    """'二、总体目标深入推进…' -> '深入推进…': a heading the structure step found, glued to the first sentence of its
    section, is dropped from the sentence (not from the quote). Kept when what follows reads as the heading's own
    continuation ('…的模式和组织结构', '…实施方案（试行）', '（1）…涌入市城，出现了…') or too little would be left."""
    text = sentence
    for heading in headings:
        heading = heading.strip()
        if not heading or not text.startswith(heading):
            continue
        rest = text[len(heading):]
        if rest[:1] in _NOT_AFTER_HEADING or cjk_count(rest) < 8:
            break
        text = rest
    return text


# ---------------------------------------------------------------- titles


def looks_like_title(line: str) -> bool:
    """A short line with no sentence punctuation and no outline marker: a document or article title."""
    s = line.strip()
    if not (4 <= len(s) <= 60) or cjk_count(s) < 4 or (len(s) > 40 and "——" not in s):
        return False
    if outline_mark(s) or s[-1] in TERMINAL_PUNCT or re.search("[。！？；，,|]", s):  # '|': a table row
        return False
    return not s.startswith(("——", "--"))


_TITLE_RUN = r"([^，。；：！？、,.;:!?（）()“”《》\s]{8,40}?)"
_GLUED_TITLE = re.compile(_TITLE_RUN + r"(?=一[、．.])")


@lru_cache(maxsize=32)
def _glued_pattern(openers: tuple[str, ...]) -> re.Pattern[str]:
    if not openers:
        return _GLUED_TITLE
    return re.compile(_TITLE_RUN + r"(?=一[、．.]|" + "|".join(re.escape(o) for o in openers) + ")")


def glued_title(text: str, openers: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """'义务教育均衡发展研究述评一、引言…' -> (title, '一、引言…'): a scraped title glued to its article's first
    line, before 一、 or before one of a corpus's essay openers (`openers`, from its profile: the seeds' scraped
    essays open with 随着); a doubled 'XX综述XX综述' counts once."""
    m = _glued_pattern(openers).match(text.strip())
    if not m:
        return None
    title = m.group(1)
    half = len(title) // 2
    if len(title) % 2 == 0 and title[:half] == title[half:]:
        title = title[:half]
    if not looks_like_title(title):
        return None
    return title, text.strip()[m.end() :]


# a journal byline glued behind the title: '钟战华 | 浙江省海盐县武原中学', '作者：林耀强来源：《师道·教研》2019年第03期'
_BYLINE = re.compile(
    rf"(?:[{CJK}·]{{2,4}}\s*[|｜]\s*[^，。；|｜]{{2,30}}?(?:中学|小学|学校|大学|学院|教育局|研究院|研究所|研究室|中心)"
    rf"|作者[:：]\s*[{CJK}·、]{{2,12}}?\s*来源[:：]\s*《[^》]{{1,30}}》\s*(?:\d{{4}}年)?\s*(?:第?\d{{1,3}}期)?)\s*"
)
_TITLE_SUFFIX = re.compile(r"[（(](?:试行|草案|征求意见稿|修订稿?|暂行|正)[)）]")


def running_header_end(text: str, title: str) -> int:
    """Where the body starts in a first line that opens with its article's title: the running header of a
    scraped page ('22融合共建，促进…发展钟战华 | 浙江省海盐县武原中学如何推进…') is its page number, the title and
    the byline; 0 when the line does not open that way or nothing would be left of it."""
    return running_header_parts(text, title)[1]


def running_header_parts(text: str, title: str) -> tuple[int, int]:
    """(where the title part of a running header ends, where the whole header ends); (0, 0) when none."""
    if not title:
        return 0, 0
    page = len(text) - len(text.lstrip("0123456789"))
    if not text.startswith(title, page):
        return 0, 0
    end = page + len(title)
    while text.startswith(title, end):  # '…研究综述…研究综述随着…': a title scraped twice
        end += len(title)
    suffix = _TITLE_SUFFIX.match(text, end)  # '…实施方案（试行）为进一步…': the rest of the title
    if suffix:
        end = suffix.end()
    title_end = end
    byline = _BYLINE.match(text, end)
    if byline:
        end = byline.end()
    return (title_end, end) if cjk_count(text[end:]) >= 8 else (0, 0)


def restarts_outline(mark: OutlineMark | None) -> bool:
    """True for a top-level 一、 (or 一.) marker: numbering that starts over begins a new article or part."""
    return bool(mark and mark.level == 2 and mark.marker.rstrip("、.． ") == "一")


def is_subtitle(line: str) -> bool:
    """'——实验小学与陈坊中小学教育共同体汇报材料': a dash-led line that belongs to the title above it."""
    s = line.strip()
    return s.startswith(("——", "--", "—")) and len(s) <= 60 and not re.search("[。！？]", s)


# ---------------------------------------------------------------- legal texts (laws, regulations, 办法)

_LEGAL_NUM = f"[{_NUM_CN}千\\d]+"
_LEGAL_ARTICLE = re.compile(f"^第{_LEGAL_NUM}条(?:之[{_NUM_CN}]+)?(?=[\\s　]|$|[{CJK}“（(])")
_LEGAL_PART = re.compile(f"^(第{_LEGAL_NUM}(编|章|节))[\\s　:：、.]*(.*)$")
LEGAL_PART_LEVEL = {"编": 1, "章": 2, "节": 3}
_MARKER_SPACE = re.compile(f"^(第{_LEGAL_NUM}[条章节编](?:之[{_NUM_CN}]+)?)[ \\t\\u3000]+(?=\\S)")


def legal_article(line: str) -> str | None:
    """'第二十五条 教师的平均工资…' -> '第二十五条': the article number that opens a line of a law, else None."""
    m = _LEGAL_ARTICLE.match(line.strip())
    return m.group(0) if m else None


def legal_part(line: str) -> tuple[int, str] | None:
    """'第五章 待遇' -> (2, '第五章 待遇'): a 编 (1), 章 (2) or 节 (3) heading line of a law, with its name."""
    m = _LEGAL_PART.match(line.strip())
    if not m or len(m.group(3)) > 30 or re.search("[。；！？]", m.group(3)):
        return None
    return LEGAL_PART_LEVEL[m.group(2)], f"{m.group(1)} {m.group(3)}".strip()


def is_item(line: str) -> bool:
    """（一）… / 1. … / (1)…: an enumerated item, which belongs to the sentence that introduces it."""
    s = line.strip()
    return bool(re.match(f"^(?:[（(](?:[{_NUM_CN}]{{1,3}}|\\d{{1,2}})[)）]|\\d{{1,2}}[、.．](?!\\d)|[{_NUM_CN}]{{1,3}}、)", s))


# adoption / amendment / issue history: '1993年10月31日 第八届全国人民代表大会常务委员会第四次会议通过'
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_HISTORY_VERB = re.compile(r"(?:通过|修正|修订|公布|发布|施行|批准|印发|颁布|废止)")
_ISO_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def iso_date(text: str) -> str:
    """The first '2009年8月27日' (or 2009-08-27) in text as '2009-08-27'; '' when there is none."""
    m = _CN_DATE.search(text) or _ISO_IN_NAME.search(text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else ""


def history_entry(line: str) -> str | None:
    """The ISO date of a line of a law's adoption/amendment history ('2009年8月27日 …修正'), else None.

    Such a line opens with (or, in brackets, consists of) a date and says what happened on it (通过, 修订, 发布 …).
    """
    s = line.strip().strip("（()）")
    m = _CN_DATE.match(s)
    if not m or len(s) > 160 or not _HISTORY_VERB.search(s[m.end():]) or legal_article(s):
        return None
    return iso_date(s)


def issuer_of(history: str) -> str:
    """Who adopted or issued a text, from its first history line: '第八届全国人民代表大会常务委员会第四次会议通过'
    -> '全国人民代表大会常务委员会'; '中华人民共和国国务院令第188号发布' -> '中华人民共和国国务院'."""
    s = _CN_DATE.sub("", history, count=1).strip().strip("（()）　 ")
    s = re.sub(f"第{_LEGAL_NUM}届", "", s)
    s = re.split(f"第{_LEGAL_NUM}次(?:全体)?会议|令第|[〔\\[［]|《", s)[0]
    s = _HISTORY_VERB.split(s)[0]
    return s.strip("，、 　")


_DOC_NUMBER = re.compile(
    f"[{CJK}]{{1,10}}[〔\\[［]\\d{{4}}[〕\\]］]\\s*第?\\d{{1,4}}\\s*号|[{CJK}]{{2,20}}令\\s*(?:\\(\\d{{4}}\\)\\s*)?第?\\s*\\d{{1,4}}\\s*号"
)


def doc_number(text: str) -> str:
    """The 文号 of a document: '浙教基〔2020〕12号', '中华人民共和国国务院令第188号'; '' when text has none."""
    m = _DOC_NUMBER.search(_CN_DATE.sub(" ", text))
    return re.sub(r"\s+", "", m.group(0)) if m else ""


# the kind of a document, read from how its title ends (a trailing （试行）/（草案） does not count)
DOC_TYPES: tuple[tuple[str, str], ...] = (
    ("实施办法", "办法"), ("办法", "办法"), ("实施细则", "细则"), ("细则", "细则"), ("条例", "条例"),
    ("规定", "规定"), ("规则", "规则"), ("决定", "决定"), ("意见", "意见"), ("通知", "通知"),
    ("通告", "通知"), ("公告", "公告"), ("方案", "方案"), ("规划", "规划"), ("纲要", "规划"), ("计划", "计划"),
    ("标准", "标准"), ("指南", "指南"), ("报告", "报告"), ("汇报材料", "报告"), ("经验材料", "报告"),
    ("总结", "报告"), ("调研", "报告"), ("汇报", "报告"), ("发言稿", "讲话"), ("讲话", "讲话"), ("法", "法律"),
)
_REPORT_WORDS = re.compile(r"(?:研究|探索|探析|探究|思考|述评|综述|实践|策略|路径|分析|对策|启示|浅谈|浅析|论)")


def doc_type(title: str) -> str:
    """'中华人民共和国教师法' -> '法律', '…实施方案（试行）' -> '方案', an essay title -> '论文'; '' when unknown."""
    t = re.sub(r"[（(][^（()）]{1,10}[)）]$", "", title.strip()).strip()
    for ending, kind in DOC_TYPES:
        if t.endswith(ending):
            return kind
    if _REPORT_WORDS.search(t):
        return "论文"
    return ""


_PAGE_NUMBER = re.compile(r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$")


def is_page_number(line: str) -> bool:
    """'— 3 —', '- 3 -', '第 3 页', '第3页 共10页', '3/10': a page number line of a printed document."""
    return bool(_PAGE_NUMBER.match(line.strip()))


_SITE_SEPARATORS = re.compile(rf"\s*(?:[|｜_]|\s[-—–]\s|——|(?<=[{CJK}])[-—–](?=[{CJK}]))\s*")


def page_title(title: str) -> str:
    """An HTML <title> without its site name: '教育部关于…的通知 - 中华人民共和国教育部' -> the longest part."""
    parts = [p.strip() for p in _SITE_SEPARATORS.split(title.strip()) if p.strip()]
    return max(parts, key=lambda p: (bool(doc_type(p)), cjk_count(p))) if parts else ""  # a document's name ends in its type


def date_in_name(name: str) -> str:
    """'教师法(2009-08-27)' -> '2009-08-27': a date a file name carries (the last resort for a version date)."""
    m = _ISO_IN_NAME.search(name)
    return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else ""


# a byline line under a title: '钟战华 | 浙江省海盐县武原中学', '作者：林耀强', '浙江省海盐县武原中学 钟战华'
_BYLINE_LINE = re.compile(
    rf"^(?:作者[:：]\s*[{CJK}·、，, ]{{2,30}}|[{CJK}·]{{2,4}}(?:[ 　、，,][{CJK}·]{{2,4}}){{0,3}}\s*[|｜（(]\s*[^，。；]{{2,30}}?"
    rf"(?:中学|小学|学校|大学|学院|教育局|研究院|研究所|研究室|中心|幼儿园)[)）]?"
    rf"|[^，。；|｜]{{2,30}}?(?:中学|小学|学校|大学|学院|教育局|研究院|研究所|研究室|中心|幼儿园)\s+[{CJK}·]{{2,4}}(?:[ 　、][{CJK}·]{{2,4}}){{0,3}})$"
)


def is_byline(line: str) -> bool:
    """A line naming an article's authors (and their school): kept as the `author` of the article."""
    return bool(_BYLINE_LINE.match(line.strip()))


def byline_end(text: str, start: int) -> int:
    """Where a byline glued into a running header (see running_header_end) ends, from `start`; `start` if none."""
    m = _BYLINE.match(text, start)
    return m.end() if m else start


# ------------------------------------------------------------------ invisible characters
# Format characters (Unicode Cf: zero-width space/joiners, bidi embeddings and isolates, soft hyphen, BOM, tags)
# and control characters other than tab and form feed: a reader never sees them, so a passage that carries them can hide
# words from the reader or split a term so search misses it. Some CJK PDF fonts also extract with a NUL between
# characters. All of them are dropped at ingest.
_INVISIBLE = re.compile(r"[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                        r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")


def strip_invisible(text: str) -> str:
    """Text without zero-width, bidi-control, other format characters and C0/C1 controls (tab and form feed kept)."""
    return _INVISIBLE.sub("", text)
