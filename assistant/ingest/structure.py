"""Clean a loaded document and split it into articles whose paragraphs carry heading paths.

Pure functions over lines: boilerplate dropped, punctuation normalised, broken lines joined (keeping the
original line numbers), articles split at 第N篇 markers, title lines (also glued to the first line) and
restarted 一、 numbering, outline markers turned into paths.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text import zh

_ARTICLE_MARK = re.compile(r"^第[一二三四五六七八九十百\d]+篇[\s:：、.]*")
_JOIN_MIN_CHARS = 40  # a line this long that does not end a sentence was wrapped, not ended
_STYLED_LEVEL = 2  # a format heading without an outline marker ranks like 一、


@dataclass
class Paragraph:
    """A run of text lines joined into one paragraph; `segments` maps text offsets back to file lines."""

    text: str
    start_line: int
    end_line: int
    segments: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, line number)
    heading_path: list[str] = field(default_factory=list)
    is_heading: bool = False  # the paragraph is an outline heading (possibly with glued body text)
    styled: bool = False  # the file's format marks it as a heading (docx heading style, markdown '#')
    level: int = 0
    is_title: bool = False  # the article's title line, kept as its first paragraph (searchable, quotable)
    unit: str = ""  # in a law: the 第X条 this paragraph belongs to ('' before the first article)
    is_byline: bool = False  # the article's byline (authors, school): its `author`, kept in the text

    def line_at(self, offset: int) -> int:
        """The file line that holds character `offset` of this paragraph's text."""
        line = self.start_line
        for seg_offset, seg_line in self.segments:
            if seg_offset <= offset:
                line = seg_line
            else:
                break
        return line


@dataclass
class Article:
    """One article of a file: its title, its body paragraphs in order, and what its text says about itself."""

    title: str
    paragraphs: list[Paragraph]
    index: int = 0
    doc_type: str = ""  # 法律, 条例, 办法, 通知, 方案, 报告, 论文 … (from the title's ending)
    issuer: str = ""  # who adopted or issued it (from the history line or the signature)
    doc_number: str = ""  # 文号: 浙教基〔2020〕12号, 国务院令第188号
    date: str = ""  # ISO date it was adopted or issued (the first history line)
    version_date: str = ""  # ISO date of this version: the last amendment, else `date`, else the file name's date
    author: str = ""  # the byline of a report or paper
    legal: bool = False  # structured by 第X条: articles are the units of chunking

    @property
    def start_line(self) -> int:
        return self.paragraphs[0].start_line if self.paragraphs else 0

    @property
    def end_line(self) -> int:
        return self.paragraphs[-1].end_line if self.paragraphs else 0

    @property
    def text(self) -> str:
        """The article body as stored for display ('全文'); chunk char offsets point into it."""
        return "\n".join(p.text for p in self.paragraphs)


@dataclass(frozen=True)
class Cleaning:
    """A corpus profile's cleaning.txt: lines matching a `drop` pattern go; a `cut` pattern's match ('cut:REGEX',
    a journal's running header glued to a sentence) is cut from the line and the rest stays; an 'opener:WORD'
    is a word the corpus's essays open with, before which a scraped title may be glued to the first line."""

    drop: tuple[re.Pattern[str], ...] = ()
    cut: tuple[re.Pattern[str], ...] = ()
    openers: tuple[str, ...] = ()  # 'opener:随着': words this corpus's essays open with, a title glued before them

    @classmethod
    def from_entries(cls, entries: list[str]) -> Cleaning:
        """Compile profile entries; raises ValueError naming a pattern that is no regular expression."""
        drop: list[re.Pattern[str]] = []
        cut: list[re.Pattern[str]] = []
        openers = tuple(e[len("opener:"):].strip() for e in entries if e.startswith("opener:") and e[len("opener:"):].strip())
        for entry in entries:
            if entry.startswith("opener:"):
                continue
            pattern = entry[4:] if entry.startswith("cut:") else entry
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad pattern {pattern!r}: {exc}") from None
            (cut if entry.startswith("cut:") else drop).append(compiled)
        return cls(tuple(drop), tuple(cut), openers)

    def line(self, raw: str) -> str:
        """The normalised line, '' when it is boilerplate (the language's rules or the profile's)."""
        for pattern in self.cut:
            raw = pattern.sub("", raw.lstrip(), count=1)
        text = zh.normalize(raw)
        if not text or zh.is_boilerplate(text) or zh.is_page_number(text) or any(p.search(text) for p in self.drop):
            return ""
        return text


