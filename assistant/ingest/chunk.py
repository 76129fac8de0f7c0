"""Sentence-aware chunks of one article: 300–500 characters, one sentence of overlap, never across articles."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from assistant.ingest.structure import Article
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


@dataclass
class _Sentence:
    start: int
    end: int
    start_line: int
    end_line: int
    heading_path: list[str]
    opens_section: bool


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
    """Greedy sentence packing: close a chunk before it passes max_chars, or at a new section once past min/2."""
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
        passage = text[start:end]
        chunks.append(
            Chunk(
                chunk_id=chunk_id_for(passage),
                text=passage,
                source=source,
                article_title=article.title,
                heading=HEADING_SEPARATOR.join(body.heading_path),
                start_line=group[0].start_line,
                end_line=group[-1].end_line,
                char_start=start,
                char_end=end,
                article_index=article.index,
                chunk_index=index,
            )
        )
    return chunks
