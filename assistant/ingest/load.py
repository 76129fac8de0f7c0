"""One file in, one RawDoc out: its text as lines plus the lines its format marks as headings.

Pure apart from reading the file; cleaning and outline detection happen later, so lines are kept as found.
Anything that cannot be ingested raises UnsupportedFile(path, reason) and the caller moves on.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import stat as stat_module
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import docx
import pypdf
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from assistant.errors import UnsupportedFile
from assistant.ingest.css import Stylesheet, parse_stylesheet
from assistant.ingest.decode import decode_text
from assistant.ingest.sandbox import ParserLimit, run_limited
from assistant.text import zh

logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged PDF's recoverable warnings are not the user's business
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".html", ".htm")
MIB = 1024 * 1024

Extracted = tuple[list[str], set[int], str]  # lines, 1-based heading line numbers, the title the format states


@dataclass(frozen=True)
class RawDoc:
    """A document's text as lines (line 1 is lines[0]) with its format's heading lines and file identity."""

    path: Path
    source: str
    lines: list[str]
    heading_lines: frozenset[int]
    sha256: str
    size: int
    mtime: float
    title: str = ""  # what the format calls the title (docx Title style, '# ', <h1>/<title>, PDF's largest line)


@dataclass(frozen=True)
class Limits:
    """What one file may cost: its size, its inflated size (zip containers), its longest line, and, when set,
    the parser's time and memory (then it runs in a forked child: see assistant/ingest/sandbox.py)."""

    max_bytes: int = 20 * MIB
    max_inflated_bytes: int = 200 * MIB
    max_line_chars: int = 200_000
    timeout_s: float | None = None
    memory_mb: float | None = None