def clean_lines(lines: list[str], cleaning: Cleaning | None = None) -> list[tuple[int, str]]:
    """(line number, normalised text) for every line worth keeping: boilerplate (the language's rules and the
    corpus profile's `cleaning`), page numbers and blank lines dropped."""
    rules = cleaning or Cleaning()
    kept = []
    for number, raw in enumerate(lines, start=1):
        text = rules.line(raw)
        if text:
            kept.append((number, text))
    return kept


def _joins(previous: Paragraph, line: str, before: Paragraph | None = None, openers: tuple[str, ...] = ()) -> bool:
    """True when `line` continues `previous` (the source wrapped a sentence across lines).

    A long line that ends no sentence was wrapped; so was a short one that stops inside a clause list
    ('政府应该增加对农村学校的资金支持,提高农村教师'), unless it is a heading or a title repeated below.
    A title-like line right under a numbered point (`before`, given only when no blank line follows the
    title-like line) is the point's explanation, wrapped: '5. 加强学校间的合作与交流。' / '政府可以组织…学生交'.
    """
    if zh.ends_sentence(previous.text) or _repeats_title(previous.text, line):
        return False
    if zh.history_entry(previous.text) or zh.history_entry(line) or zh.legal_article(line) or zh.legal_part(line):
        return False  # a law's history line, article and chapter each stand on their own line
    if " | " in line or " | " in previous.text:  # table rows (docx, markdown) are lines of their own
        return False
    single = previous.start_line == previous.end_line
    item_line = single and _item_heading(before) and zh.looks_like_title(previous.text)
    if len(previous.text) < _JOIN_MIN_CHARS and not item_line:
        if not re.search("[，、]", previous.text) or (single and zh.outline_mark(previous.text)):
            return False
    if single and zh.looks_like_title(previous.text) and not item_line:
        return False
    return not (zh.outline_mark(line) or _ARTICLE_MARK.match(line) or zh.is_subtitle(line) or zh.glued_title(line, openers))


def _item_heading(p: Paragraph | None) -> bool:
    """'5. 加强学校间的合作与交流。': a one-line numbered point whose explanation follows on the next lines."""
    return bool(p and p.start_line == p.end_line and len(p.text) <= 30 and p.text.endswith("。") and zh.outline_mark(p.text))


def _repeats_title(title: str, text: str) -> bool:
    """'推动名校集团化办学，促进…' followed by a paragraph that opens with it (after a page number): a title."""
    return len(title) <= 40 and len(text) > len(title) and text.lstrip("0123456789").startswith(title)


def join_paragraphs(numbered: list[tuple[int, str]], heading_lines: frozenset[int] = frozenset(),
                    openers: tuple[str, ...] = ()) -> list[Paragraph]:
    """Join wrapped lines into paragraphs; a line ending a sentence, a heading or a title starts anew."""
    paragraphs: list[Paragraph] = []
    for number, text in numbered:
        styled = number in heading_lines
        before = paragraphs[-2] if len(paragraphs) > 1 and number == paragraphs[-1].end_line + 1 else None
        if paragraphs and not styled and not paragraphs[-1].styled and _joins(paragraphs[-1], text, before, openers):
            p = paragraphs[-1]
            glue = " " if p.text[-1:].isascii() and text[:1].isascii() and p.text[-1:].isalnum() else ""
            p.segments.append((len(p.text) + len(glue), number))
            p.text += glue + text
            p.end_line = number
        else:
            paragraphs.append(Paragraph(text, number, number, [(0, number)], styled=styled))
    return paragraphs


