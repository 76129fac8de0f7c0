"""Sentence-aware chunks of one article: 300–500 characters, one sentence of overlap, never across articles."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from assistant.ingest.structure import Article, Paragraph
from assistant.text import zh

HEADING_SEPARATOR = " > "


@dataclass
class Chunk:
    """A passage as it is indexed and cited: text, where it sits (file, article, heading, lines) and its id."""

    chunk_id: str
    text: str
    source: str
    article_title: str
    heading: str
    start_line: int
    end_line: int
    char_start: int  # offsets into Article.text
    char_end: int
    article_index: int
    chunk_index: int
    tokens: list[str] = field(default_factory=list)
    # what the article's text says about its document (structure.describe)
    doc_type: str = ""
    issuer: str = ""
    doc_number: str = ""
    date: str = ""
    version_date: str = ""
    author: str = ""


@dataclass
class _Sentence:
    start: int
    end: int
    start_line: int
    end_line: int
    heading_path: list[str]
    opens_section: bool


def _chunk(article: Article, text: str, source: str, start: int, end: int, path: list[str], start_line: int,
           end_line: int, index: int) -> Chunk:
    """The chunk text[start:end] of the article (text = article.text) with its heading path and file lines; its
    id is its text's hash."""
    passage = text[start:end]
    return Chunk(chunk_id=chunk_id_for(passage), text=passage, source=source, article_title=article.title,
                 heading=HEADING_SEPARATOR.join(path), start_line=start_line, end_line=end_line, char_start=start,
                 char_end=end, article_index=article.index, chunk_index=index)


def chunk_id_for(text: str) -> str:
    """Stable id = hash of the normalised, whitespace-free text: unchanged text keeps its id across ingests."""
    return hashlib.sha256(zh.compact(text).encode("utf-8")).hexdigest()[:24]


def _sentences(article: Article) -> list[_Sentence]:
    sentences = []
    base = 0
    for p in article.paragraphs:
        for k, (s, e) in enumerate(zh.sentence_spans(p.text)):
            opens = p.is_heading and k == 0 and p.level <= 3
            sentences.append(
                _Sentence(base + s, base + e, p.line_at(s), p.line_at(e - 1), p.heading_path, opens)
            )
        base += len(p.text) + 1  # the "\n" that Article.text puts between paragraphs
    return sentences


def chunk_article(
    article: Article, source: str, min_chars: int = 300, max_chars: int = 500, overlap: int = 1
) -> list[Chunk]:
    """A law by its articles (see _legal_groups), anything else by greedy sentence packing: close a chunk before
    it passes max_chars, or at a new section once past min/2."""
    chunks = _legal_chunks(article, source, min_chars, max_chars) if article.legal else _packed(article, source, min_chars, max_chars, overlap)
    for c in chunks:
        c.doc_type, c.issuer, c.doc_number = article.doc_type, article.issuer, article.doc_number
        c.date, c.version_date, c.author = article.date, article.version_date, article.author
    return chunks


def _packed(article: Article, source: str, min_chars: int, max_chars: int, overlap: int) -> list[Chunk]:
    text = article.text
    sentences = _sentences(article)
    groups: list[tuple[list[_Sentence], int]] = []  # (sentences, how many are overlap from the previous chunk)
    current: list[_Sentence] = []
    carried = 0
    for s in sentences:
        if len(current) > carried:
            size = current[-1].end - current[0].start
            too_long = s.end - current[0].start > max_chars  # counts the line break between paragraphs too
            new_section = s.opens_section and size >= min_chars // 2
            if too_long or new_section:
                groups.append((current, carried))
                keep = current[-overlap:] if overlap and not new_section else []
                keep = [k for k in keep if k.end - k.start <= max_chars // 2]
                current, carried = list(keep), len(keep)
        current.append(s)
    if len(current) > carried:
        groups.append((current, carried))

    chunks = []
    for index, (group, carried) in enumerate(groups):
        start, end = group[0].start, group[-1].end
        body = group[carried] if carried < len(group) else group[0]
        chunks.append(_chunk(article, text, source, start, end, body.heading_path, group[0].start_line, group[-1].end_line, index))
    return chunks


# ------------------------------------------------------------------ laws: 第X条 is the unit


def _blocks(paragraphs: list[Paragraph]) -> list[list[Paragraph]]:
    """An article's paragraphs in blocks that are never split: a sentence ending in '：' with the items under it."""
    blocks: list[list[Paragraph]] = []
    for p in paragraphs:
        if blocks and zh.is_item(p.text) and blocks[-1][-1].text.rstrip().endswith(("：", ":")) or (
            blocks and zh.is_item(p.text) and zh.is_item(blocks[-1][-1].text) and len(blocks[-1]) > 1
        ):
            blocks[-1].append(p)
        else:
            blocks.append([p])
    return blocks


def _span(group: list[Paragraph]) -> int:
    return sum(len(p.text) + 1 for p in group) - 1


def _split_long(group: list[Paragraph], max_chars: int) -> list[list[Paragraph]]:
    """An article longer than max_chars, split between its 款 (blocks), a block between its items if need be."""
    parts: list[list[Paragraph]] = []
    for block in _blocks(group):
        pieces = [block] if _span(block) <= max_chars else [[p] for p in block]
        for piece in pieces:
            if parts and _span(parts[-1] + piece) <= max_chars:
                parts[-1].extend(piece)
            else:
                parts.append(list(piece))
    return parts


def _legal_groups(article: Article, min_chars: int, max_chars: int) -> list[list[Paragraph]]:
    """Whole articles (第X条), consecutive ones of one chapter packed up to min_chars (never past max_chars); a
    chapter heading travels with its first article, the title and history form the first group."""
    units: list[list[Paragraph]] = []
    pending: list[Paragraph] = []  # chapter headings waiting for their first article
    for p in article.paragraphs:
        if p.is_heading and not p.is_title:
            pending.append(p)
        elif pending or not units or (p.unit and p.unit != units[-1][-1].unit) or (not p.unit and units[-1][-1].unit):
            units.append(pending + [p])
            pending = []
        else:
            units[-1].append(p)
    if pending:
        units.append(pending)
    groups: list[list[Paragraph]] = []
    for unit in units:
        chapter = unit[-1].heading_path[:-1] if unit[-1].unit else unit[-1].heading_path
        if _span(unit) > max_chars:
            groups.extend(_split_long(unit, max_chars))
            continue
        last = groups[-1] if groups else None
        if (
            last
            and last[-1].unit
            and unit[-1].unit
            and not any(p.is_heading for p in unit)
            and last[-1].heading_path[:-1] == chapter
            and (_span(last) < min_chars or _span(unit) < min_chars // 3)
            and _span(last + unit) <= max_chars
        ):
            last.extend(unit)
        else:
            groups.append(list(unit))
    return groups


def _legal_chunks(article: Article, source: str, min_chars: int, max_chars: int) -> list[Chunk]:
    text = article.text
    offsets: dict[int, int] = {}
    base = 0
    for p in article.paragraphs:
        offsets[id(p)] = base
        base += len(p.text) + 1
    chunks = []
    for index, group in enumerate(_legal_groups(article, min_chars, max_chars)):
        start = offsets[id(group[0])]
        end = offsets[id(group[-1])] + len(group[-1].text)
        units = list(dict.fromkeys(p.unit for p in group if p.unit))
        path = next((p.heading_path for p in group if p.unit), group[-1].heading_path)
        if len(units) > 1:
            path = path[:-1] + [f"{units[0]}至{units[-1]}"]
        chunks.append(_chunk(article, text, source, start, end, path, group[0].start_line, group[-1].end_line, index))
    return chunks