def load(path: Path, max_bytes: int = 20 * MIB, limits: Limits | None = None) -> RawDoc:
    """Read and extract one supported file; raises UnsupportedFile with a reason the user can act on."""
    path = Path(path)
    limits = limits or Limits(max_bytes=max_bytes)
    max_bytes = limits.max_bytes
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no suffix)"
        raise UnsupportedFile(
            path, f"unsupported file type {shown} (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        stat = path.stat()
        if not stat_is_regular(stat.st_mode):
            raise UnsupportedFile(path, f"not a regular file ({file_kind(stat.st_mode)})")
        if stat.st_size == 0:
            raise UnsupportedFile(path, "empty file")
        if stat.st_size > max_bytes:
            raise UnsupportedFile(
                path, f"file too large ({_mb(stat.st_size)} MB > limit {_mb(max_bytes)} MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UnsupportedFile(path, f"cannot read file: {exc.strerror or exc}") from None
    if not data:
        raise UnsupportedFile(path, "empty file")
    try:
        _check_container(suffix, data, limits)
        lines, headings, title = _extract(suffix, data, limits)
    except ValueError as exc:
        raise UnsupportedFile(path, str(exc)) from None
    if lines and lines[-1] == "":
        lines.pop()
    if any("\ufffd" in line for line in lines):
        raise UnsupportedFile(path, "text contains replacement characters (U+FFFD)")
    for number, line in enumerate(lines, start=1):
        if len(line) > limits.max_line_chars:
            raise UnsupportedFile(
                path, f"line {number} has {len(line):,} characters (limit {limits.max_line_chars:,}): not prose"
            )
    return RawDoc(
        path=path,
        source=path.name,
        lines=lines,
        heading_lines=frozenset(n for n in headings if n <= len(lines) and lines[n - 1].strip()),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mtime=stat.st_mtime,
        title=title.strip(),
    )


def stat_is_regular(mode: int) -> bool:
    return stat_module.S_ISREG(mode)


def file_kind(mode: int) -> str:
    """'FIFO', 'socket', 'directory'... for a message about a path that is not a regular file."""
    for test, name in ((stat_module.S_ISFIFO, "FIFO"), (stat_module.S_ISSOCK, "socket"),
                       (stat_module.S_ISDIR, "directory"), (stat_module.S_ISCHR, "character device"),
                       (stat_module.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


# ------------------------------------------------------------------ guards around the extractors


def _check_container(suffix: str, data: bytes, limits: Limits) -> None:
    """A .docx is a zip: refuse it before inflating when its members declare more than the inflated limit
    (zipfile never inflates a member past its declared size, so the declaration bounds the work)."""
    if suffix != ".docx":
        return
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValueError("unreadable DOCX: not a .docx (zip) package") from None
    inflated = sum(m.file_size for m in members)
    if inflated > limits.max_inflated_bytes:
        raise ValueError(
            f"DOCX inflates to {_mb(inflated)} MB (limit {_mb(limits.max_inflated_bytes)} MB): refused unopened"
        )
    if not any(m.filename == "word/document.xml" for m in members):
        raise ValueError("unreadable DOCX: no word/document.xml (not a Word document)")


def _extract(suffix: str, data: bytes, limits: Limits) -> Extracted:
    """The format's extractor, in a time- and memory-limited child when limits say so; its lines cleaned of
    invisible characters (zero-width, bidi, NUL between a PDF's characters) and, for Markdown, of raw HTML."""
    extractor = _EXTRACTORS[suffix]
    if limits.timeout_s is not None and limits.memory_mb is not None:
        try:
            lines, headings, title = run_limited(extractor, data, limits.timeout_s, limits.memory_mb)
        except ParserLimit as exc:
            raise ValueError(str(exc)) from None
    else:
        try:
            lines, headings, title = extractor(data)
        except RecursionError:
            raise ValueError("nested too deeply to parse") from None
    if suffix in (".md", ".markdown"):
        lines = _strip_raw_html(lines)
    return [zh.strip_invisible(line) for line in lines], headings, zh.strip_invisible(title)


_RAW_HTML_BLOCK = re.compile(r"<(script|style|iframe|object|embed|noscript|template|svg)\b", re.IGNORECASE)
_RAW_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->")


def _strip_raw_html(lines: list[str]) -> list[str]:
    """Raw HTML a Markdown file carries: tags removed, script/style/iframe... content dropped (line count kept)."""
    out: list[str] = []
    closing: str | None = None
    for line in lines:
        text = line
        if closing is not None:
            end = re.search(f"</{closing}\\s*>", text, re.IGNORECASE)
            if end is None:
                out.append("")
                continue
            text, closing = text[end.end() :], None
        while (block := _RAW_HTML_BLOCK.search(text)) is not None:
            name = block.group(1)
            end = re.search(f"</{name}\\s*>", text[block.end() :], re.IGNORECASE)
            if end is None:
                text, closing = text[: block.start()], name
                break
            text = text[: block.start()] + text[block.end() + end.end() :]
        out.append(_RAW_HTML_TAG.sub("", text))
    return out


_HTML_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])",
    re.IGNORECASE,
)
_HTML_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:sr-only|visually-hidden|screen-reader-text|hidden)(?:\s|$)")


def _html_hidden(element: Tag) -> bool:
    """Text a reader of the page never sees: hidden attribute, aria-hidden, an inline style that hides it, a
    screen-reader-only class (instructions are smuggled into a passage that way)."""
    return (
        element.has_attr("hidden")
        or str(element.get("aria-hidden") or "").lower() == "true"
        or bool(_HTML_HIDDEN_STYLE.search(str(element.get("style") or "")))
        or bool(_HTML_HIDDEN_CLASS.search(" ".join(element.get_attribute_list("class"))))
    )


def _mb(n_bytes: int) -> str:
    """Megabytes for a message: '25.3' for real sizes, enough digits for the tiny limits tests use."""
    value = n_bytes / MIB
    return f"{value:.1f}" if value >= 0.1 else f"{value:.6f}".rstrip("0")