def _span_chars(paragraphs: list[Paragraph]) -> int:
    return sum(len(p.text) for p in paragraphs)


def _has_body(paragraphs: list[Paragraph]) -> bool:
    return sum(len(p.text) for p in paragraphs if not p.is_heading) >= 60 or len(paragraphs) >= 3


def _date_line(text: str) -> bool:
    """A line that is only a date ('2024年3月5日'), as a notice or letter ends."""
    return len(text) <= 20 and bool(zh.iso_date(text)) and zh.cjk_count(zh._CN_DATE.sub("", text)) == 0


def _signature(paragraphs: list[Paragraph], i: int) -> bool:
    """True for the issuer's name right above the closing date line that ends the text (a notice's signature)."""
    rest = paragraphs[i + 1 :]
    return len(paragraphs[i].text) <= 30 and len(rest) == 1 and _date_line(rest[0].text) and not zh.ends_sentence(paragraphs[i].text)


def split_articles(paragraphs: list[Paragraph], fallback_title: str, format_title: str = "",
                   openers: tuple[str, ...] = ()) -> list[Article]:
    """Split at 第N篇 markers, at title lines after body text, at a title glued to a first line and where 一、
    numbering starts over; give each paragraph its heading path. `format_title` (what the file's format calls
    its title: docx properties, HTML <title>, PDF's largest line) names a first article whose text has none."""
    articles: list[Article] = []
    titles: list[str] = []  # title lines waiting for the body of the next article
    title_paras: list[Paragraph] = []  # the paragraphs of those lines
    bylines: list[Paragraph] = []  # '钟战华 | 浙江省海盐县武原中学' under the title
    explicit = ""  # a 第N篇 title, preferred over plain title lines
    body: list[Paragraph] = []
    numbered = False  # the body has had a top-level marker past 一、 (二、, 三、 ...)
    legal = False  # the body has had a 第X条: a law is one document, its title-like lines are its own
    stated = zh.normalize(format_title) if format_title else ""

    def flush() -> None:
        nonlocal titles, title_paras, bylines, explicit, body, numbered, legal
        numbered = legal = False
        if body:
            fallback = stated if not articles and stated else fallback_title
            if not articles and not explicit and fallback in titles:
                explicit = fallback  # the format says which line is the title
            elif not articles and len(titles) > 1 and not zh.is_subtitle(titles[0]):
                titles = titles[1:]  # the file's own title line above the first article's title
            title = _pick_title(explicit, titles, fallback, body[0].text)
            # the title lines stay the article's first paragraphs: searchable and quotable like its text
            kept = [t for t in title_paras if t.text in title]
            for t in kept:
                t.is_title = True
            # a 文号 under the title ('浙教基〔2020〕12号') looks like a title line, but it is the document's number
            numbers = [t for t in title_paras if t not in kept and zh.doc_number(t.text)]
            articles.append(Article(title, [*kept, *numbers, *bylines, *body]))
        elif articles and (titles or explicit):
            pass  # trailing title lines with no body: dropped
        titles, title_paras, bylines, explicit, body = [], [], [], "", []

    for i, p in enumerate(paragraphs):
        if stated and not articles and p.text == stated and _span_chars(body) < 200:
            titles, title_paras, bylines, body = [p.text], [p], [], []  # above the format's title: page furniture
            continue
        mark = _ARTICLE_MARK.match(p.text)
        if mark:
            flush()
            explicit = p.text[mark.end() :].strip()
            continue
        following = paragraphs[i + 1].text if i + 1 < len(paragraphs) else ""
        titled = zh.looks_like_title(p.text) or (
            _repeats_title(p.text, following) and not zh.ends_sentence(p.text) and not zh.outline_mark(p.text)
        )
        if body and _signature(paragraphs, i):
            body.append(p)  # '浙江省教育厅' over the date at a notice's end signs it: no next article's title
            continue
        if p.styled and (body or titles or explicit):
            body.append(p)  # a styled heading below a title is a section heading, not a new article
            continue
        if legal or zh.history_entry(p.text):
            body.append(p)  # a law's adoption history is its text (dates, searchable), never its title
            legal = legal or bool(zh.legal_article(p.text))
            continue
        if titles and not body and zh.is_byline(p.text):
            p.is_byline = True
            bylines.append(p)
            continue
        if zh.legal_article(p.text):
            legal = True
        if titled and p.start_line == p.end_line:
            if body and _has_body(body):
                flush()
            if not body:
                titles.append(p.text)
                title_paras.append(p)
                continue
        if zh.is_subtitle(p.text) and not body:
            titles.append(p.text)
            title_paras.append(p)
            continue
        outline = zh.outline_mark(p.text)
        glued = zh.glued_title(p.text, openers) if body and not p.styled else None
        if glued and _has_body(body) and (numbered or (openers and glued[1].startswith(openers))):
            flush()  # '以集团化办学破解…困局一、引言…': the next article, its title scraped onto its first line
            titles.append(glued[0])
            legal = False
        elif zh.restarts_outline(outline) and numbered:
            flush()  # 一、 again after 二、/三、: numbering started over, so a new (untitled) article did
        if outline and outline.level == 1:
            numbered = False  # 第二部分 may number its sections from 一、 again
        elif outline and outline.level == 2 and not zh.restarts_outline(outline):
            numbered = True
        body.append(p)
    flush()
    for i, article in enumerate(articles):
        article.index = i
        cut_running_header(article)
        article.legal = sum(1 for p in article.paragraphs if zh.legal_article(p.text)) >= 2
        if article.legal:
            assign_legal_paths(article)
        else:
            assign_heading_paths(article)
        describe(article, fallback_title)
    return articles


