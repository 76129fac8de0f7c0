"""Pure rendering: an answer, a refusal, a passage, the knowledge-base table, as inert HTML or Markdown.

Corpus and user text only reaches the page escaped: answers go through a Markdown renderer with raw HTML,
links, images and autolinks switched off, everything else through `html.escape`, so a document holding
raw HTML or a Markdown image cannot make the browser fetch anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from markdown_it import MarkdownIt

from assistant.titles import display_title, file_name, is_hash_name

PANEL_HINT = '<div class="pa-panel-hint">点击回答中的 <span class="pa-cite-demo">[1]</span> 等编号，在这里查看原文出处。</div>'
STOPPED = "（已停止）"
FILE_HEADERS = ["标题", "类型", "日期", "发文机关", "片段数", "状态", "文件"]

# why a file was not ingested, by code (assistant.errors.REASON_CODES and assistant.kb)
REASONS_ZH = {
    "unknown_encoding": "无法识别的文字编码（仅支持 UTF-8 或 GB18030/GBK）",
    "binary_content": "二进制内容，不是文本文件",
    "empty_file": "空文件",
    "file_too_large": "文件过大",
    "unsupported_type": "不支持的文件类型（支持 txt、md、docx、pdf、html）",
    "no_text_layer": "PDF 没有文字层（扫描件），请先做文字识别（OCR）",
    "no_text_after_cleaning": "清理后没有正文",
    "replacement_characters": "文本含乱码（U+FFFD 替换字符）",
    "unreadable_docx": "无法读取的 Word 文件",
    "unreadable_pdf": "无法读取的 PDF 文件",
    "cannot_read": "无法读取文件",
    "not_a_regular_file": "不是普通文件",
    "bad_name": "文件名无效或重复",
    "name_taken": "知识库中已有同名文件（来自语料目录），请先删除它或改名后再上传",
    "ingest_locked": "另一个入库任务正在进行，请稍后再试",
    "not_in_kb": "知识库中没有这个文件",
}

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).disable(
    ["image", "link", "autolink", "reference", "html_inline", "html_block"]
)
_MD_SPECIAL = re.compile(r"([!-%'-/:<-@\[-`{-~])")  # ASCII punctuation but & and ; (kept for HTML entities)
_MARKER = re.compile(r"\[(\d+)\]")


def esc(text: str) -> str:
    """Corpus or user text as inert HTML: tags, entities and quotes escaped, line breaks kept."""
    return html.escape(text or "", quote=True).replace("\n", "<br>")


def md(text: str) -> str:
    """Text (a title, a reason) inert inside gr.Markdown: HTML escaped, then every Markdown/GFM sign
    backslash-escaped, so `![x](http:host)`, `[a](b)`, `www.` or `http:` autolinks and `$$` never render."""
    flat = " ".join((text or "").split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def markdown_html(text: str) -> str:
    """An answer's Markdown (lists, bold, headings) as HTML, with no raw HTML, link or image possible."""
    return _MARKDOWN.render(text or "")


def marker(turn: int, kind: str, n: int, extra: str = "") -> str:
    return (f'<button type="button" class="pa-cite{extra}" value="{turn}:{kind}:{n}" '
            f'title="查看出处 [{n}]">[{n}]</button>')


def where(c: Mapping[str, Any]) -> str:
    """File and line range; a hash-like file name is left out (the title already names the document)."""
    name = file_name(c)
    lines = f"第 {c.get('start_line')}–{c.get('end_line')} 行"
    return lines if not name or is_hash_name(name) else f"{name} · {lines}"


def heading_path(c: Mapping[str, Any]) -> str:
    """The heading path with its first part (the article) named by the document's display title."""
    parts = [p for p in str(c.get("heading") or "").split(" > ") if p]
    if parts and (is_hash_name(parts[0]) or parts[0] == c.get("article_title")):
        parts[0] = display_title(c)
    return " > ".join(parts)