def _split(text: str) -> list[str]:
    """Lines of text with \\r\\n and \\r normalised to \\n (not str.splitlines: it also splits on \\f, \\x1c...)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _short(exc: Exception) -> str:
    """A library error as a short one-line reason."""
    message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return message if len(message) <= 100 else message[:97] + "..."


# ------------------------------------------------------------------ plain text and markdown


def _load_txt(data: bytes) -> Extracted:
    return _split(decode_text(data)), set(), ""


_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MD_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)(.*?)(?:[ \t]+#+)?[ \t]*$")
_MD_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_TABLE_SEP = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")
_MD_LINK_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+")
_MD_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_MD_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+")
_MD_INLINE = (
    (re.compile(r"<!--.*?-->"), ""),  # HTML comments are not rendered ('<!-- INFO END -->')
    (re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])"), ""),  # images go entirely
    (re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])"), r"\1"),  # [text](url) and [text][ref] -> text
    (re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"(?<![*A-Za-z0-9])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*A-Za-z0-9])"), r"\1"),
    (re.compile(r"(?<![_A-Za-z0-9])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![_A-Za-z0-9])"), r"\1"),  # not snake_case
    (re.compile(r"`+([^`]+)`+"), r"\1"),
    (re.compile(r"\\([!-/:-@\[-`{-~])"), r"\1"),  # backslash escapes
)


def _md_inline(line: str) -> str:
    for pattern, replacement in _MD_INLINE:
        line = pattern.sub(replacement, line)
    return line


def _load_markdown(data: bytes) -> Extracted:
    """Markdown with its syntax marks removed, one output line per source line so line numbers match the file."""
    lines: list[str] = []
    headings: set[int] = set()
    in_code = False
    previous = ""  # the previous source line when it was a plain paragraph line, else ""
    title = ""  # the first level-1 '# ' heading
    for number, line in enumerate(_split(decode_text(data)), start=1):
        if _MD_FENCE.match(line):
            in_code = not in_code
            lines.append("")
            previous = ""
            continue
        if in_code:
            lines.append(line)
            continue
        if _MD_SETEXT.match(line) and previous.strip():
            headings.add(number - 1)  # 'Title' underlined by === or ---
            lines.append("")
            previous = ""
            continue
        plain = not (_MD_ATX.match(line) or _MD_BULLET.match(line) or _MD_QUOTE.match(line) or "|" in line)
        previous = line if plain else ""
        if _MD_RULE.match(line) or _MD_TABLE_SEP.match(line) or _MD_LINK_DEF.match(line):
            lines.append("")
            continue
        atx = _MD_ATX.match(line)
        if atx:
            headings.add(number)
            if not title and re.match(r"^ {0,3}#(?!#)", line):
                title = _md_inline(atx.group(1)).strip()
            line = atx.group(1)
        line = _MD_BULLET.sub(r"\1", _MD_QUOTE.sub("", line))
        if line.lstrip().startswith("|"):
            line = " | ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        lines.append(_md_inline(line))
    return lines, headings, title


# ------------------------------------------------------------------ docx

_DOCX_HEADING_STYLE = re.compile(r"^(?:heading\s*\d|title|标题(?:\s*\d)?)$", re.IGNORECASE)


def _docx_is_heading(paragraph: Paragraph) -> bool:
    """Heading N / Title / 标题 N style (or a style based on one), or an explicit outline level."""
    if any(int(v) < 9 for v in paragraph._p.xpath("./w:pPr/w:outlineLvl/@w:val")):
        return True
    style: BaseStyle | None = paragraph.style
    depth = 0
    while style is not None and depth < 10:
        if _DOCX_HEADING_STYLE.match((style.name or "").strip()):
            return True
        if any(int(v) < 9 for v in style.element.xpath("./w:pPr/w:outlineLvl/@w:val")):
            return True
        style, depth = getattr(style, "base_style", None), depth + 1
    return False


def _docx_table_rows(table: Table) -> Iterable[str]:
    """Each row as its cells joined by ' | '; merged cells (repeated by python-docx) appear once."""
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        if any(cells):
            yield " | ".join(cells)


def _docx_title(document: DocxDocument, paragraphs: list[Paragraph]) -> str:
    """The Title-style paragraph, else the first Heading 1, else the core properties' title."""
    for wanted in ("title", "heading 1", "标题 1", "标题"):
        for p in paragraphs:
            if (p.style is not None and (p.style.name or "").strip().lower() == wanted) and p.text.strip():
                return p.text.strip()
    return (document.core_properties.title or "").strip()