def assign_legal_paths(article: Article) -> None:
    """A law's paths: title > 第一编 … > 第二章 … > 第一节 … > 第X条. Items （一）1. and the 款 of an article are
    not headings: they belong to its 第X条 (and travel with its head sentence when chunked)."""
    parts: list[tuple[int, str]] = []
    unit = ""
    for p in article.paragraphs:
        part = None if p.is_title else zh.legal_part(p.text)
        if part:
            parts = [(lvl, lab) for lvl, lab in parts if lvl < part[0]] + [part]
            unit = ""
            p.is_heading, p.level = True, part[0]
        elif p.is_title:
            p.is_heading, p.level = True, 0
        else:
            unit = zh.legal_article(p.text) or unit
        p.unit = unit
        p.heading_path = [article.title] + [lab for _, lab in parts] + ([unit] if unit else [])


_FRONT_PARAGRAPHS = 8  # where a document states its history, 文号 and byline: right under the title


def describe(article: Article, fallback_title: str) -> None:
    """Fill the article's document fields from what its text states: history dates, issuer, 文号, byline, type."""
    front: list[Paragraph] = []
    for p in article.paragraphs[:_FRONT_PARAGRAPHS]:
        if zh.legal_article(p.text) or zh.legal_part(p.text) or (len(p.text) > 80 and not zh.history_entry(p.text)):
            break
        front.append(p)
    history = [(p, d) for p in front if (d := zh.history_entry(p.text))]
    if history:
        article.date = history[0][1]
        article.version_date = max(d for _, d in history)
        article.issuer = zh.issuer_of(history[0][0].text)
    else:  # a notice signs at its end: '浙江省教育厅' / '2020年5月12日'
        tail = [p.text for p in article.paragraphs[-3:]]
        for k, text in enumerate(tail):
            if _date_line(text):
                article.date = zh.iso_date(text)
                signer = tail[k - 1] if k > 0 else ""
                if 2 <= len(signer) <= 30 and not zh.ends_sentence(signer) and not re.search("[，。；]", signer):
                    article.issuer = signer
                break
    article.doc_number = next((n for p in front if (n := zh.doc_number(p.text))), "")
    bylines = [p.text for p in article.paragraphs[:_FRONT_PARAGRAPHS] if p.is_byline]
    article.author = "；".join(re.split("来源[:：]", re.sub("^作者[:：]", "", b))[0].strip() for b in bylines)
    # a date the file is named with (laws are saved as '教育法(2021-04-29)') is a later amendment the text's
    # history may not list yet
    article.version_date = max(article.version_date or article.date, zh.date_in_name(fallback_title))
    article.doc_type = zh.doc_type(article.title) or ("论文" if article.author else "")