def clip(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def mode_label(answer: Mapping[str, Any]) -> str:
    return "抽取式" if answer.get("mode", "extractive") == "extractive" else f"大模型 {answer.get('model', '')}"


def _titles(names: Iterable[str]) -> str:
    return "".join(f"《{esc(t)}》" for t in names)


def sources_strip(answer: Mapping[str, Any], turn: int) -> str:
    """Under an answer: its documents by title, each opening its first cited passage."""
    seen: dict[str, int] = {}
    for c in answer.get("citations") or []:
        seen.setdefault(display_title(c), c["n"])
    if not seen:
        return ""
    items = "".join(
        f'<button type="button" class="pa-cite pa-src" value="{turn}:c:{n}" title="查看出处">《{esc(t)}》</button>'
        for t, n in seen.items()
    )
    return f'<div class="pa-sources"><span class="pa-sources-title">来源</span>{items}</div>'


def answer_markdown(answer: Mapping[str, Any]) -> str:
    """The answer and its references as Markdown, for the copy button."""
    lines = [f"**问：** {answer.get('question', '')}", "", answer.get("answer", "") + (STOPPED if answer.get("stopped") else "")]
    refs = answer.get("related") if answer.get("refused") else answer.get("citations")
    if refs:
        lines += ["", "**可能相关：**" if answer.get("refused") else "**出处：**"]
        for c in refs:
            title = display_title(c)
            heading = heading_path(c)
            path = heading if heading.startswith(title) else f"《{title}》 > {heading}" if heading else f"《{title}》"
            lines.append(f"[{c['n']}] {path} · {where(c)}")
            lines.append(f"> {clip(c.get('quote') or c.get('text', ''), 200)}")
    return "\n".join(lines)


def _actions(answer: Mapping[str, Any], turn: int, last: bool = True) -> str:
    """Copy on every answer; 重新生成 only on the last one (regenerating an earlier answer would leave the
    later turns built on an answer no longer shown, and nothing of a conversation is thrown away unasked)."""
    copy = html.escape(answer_markdown(answer), quote=True)  # text of a hidden span: the sanitizer drops data-*
    regen = (f'<button type="button" class="pa-act pa-regen" value="{turn}" title="重新生成这个回答">重新生成</button>'
             if last else "")
    return (
        '<div class="pa-actions">'
        f'<span class="pa-md">{copy}</span>'
        '<button type="button" class="pa-act pa-copy-btn" title="复制回答和出处（Markdown）">复制</button>'
        f'{regen}'
        f'<span class="pa-mode-tag">{esc(mode_label(answer))} · {float(answer.get("latency_ms", 0)) / 1000:.1f} 秒</span>'
        "</div>"
    )


def answer_html(answer: Mapping[str, Any], turn: int, near_titles: Sequence[str] = (),
                filter_titles: Sequence[str] = (), last: bool = True) -> str:
    """One assistant message: 理解为, the answer as Markdown with clickable [n], its sources and actions;
    a refusal is an amber box naming the documents closest to the question; an answer cut short by 停止 says so."""
    parts: list[str] = []
    standalone = (answer.get("standalone_question") or "").strip()
    if standalone and standalone != (answer.get("question") or "").strip():
        parts.append(f'<div class="pa-understood">理解为：{esc(standalone)}</div>')
    if answer.get("notice"):
        parts.append(f'<div class="pa-notice">{esc(answer["notice"])}</div>')
    if answer.get("refused"):
        parts.append(refusal_html(answer, turn, near_titles, filter_titles))
    else:
        numbers = {c["n"] for c in answer.get("citations") or []}

        def link(m: re.Match[str]) -> str:
            n = int(m.group(1))
            return marker(turn, "c", n) if n in numbers else m.group(0)

        body = _MARKER.sub(link, markdown_html(answer.get("answer", "")))
        if filter_titles:
            parts.append(f'<div class="pa-understood">仅检索：{_titles(filter_titles)}</div>')
        parts.append(f'<div class="pa-answer">{body}</div>')
        if answer.get("stopped"):
            parts.append(f'<div class="pa-stopped">{STOPPED}</div>')
        parts.append(sources_strip(answer, turn))
    parts.append(_actions(answer, turn, last))
    return "".join(parts)


def refusal_html(answer: Mapping[str, Any], turn: int, near_titles: Sequence[str] = (),
                 filter_titles: Sequence[str] = ()) -> str:
    """The amber box: what was not found, where it was looked for, what the knowledge base does cover."""
    head = (f"在所选文档{_titles(filter_titles)}中未找到依据" if filter_titles else "未找到可靠依据")
    parts = [f'<div class="pa-refused"><div class="pa-refused-title">{head}</div>',
             f'<div>{esc(answer.get("answer", ""))}</div>']
    if filter_titles:
        parts.append('<div class="pa-meta">没有用其他文档作答。可以点 ✕ 取消“仅检索”，在全部文档中再问一次。</div>')
    if near_titles:
        parts.append(f'<div class="pa-meta pa-near">知识库中与这个问题最接近的文档：{_titles(near_titles)}</div>')
    related = answer.get("related") or []
    if related:
        items = "".join(
            f"<li>{marker(turn, 'r', c['n'])} 《{esc(display_title(c))}》<br>"
            f"<span class=\"pa-meta\">{esc(clip(c.get('quote') or c.get('text', '')))}</span></li>"
            for c in related
        )
        parts.append(f'<div class="pa-meta" style="margin-top:6px">可能相关：</div><ul class="pa-related">{items}</ul>')
    parts.append("</div>")
    return "".join(parts)


def streaming_html(text: str) -> str:
    """A partial answer while it streams: rendered as it will be, markers not yet clickable, a cursor."""
    return f'<div class="pa-answer pa-streaming">{markdown_html(text)}<span class="pa-cursor">▍</span></div>'


def mark(text: str, quote: str, css: str = "pa-quote") -> tuple[str, bool]:
    """Escaped text with exactly the quote wrapped in <mark>; False when the quote is not in it."""
    quote = (quote or "").strip()
    at = text.find(quote) if quote else -1
    if at < 0:
        return esc(text), False
    return esc(text[:at]) + f'<mark class="{css}">' + esc(quote) + "</mark>" + esc(text[at + len(quote):]), True


def passage_html(c: Mapping[str, Any], article: Mapping[str, Any] | None) -> str:
    """The passage panel: title, heading path, file and lines, the passage with its quote marked, 全文."""
    body, found = mark(c.get("text", ""), c.get("quote", ""))
    quote = "" if found or not c.get("quote") else f'<div class="pa-meta">引文：<mark class="pa-quote">{esc(c["quote"])}</mark></div>'
    title = display_title(c)
    if article is not None:
        full, _ = mark(article.get("text", ""), c.get("quote", ""), css="pa-quote-full")
        whole = f'<details class="pa-full"><summary>全文（《{esc(title)}》）</summary><div class="pa-article">{full}</div></details>'
    else:
        whole = '<div class="pa-meta pa-full">全文不可用（该文件可能已被删除）。</div>'
    name = file_name(c)
    return (
        '<div class="pa-passage">'
        '<button type="button" class="pa-drawer-close" title="关闭">✕</button>'
        f'<div class="pa-passage-title">[{c["n"]}] 《{esc(title)}》</div>'
        f'<div class="pa-meta">标题路径：{esc(heading_path(c))}</div>'
        f'<div class="pa-meta" title="{esc(name)}">出处：{esc(where(c))}</div>'
        f'{quote}<div class="pa-text">{body}</div>{whole}</div>'
    )


def reason_zh(code: str, reason: str = "") -> str:
    """A rejection shown in Chinese by its code, the original reason kept in brackets."""
    zh = REASONS_ZH.get(code)
    if zh is None:
        return reason or code
    return f"{zh}（{reason}）" if reason else zh


def local_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def file_rows(documents: Iterable[Any], query: str = "") -> list[list[Any]]:
    """The 知识库 table: title first, the file name last; `query` keeps rows whose title or file contain it."""
    query = (query or "").strip().lower()
    rows = []
    for d in documents:
        if query and query not in f"{d.title} {d.source} {d.issuer} {d.doc_type}".lower():
            continue
        status = "已入库" if d.on_disk else "已入库（原文件已移走）"
        if d.uploaded:
            status += " · 上传"
        rows.append([d.title, d.doc_type or "—", d.date or "—", d.issuer or "—", d.chunks, status, d.source])
    return rows


def kb_summary_line(summary: Mapping[str, Any]) -> str:
    types = "、".join(f"{t} {n} 篇" for t, n in summary.get("types", {}).items())
    return f"知识库共 {summary.get('documents', 0)} 个文档、{summary.get('chunks', 0)} 个片段" + (f"（{types}）" if types else "") + "。"


def filter_chip(titles: Sequence[str]) -> str:
    return f'<span class="pa-chip-text">仅检索：{_titles(titles)}</span>' if titles else ""