def _load_docx(data: bytes) -> Extracted:
    """Body paragraphs (auto-numbered ones with their numbers) and tables in document order (headers, footers
    and footnotes are not body text)."""
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        headings: set[int] = set()
        paragraphs: list[Paragraph] = []
        numbering = _DocxNumbering(document)
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                paragraphs.append(block)
                parts = _split(numbering.label(block) + block.text)  # <w:br/> inside a paragraph gives '\n'
                if _docx_is_heading(block):
                    headings.update(range(len(lines) + 1, len(lines) + len(parts) + 1))
                lines.extend(parts)
            else:
                lines.extend(_docx_table_rows(block))
        title = _docx_title(document, paragraphs)
    except (PackageNotFoundError, zipfile.BadZipFile):
        raise ValueError("unreadable DOCX: not a .docx (zip) package") from None
    except Exception as exc:  # python-docx/lxml raise many types on damaged files
        raise ValueError(f"unreadable DOCX: {_short(exc)}") from None
    return lines, headings, title


_CN_DIGITS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    """1 -> 一, 12 -> 十二, 25 -> 二十五 (Word's chineseCounting)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens % 10]) + "十" + (_CN_DIGITS[ones] if ones else "")


class _DocxNumbering:
    """Renders Word's automatic list numbers ('%1.', '（%1）', chineseCounting), which are not in the text."""

    def __init__(self, document: DocxDocument) -> None:
        self.formats: dict[tuple[str, str], tuple[str, str, int]] = {}  # (numId, ilvl) -> (numFmt, lvlText, start)
        self.counters: dict[tuple[str, int], int] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(_W + "abstractNumId"): a for a in root.findall(_W + "abstractNum")}
        for num in root.findall(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            node = abstract.get(ref.get(_W + "val") if ref is not None else None)
            for lvl in node.findall(_W + "lvl") if node is not None else []:
                fmt, text, start = lvl.find(_W + "numFmt"), lvl.find(_W + "lvlText"), lvl.find(_W + "start")
                self.formats[(num.get(_W + "numId") or "", lvl.get(_W + "ilvl") or "0")] = (
                    fmt.get(_W + "val") if fmt is not None else "decimal",
                    text.get(_W + "val") if text is not None else "",
                    int(start.get(_W + "val") or 1) if start is not None else 1,
                )

    def label(self, paragraph: Paragraph) -> str:
        ids = paragraph._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
        levels = paragraph._p.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
        if not ids:
            return ""
        num, ilvl = str(ids[0]), str(levels[0]) if levels else "0"
        fmt, text, start = self.formats.get((num, ilvl), ("decimal", "%1.", 1))
        if fmt in ("bullet", "none") or not text:
            return ""
        level = int(ilvl)
        for (other, deeper) in list(self.counters):
            if other == num and deeper > level:
                del self.counters[(other, deeper)]  # a new item restarts the numbering below it
        value = self.counters.get((num, level), start - 1) + 1
        self.counters[(num, level)] = value
        shown = _chinese_number(value) if fmt.startswith(("chinese", "ideograph", "japaneseCounting")) else str(value)
        return re.sub(r"%\d", shown, text)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# ------------------------------------------------------------------ pdf


def _load_pdf(data: bytes) -> Extracted:
    """The text layer, page after page; scanned PDFs have none and must be OCR'd before ingest."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else list(reader.pages)
    except Exception as exc:  # pypdf raises PdfReadError, KeyError, TypeError... on damaged files
        raise ValueError(f"unreadable PDF: {_short(exc)}") from None
    if locked:
        raise ValueError("unreadable PDF: encrypted (needs a password)")
    if not pages:
        raise ValueError("unreadable PDF: no pages")
    texts = []
    sizes: dict[str, float] = {}  # first page: each text piece's font size, for the title
    for number, page in enumerate(pages, start=1):
        try:
            visitor = _pdf_sizes(sizes) if number == 1 else None
            texts.append((page.extract_text(visitor_text=visitor) or "").replace("\x00", ""))
        except Exception as exc:
            raise ValueError(f"unreadable PDF: page {number}: {_short(exc)}") from None
    if not any(text.strip() for text in texts):
        raise ValueError("no text layer; OCR it first")
    page_lines = [[_pdf_unspace(line).strip() for line in _split(text.rstrip("\n"))] for text in texts]
    repeated = _pdf_running_lines(page_lines)
    lines: list[str] = []
    for number, printed in enumerate(page_lines):
        first = next((line for line in printed if line), "")
        # page 1 has no running header yet: a line repeated atop later pages that opens it is the title
        lines.extend(_pdf_join([line for line in printed if line not in repeated or (number == 0 and line == first)]))
    title = max(sizes, key=lambda t: (sizes[t], len(t))) if sizes else ""
    return lines, set(), title if title and max(sizes.values()) > min(sizes.values()) else ""


def _pdf_unspace(line: str) -> str:
    """'第 十 四 条   受 到': a line whose every character pypdf set apart; its single spaces go, a real space
    (a wider gap) stays one space."""
    tokens = [t for t in line.split(" ") if t]
    if len(tokens) < 5 or sum(1 for t in tokens if len(t) == 1) < 0.8 * len(tokens):
        return line  # words, not characters set apart
    return re.sub(r" {2,}", " ", re.sub(r"(?<=\S) (?=\S)", "", line))


def _pdf_sizes(sizes: dict[str, float]) -> Callable[..., None]:
    """A pypdf text visitor that records the rendered font size of each piece of text."""

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        piece = _pdf_unspace(text.replace("\x00", "")).strip()
        if zh.cjk_count(piece) >= 2:
            scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
            sizes[piece] = max(sizes.get(piece, 0.0), float(size) * scale)

    return visit


def _pdf_running_lines(pages: list[list[str]]) -> set[str]:
    """Lines printed at the top or bottom of most pages (a running header or footer), when there are 3+ pages."""
    if len(pages) < 3:
        return set()
    counts: dict[str, int] = {}
    for page in pages:
        edge = [line for line in page if line]
        for line in set(edge[:2] + edge[-2:]):
            counts[line] = counts.get(line, 0) + 1
    return {line for line, n in counts.items() if n >= max(3, len(pages) * 0.6)}


def _pdf_join(lines: list[str]) -> list[str]:
    """A page's lines with Chinese lines the layout wrapped joined again: a line as wide as the page's widest
    that ends no sentence continues on the next, unless the next opens an article, chapter or item."""
    widest = max((zh.cjk_count(line) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if (
            previous
            and line
            and widest >= 10
            and zh.cjk_count(previous) >= widest * 0.8
            and not zh.ends_sentence(previous)
            and not (zh.legal_article(line) or zh.legal_part(line) or zh.outline_mark(line) or zh.is_page_number(line))
            and not zh.history_entry(line)
        ):
            out[-1] = previous + line
        elif previous and line and zh.legal_article(previous) == previous:
            out[-1] = f"{previous} {line}"  # '第十四条' set on a line of its own
        else:
            out.append(line)
    return out


# ------------------------------------------------------------------ html

_HTML_ALWAYS_DROP = ("script", "style", "noscript", "template", "svg", "iframe", "head")
_HTML_BOILERPLATE = {"nav", "header", "footer", "aside", "form"}
_HTML_NAV_HINT = re.compile(
    r"nav(?:i|bar|igation)?(?![a-z])|menu|breadcrumb|crumb|footer|sidebar|side-bar|(?<![\w-])header(?![\w-])|banner|share|copyright",
    re.IGNORECASE
)
_HTML_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HTML_BLOCKS = _HTML_HEADINGS | {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr",
    "html", "legend", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "ul",
}  # fmt: skip
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # HTML whitespace only: \xa0 and \u3000 are text


class _HtmlLines:
    """Collects inline text into lines; a block boundary ends the current line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.headings: set[int] = set()
        self.parts: list[str] = []
        self.in_heading = 0

    def add(self, text: str) -> None:
        self.parts.append(text)

    def end_line(self) -> None:
        line = "".join(self.parts).strip(" ")
        self.parts = []
        if line:
            self.lines.append(line)
            if self.in_heading:
                self.headings.add(len(self.lines))


def _html_main(soup: BeautifulSoup) -> Tag:
    """The element holding the main text: the only <article>, else <main>, else the longest <article>, else body."""
    body: Tag = soup.body or soup
    articles = [a for a in body.find_all("article") if a.get_text(strip=True)]
    main = body.find("main")
    if len(articles) == 1:
        return articles[0]
    if main is not None and main.get_text(strip=True):
        return main
    if articles:
        return max(articles, key=lambda a: len(a.get_text(strip=True)))
    return body


def _html_skip(element: Tag, root: Tag, root_chars: int) -> bool:
    """Page furniture: nav/footer/aside/form, a page-level header, hidden elements, nav-like class or id."""
    if _html_hidden(element):
        return True
    name = element.name
    hinted = _HTML_NAV_HINT.search(
        " ".join(element.get_attribute_list("class")) + " " + str(element.get("id") or "")
    )
    if name not in _HTML_BOILERPLATE and not hinted:
        return False
    if name == "header" and root.name in ("article", "main"):
        return False  # an article's own header holds its title
    # a wrapper (ASP.NET <form>, <div class="has-sidebar">) that holds most of the text is not furniture
    return len(element.get_text(strip=True)) <= root_chars / 2


def _html_walk(node: Tag, out: _HtmlLines, root: Tag, root_chars: int, pre: bool = False) -> None:
    """Text of node's children into out: blocks end lines, <br> ends a line, <pre> keeps its newlines."""
    for child in node.children:
        if isinstance(child, NavigableString):
            if isinstance(child, PreformattedString):
                continue  # comments, doctype, CDATA, processing instructions
            if pre:
                first, *rest = str(child).replace("\r\n", "\n").split("\n")
                out.add(first)
                for piece in rest:
                    out.end_line()
                    out.add(piece)
            else:
                out.add(_HTML_SPACE.sub(" ", str(child)))
            continue
        if not isinstance(child, Tag) or _html_skip(child, root, root_chars):
            continue
        name = child.name
        if name == "br":
            out.end_line()
        elif name == "tr":
            out.end_line()
            _html_row(child, out, root, root_chars)
        elif name in _HTML_BLOCKS:
            out.end_line()
            out.in_heading += name in _HTML_HEADINGS
            _html_walk(child, out, root, root_chars, pre or name == "pre")
            out.end_line()
            out.in_heading -= name in _HTML_HEADINGS
        else:
            _html_walk(child, out, root, root_chars, pre)


def _html_row(row: Tag, out: _HtmlLines, root: Tag, root_chars: int) -> None:
    """A data-table row becomes 'cell | cell'; a layout-table row (cells holding blocks) is walked as blocks."""
    cells = row.find_all(["td", "th"], recursive=False)
    if any(cell.find(list(_HTML_BLOCKS | {"br"})) for cell in cells):
        for cell in cells:
            _html_walk(cell, out, root, root_chars)
            out.end_line()
        return
    texts = []
    for cell in cells:
        inner = _HtmlLines()
        _html_walk(cell, inner, root, root_chars)
        inner.end_line()
        texts.append(" ".join(inner.lines))
    if any(texts):
        out.add(" | ".join(texts))
        out.end_line()


def _drop_styled_hidden(soup: BeautifulSoup, sheet: Stylesheet) -> None:
    """Remove the elements the page's own stylesheet hides (`.x{display:none}`, an sr-only clip rule…), before
    the main text is chosen or the title read; inline styles take part in the cascade (see assistant/ingest/css.py)."""
    if not sheet.by_key:
        return  # inline-only hiding is checked during the walk (_html_hidden)
    hidden = [element for element in soup.find_all(True) if sheet.hides(element)]
    for element in hidden:
        if not element.decomposed:  # an ancestor's removal took it already
            element.decompose()


def _load_html(data: bytes) -> Extracted:
    """The page's main text with block elements as lines; scripts, menus, headers and footers left out."""
    soup = BeautifulSoup(decode_text(data), "lxml")
    page = soup.find("title")
    page_title = zh.page_title(page.get_text(" ", strip=True)) if page else ""
    sheet = Stylesheet(parse_stylesheet("\n".join(tag.get_text() for tag in soup.find_all("style"))))
    for tag in soup.find_all(_HTML_ALWAYS_DROP):
        tag.decompose()
    _drop_styled_hidden(soup, sheet)
    root = _html_main(soup)
    h1 = root.find("h1") or soup.find("h1")
    title = h1.get_text("", strip=True) if h1 is not None else page_title
    out = _HtmlLines()
    _html_walk(root, out, root, len(root.get_text(strip=True)))
    out.end_line()
    return out.lines, out.headings, title


_EXTRACTORS: dict[str, Callable[[bytes], Extracted]] = {
    ".txt": _load_txt,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".docx": _load_docx,
    ".pdf": _load_pdf,
    ".html": _load_html,
    ".htm": _load_html,
}