def cut_running_header(article: Article) -> None:
    """Drop the page number and title a scraped page glued to the article's first line: the title is the
    article's own already (title, heading path, keyword field), and in the text it began every quote of the
    first passage with '22融合共建…钟战华 | …'. A byline glued there becomes a paragraph of its own (the
    article's author, searchable). The line numbers keep pointing at the body's lines."""
    body = [i for i, p in enumerate(article.paragraphs) if not p.is_title and not p.is_byline]
    if not body:
        return
    first = article.paragraphs[body[0]]
    title_end, cut = zh.running_header_parts(first.text, article.title)
    if not cut:
        return
    byline = first.text[title_end:cut].strip()
    if byline:
        line = first.line_at(title_end)
        article.paragraphs.insert(body[0], Paragraph(byline, line, line, [(0, line)], is_byline=True))
    first.text = first.text[cut:]
    kept: list[tuple[int, int]] = []
    for offset, line in first.segments:
        if offset <= cut:
            kept = [(0, line)]  # the segment the body now starts in
        else:
            kept.append((offset - cut, line))
    first.segments = kept
    first.start_line = kept[0][1]


def _pick_title(explicit: str, titles: list[str], fallback: str, first_text: str = "") -> str:
    """The most specific title: a 第N篇 title, else the title line the body repeats, else the first title
    line (later ones are wrapped title fragments or author lines); a dash subtitle is appended."""
    subtitle = next((t for t in titles if zh.is_subtitle(t)), "")
    plain = [t for t in titles if not zh.is_subtitle(t)]
    repeated = [t for t in plain if first_text.startswith(t)]
    title = explicit or (repeated or plain or [""])[0] or fallback
    title = re.sub(r"[（(]正[)）]$", "", title).strip()
    return f"{title}{subtitle}" if subtitle else title


def assign_heading_paths(article: Article) -> None:
    """Give every paragraph the path title > 一、... > （二）... from the outline markers above it."""
    stack: list[tuple[int, str]] = []
    for p in article.paragraphs:
        if p.is_title or p.is_byline:
            p.heading_path, p.is_heading, p.level = [article.title], p.is_title, 0
            continue
        rest = p.text
        if rest.startswith(article.title) and len(rest) > len(article.title):
            rest = rest[len(article.title) :]  # '小学学校集团化办学经验材料一、集团化办学...' repeats its title
        first = True
        if p.styled and not zh.outline_mark(rest):
            stack = [(lvl, lab) for lvl, lab in stack if lvl < _STYLED_LEVEL] + [(_STYLED_LEVEL, rest)]
            p.is_heading, p.level = True, _STYLED_LEVEL
        while True:
            mark = zh.outline_mark(rest)
            if not mark:
                break
            stack = [(lvl, lab) for lvl, lab in stack if lvl < mark.level]
            stack.append((mark.level, zh.heading_label(mark)))
            if first:
                p.is_heading, p.level = True, mark.level
                first = False
            rest = mark.rest
            if not rest:
                break
        p.heading_path = [article.title] + [label for _, label in stack]


def structure(
    lines: list[str],
    fallback_title: str,
    heading_lines: frozenset[int] = frozenset(),
    format_title: str = "",
    cleaning: Cleaning | None = None,
) -> list[Article]:
    """The whole cleaning path for one file: lines -> clean -> paragraphs -> articles with heading paths.

    `heading_lines` are the line numbers its format marks as headings (RawDoc.heading_lines), `format_title`
    the title its format states (RawDoc.title), `cleaning` the corpus profile's boilerplate patterns.
    """
    openers = cleaning.openers if cleaning else ()
    return split_articles(join_paragraphs(clean_lines(lines, cleaning), heading_lines, openers), fallback_title,
                          format_title, openers)
