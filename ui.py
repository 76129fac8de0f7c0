"""The Gradio app: a cited-answer chat, the knowledge base (upload, delete, re-index) and the `/ask` API.

`build_app(settings)` loads the models and the index once; `launch(app, settings)` serves it with the safety
defaults (loopback unless told otherwise, no share link, optional login, upload limit, nothing on disk served).
Every piece of corpus or user text reaches the page through `html.escape` and no Markdown renderer, so a
document holding raw HTML or a Markdown image cannot make the browser fetch anything.
"""

from __future__ import annotations

import html
import itertools
import json
import logging
import re
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, Settings, disable_telemetry

disable_telemetry()

import gradio as gr  # noqa: E402  (telemetry switches must be set before gradio is imported)

from assistant.assistant import Assistant  # noqa: E402
from assistant.errors import AssistantError, IndexMissing, IngestLocked  # noqa: E402
from assistant.ingest.pipeline import delete_source, doc_path, ingest, read_manifest  # noqa: E402
from assistant.ingest.tombstones import read_tombstones, set_tombstone, tombstone  # noqa: E402
from assistant.stats import index_stats  # noqa: E402

log = logging.getLogger(__name__)

MIB = 1024 * 1024
EXAMPLE_QUESTIONS = ("集团化办学有哪些模式？", "陈坊中小学位于什么地方？", "前锋学区实行了哪些统一管理？")
UPLOAD_TYPES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
INDEX_MISSING = (
    "知识库为空或尚未建立索引：请运行 `policy-assistant ingest`，或在“知识库”标签页上传文件。"
    "（run ingest or upload files in the 知识库 tab）"
)
PANEL_HINT = '<div class="pa-panel-hint">点击回答中的 <span class="pa-cite-demo">[1]</span> 等编号，在这里查看原文出处。</div>'
FILE_HEADERS = ["文件", "片段数", "文章数", "入库时间", "状态"]

# ingest rejection reasons (English, from assistant.ingest) shown to a principal in Chinese, original kept
_REASONS = (
    ("unknown encoding", "无法识别的文字编码（仅支持 UTF-8 或 GB18030/GBK）"),
    ("binary content", "二进制内容，不是文本文件"),
    ("empty file", "空文件"),
    ("file too large", "文件过大"),
    ("unsupported file type", "不支持的文件类型"),
    ("no text layer", "PDF 没有文字层（扫描件），请先做文字识别（OCR）"),
    ("no text left after cleaning", "清理后没有正文"),
    ("text contains replacement characters", "文本含乱码（U+FFFD 替换字符）"),
    ("unreadable DOCX", "无法读取的 Word 文件"),
    ("unreadable PDF", "无法读取的 PDF 文件"),
    ("cannot read", "无法读取文件"),
    ("not a regular file", "不是普通文件"),
)

CSS = """
.pa-cite { display: inline-block; min-width: 1.6em; margin: 0 1px; padding: 0 4px; border-radius: 4px;
  border: 1px solid var(--color-accent); background: var(--color-accent-soft); color: var(--color-accent);
  font-size: 0.85em; line-height: 1.5; cursor: pointer; vertical-align: baseline; }
.pa-cite:hover, .pa-cite.pa-active { background: var(--color-accent); color: #fff; }
.pa-cite-demo { color: var(--color-accent); font-weight: 600; }
.pa-answer { line-height: 1.8; }
.pa-sources { margin-top: 8px; padding-top: 6px; border-top: 1px dashed var(--border-color-primary);
  font-size: 0.9em; line-height: 1.7; }
.pa-sources-title { font-weight: 600; }
.pa-footer { margin-top: 6px; font-size: 0.8em; opacity: 0.7; }
.pa-notice { margin-bottom: 6px; padding: 4px 8px; border-radius: 4px; background: #fff4e5; color: #7a4b00; }
.pa-refused { padding: 10px 12px; border: 1px solid #e6a23c; border-left: 5px solid #e6a23c; border-radius: 6px;
  background: #fdf6ec; color: #5c3d00; }
.pa-refused-title { font-weight: 700; margin-bottom: 4px; }
.pa-refused .pa-related { margin: 6px 0 0 0; padding-left: 1.2em; }
.pa-passage { line-height: 1.8; }
.pa-passage-title { font-size: 1.05em; font-weight: 700; margin-bottom: 4px; }
.pa-meta { font-size: 0.9em; opacity: 0.85; }
.pa-text { margin-top: 8px; padding: 8px 10px; border-radius: 6px; background: var(--block-background-fill);
  border: 1px solid var(--border-color-primary); }
.pa-passage mark { background: #ffe58f; color: #000; padding: 0 2px; border-radius: 2px; }
.pa-full { margin-top: 10px; }
.pa-full summary { cursor: pointer; font-weight: 600; }
.pa-article { max-height: 420px; overflow-y: auto; margin-top: 6px; padding: 8px 10px; font-size: 0.92em;
  border: 1px solid var(--border-color-primary); border-radius: 6px; }
.pa-panel-hint { padding: 12px; opacity: 0.75; }
.pa-banner-warn { padding: 10px 12px; border-radius: 6px; border-left: 5px solid #e6a23c; background: #fdf6ec;
  color: #5c3d00; }
.pa-banner-ok { font-size: 0.9em; opacity: 0.85; }
#pa-panel { min-height: 200px; }
"""

# A click on any [n] marker (rendered inside chat messages) writes "turn:kind:n#nonce" into the hidden
# #pa-pick textbox; its change event renders the passage panel on the server. Delegated on the document,
# so it survives the chatbot re-rendering its messages.
JS = """
() => {
  if (window.__paCiteHandler) return;
  window.__paCiteHandler = true;
  let nonce = 0;
  document.addEventListener('click', (event) => {
    const marker = event.target && event.target.closest ? event.target.closest('.pa-cite') : null;
    if (!marker) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#pa-pick textarea, #pa-pick input');
    if (!box) return;
    document.querySelectorAll('.pa-cite.pa-active').forEach((el) => el.classList.remove('pa-active'));
    marker.classList.add('pa-active');
    nonce += 1;
    box.value = marker.value + '#' + nonce;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, true);
}
"""


# ---------------------------------------------------------------------------------------------- rendering
def esc(text: str) -> str:
    """Corpus or user text as inert HTML: tags, entities and quotes escaped, line breaks kept."""
    return html.escape(text or "", quote=True).replace("\n", "<br>")


_MD_SPECIAL = re.compile(r"([!-%'-/:<-@\[-`{-~])")  # ASCII punctuation but & and ; (kept for HTML entities)


def md(text: str) -> str:
    """Text (a file name, a reason) inert inside gr.Markdown: HTML escaped, then every Markdown/GFM sign
    backslash-escaped, so `![x](http:host)`, `[a](b)`, `www.` or `http:` autolinks and `$$` never render."""
    flat = " ".join((text or "").split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))


def marker(turn: int, kind: str, n: int) -> str:
    return f'<button type="button" class="pa-cite" value="{turn}:{kind}:{n}" title="查看出处 [{n}]">[{n}]</button>'


def _where(c: dict[str, Any]) -> str:
    return f"{'、'.join(c.get('sources') or [])} · 第 {c.get('start_line')}–{c.get('end_line')} 行"


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def answer_html(answer: dict[str, Any], turn: int) -> str:
    """One assistant message: the answer with clickable [n] markers and its sources, or a refusal box."""
    parts: list[str] = []
    if answer.get("notice"):
        parts.append(f'<div class="pa-notice">{esc(answer["notice"])}</div>')
    if answer.get("refused"):
        related = "".join(
            f"<li>{marker(turn, 'r', c['n'])} 《{esc(c['article_title'])}》 · {esc(_where(c))}<br>"
            f"<span class=\"pa-meta\">{esc(_clip(c.get('quote') or c.get('text', '')))}</span></li>"
            for c in answer.get("related") or []
        )
        parts.append(
            '<div class="pa-refused"><div class="pa-refused-title">未找到可靠依据</div>'
            f'<div>{esc(answer.get("answer", ""))}</div>'
            + (f'<div class="pa-meta" style="margin-top:6px">可能相关：</div><ul class="pa-related">{related}</ul>' if related else "")
            + "</div>"
        )
    else:
        numbers = {c["n"] for c in answer.get("citations") or []}

        def link(m: re.Match[str]) -> str:
            n = int(m.group(1))
            return marker(turn, "c", n) if n in numbers else m.group(0)

        linked = re.sub(r"\[(\d+)\]", link, esc(answer.get("answer", "")))
        parts.append(f'<div class="pa-answer">{linked}</div>')
        if answer.get("citations"):
            items = "".join(
                f"<div>{marker(turn, 'c', c['n'])} 《{esc(c['article_title'])}》 · {esc(_where(c))}</div>"
                for c in answer["citations"]
            )
            parts.append(f'<div class="pa-sources"><div class="pa-sources-title">出处</div>{items}</div>')
    mode = "抽取式" if answer.get("mode") == "extractive" else f"大模型 {answer.get('model', '')}"
    parts.append(f'<div class="pa-footer">{esc(mode)} · {float(answer.get("latency_ms", 0)) / 1000:.1f} 秒</div>')
    return "".join(parts)


def streaming_html(text: str) -> str:
    return f'<div class="pa-answer pa-streaming">{esc(text)}▍</div>'


def answer_markdown(answer: dict[str, Any]) -> str:
    """The answer and its references as Markdown, for the copy box."""
    lines = [f"**问：** {answer.get('question', '')}", "", answer.get("answer", "")]
    refs = answer.get("related") if answer.get("refused") else answer.get("citations")
    if refs:
        lines += ["", "**可能相关：**" if answer.get("refused") else "**出处：**"]
        for c in refs:
            path = c["heading"] if c["heading"].startswith(c["article_title"]) else f"《{c['article_title']}》 > {c['heading']}"
            lines.append(f"[{c['n']}] {path} · {_where(c)}")
            lines.append(f"> {_clip(c.get('quote') or c.get('text', ''), 200)}")
    return "\n".join(lines)


def _mark(text: str, quote: str) -> tuple[str, bool]:
    """Escaped text with the quote wrapped in <mark>; False when the quote was not found in it."""
    quote = (quote or "").strip()
    at = text.find(quote) if quote else -1
    if at < 0:
        return esc(text), False
    return esc(text[:at]) + "<mark>" + esc(quote) + "</mark>" + esc(text[at + len(quote):]), True


def passage_html(c: dict[str, Any], article: dict[str, Any] | None) -> str:
    """The side panel: the passage with its quote highlighted, heading path, file and lines, and the article."""
    body, found = _mark(c.get("text", ""), c.get("quote", ""))
    quote = "" if found or not c.get("quote") else f'<div class="pa-meta">引文：<mark>{esc(c["quote"])}</mark></div>'
    if article is not None:
        full, _ = _mark(article.get("text", ""), c.get("quote", ""))
        title = article.get("title") or c.get("article_title", "")
        whole = f'<details class="pa-full"><summary>全文（《{esc(title)}》）</summary><div class="pa-article">{full}</div></details>'
    else:
        whole = '<div class="pa-meta pa-full">全文不可用（该文件可能已被删除）。</div>'
    return (
        '<div class="pa-passage">'
        f'<div class="pa-passage-title">[{c["n"]}] 《{esc(c.get("article_title", ""))}》</div>'
        f'<div class="pa-meta">标题路径：{esc(c.get("heading", ""))}</div>'
        f'<div class="pa-meta">文件：{esc(_where(c))}</div>'
        f'{quote}<div class="pa-text">{body}</div>{whole}</div>'
    )


def reason_zh(reason: str) -> str:
    for prefix, zh in _REASONS:
        if reason.startswith(prefix):
            return f"{zh}（{reason}）"
    return reason


def _local_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


# ---------------------------------------------------------------------------------------------- state
class _ReadWriteLock:
    """Many answers at once, or one index reload alone (a reload swaps the retriever's records)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class PolicyUI:
    """What the app's events do; holds the one Assistant (None while the index is empty) and its model."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None):
        self.settings = settings
        self.lock = _ReadWriteLock()
        self.kb_lock = threading.Lock()
        self.assistant = assistant
        self.embeddings: Any = assistant.retriever.embeddings if assistant else None
        self.open_error: str | None = None
        if assistant is None:
            self._open()

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    def _model(self) -> Any:
        if self.embeddings is None:
            from assistant.embeddings import make_embeddings

            self.embeddings = make_embeddings(self.settings)
        return self.embeddings

    def _open(self) -> None:
        """Open the index (after start-up or the first upload); an empty index leaves assistant None."""
        try:
            self.assistant = Assistant.open(self.settings, embeddings=self._model())
            self.open_error = None
        except IndexMissing:
            self.assistant = None
            self.open_error = None
        except AssistantError as exc:
            self.assistant = None
            self.open_error = str(exc)

    def reload(self) -> None:
        """After any change to the index: pick it up (or note that it is now empty)."""
        with self.lock.writing():
            if self.assistant is None:
                self._open()
                return
            try:
                self.assistant.refresh()
            except IndexMissing:
                self.assistant = None

    # ------------------------------------------------------------------ views
    def files(self) -> list[dict[str, Any]]:
        try:
            return list(index_stats(self.settings)["file_list"])
        except IndexMissing:
            return []

    def file_rows(self) -> list[list[Any]]:
        rows = []
        for f in self.files():
            present = bool(f.get("path")) and Path(str(f["path"])).exists()
            status = "已入库" if present else "已入库（原文件已不在原位置）"
            rows.append([f["source"], f["chunks"], f["articles"], _local_time(f.get("ingested_at")), status])
        return rows

    def file_names(self) -> list[str]:
        return [f["source"] for f in self.files()]

    def banner(self) -> str:
        if self.open_error:
            return f'<div class="pa-banner-warn">无法打开索引：{esc(self.open_error)}</div>'
        if self.assistant is None:
            return f'<div class="pa-banner-warn">{esc(INDEX_MISSING)}</div>'
        files = self.files()
        chunks = len(self.assistant.retriever)
        return f'<div class="pa-banner-ok">知识库：{len(files)} 个文件 · {chunks} 个片段</div>'

    def mode(self) -> str:
        if self.assistant is None:
            return "**回答模式：** —（知识库为空）"
        if self.assistant.model == "extractive":
            return "**回答模式：** 抽取式（直接摘录原文句子作答，未接入大模型）"
        return f"**回答模式：** 大模型 `{self.assistant.model}`（回答经原文核对）"

    def view(self) -> tuple[Any, ...]:
        """Everything that changes with the index: banner, mode, file table, delete choices, source filter."""
        names = self.file_names()
        return (
            self.banner(),
            self.mode(),
            self.file_rows(),
            gr.update(choices=names, value=None),
            gr.update(choices=names),
        )

    # ------------------------------------------------------------------ chat
    def respond(
        self, question: str, state: dict[str, Any], sources: list[str] | None
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one answer into the chat: text pieces first, then the final answer with clickable markers."""
        question = (question or "").strip()
        state = dict(state or new_state())
        messages = list(state.get("messages", []))
        if not question:
            yield messages, state, gr.skip(), "", gr.skip()
            return
        messages.append({"role": "user", "content": esc(question)})
        if self.assistant is None:
            messages.append({"role": "assistant", "content": f'<div class="pa-refused">{esc(INDEX_MISSING)}</div>'})
            state["messages"] = messages
            yield messages, state, gr.skip(), "", gr.skip()
            return
        messages.append({"role": "assistant", "content": streaming_html("")})
        yield messages, state, gr.skip(), "", gr.skip()
        turn = len(state.get("answers", []))
        text = ""
        final: dict[str, Any] | None = None
        try:
            pieces = self.assistant.stream(question, list(state.get("history", [])), sources=sources or None)
            # condense, retrieve and assess all run before the first piece: only they read the index, so the
            # lock is never held across a yield (a reader abandoned mid-stream would block every reload)
            with self.lock.reading():
                first = next(pieces, None)
            for piece in itertools.chain([] if first is None else [first], pieces):
                if isinstance(piece, str):
                    text += piece
                    messages[-1] = {"role": "assistant", "content": streaming_html(text)}
                    yield messages, state, gr.skip(), "", gr.skip()
                else:
                    final = piece.to_json()
        except AssistantError as exc:
            messages[-1] = {"role": "assistant", "content": f'<div class="pa-refused">出错了：{esc(str(exc))}</div>'}
            state["messages"] = messages
            yield messages, state, gr.skip(), "", gr.skip()
            return
        if final is None:  # the chain always ends with an Answer; keep the page usable if it does not
            final = {"question": question, "answer": text, "citations": [], "refused": False, "mode": "extractive"}
        messages[-1] = {"role": "assistant", "content": answer_html(final, turn)}
        state = {
            "messages": messages,
            "answers": [*state.get("answers", []), final],
            "history": [
                *state.get("history", []),
                {"role": "user", "content": question},
                {"role": "assistant", "content": final.get("answer", "")},
            ],
        }
        yield messages, state, answer_markdown(final), "", PANEL_HINT

    def passage(self, pick: str, state: dict[str, Any]) -> str:
        """The side panel for a clicked marker: 'turn:kind:n#nonce' (kind c = citation, r = 可能相关)."""
        m = re.fullmatch(r"(\d+):([cr]):(\d+)(?:#\d+)?", (pick or "").strip())
        answers = (state or {}).get("answers", [])
        if not m or int(m.group(1)) >= len(answers):
            return PANEL_HINT
        answer = answers[int(m.group(1))]
        pool = answer.get("citations" if m.group(2) == "c" else "related") or []
        citation = next((c for c in pool if c["n"] == int(m.group(3))), None)
        if citation is None:
            return PANEL_HINT
        return passage_html(citation, self.article(citation))

    def article(self, c: dict[str, Any]) -> dict[str, Any] | None:
        """The cleaned article holding a cited chunk, from docs/<source>.json; None if it is gone."""
        source = (c.get("sources") or [""])[0]
        article_index = None
        if self.assistant is not None:
            record = self.assistant.retriever.records.get(c.get("chunk_id", ""))
            if record:
                meta = record["metadata"]
                source = str(meta.get("source") or source)
                article_index = int(meta.get("article_index", 0))
        path = doc_path(self.settings, source)
        if article_index is None or not path.is_file():
            return None
        try:
            articles = json.loads(path.read_text(encoding="utf-8")).get("articles", [])
        except (OSError, ValueError):
            return None
        return next((a for a in articles if a.get("index") == article_index), None)

    # ------------------------------------------------------------------ API
    def ask_json(self, question: str, history_json: str = "[]") -> dict[str, Any]:
        """The answer contract for one question; history_json is a JSON list of {role, content} messages."""
        question = (question or "").strip()
        if not question:
            raise gr.Error("问题不能为空（question is empty）")
        try:
            history = json.loads(history_json or "[]")
        except ValueError:
            raise gr.Error("history_json 不是合法的 JSON") from None
        if not isinstance(history, list) or not all(
            isinstance(m, dict) and m.get("role") in ("user", "assistant") for m in history
        ):
            raise gr.Error("history_json 必须是 [{\"role\": \"user\"|\"assistant\", \"content\": ...}] 形式的列表")
        if self.assistant is None:
            raise gr.Error(INDEX_MISSING)
        messages = [{"role": m["role"], "content": str(m.get("content", ""))} for m in history]
        with self.lock.reading():
            return self.assistant.ask(question, messages).to_json()

    # ------------------------------------------------------------------ knowledge base
    def upload(self, paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Copy uploads into data_dir/uploads and ingest them; rejected files leave no trace.

        `progress` must default to a gr.Progress() instance: that is how Gradio knows to inject its tracker
        (a None default never gets one, and the user sees only a spinner)."""
        paths = [p for p in (paths or []) if p]
        if not paths:
            return ("请先选择要上传的文件。", *self.view())
        limit = int(self.settings.upload_max_mb * MIB)
        manifest_files = read_manifest(self.settings).get("files", {})
        uploads = self.uploads_dir
        uploads.mkdir(parents=True, exist_ok=True)
        rejected: dict[str, str] = {}
        staged: dict[str, tuple[Path, Path | None]] = {}
        with self.kb_lock:
            for raw in paths:
                src = Path(raw)
                name = src.name.strip()
                if not name or name.startswith(".") or name in staged:
                    rejected[name or "(无名文件)"] = "文件名无效或重复"
                    continue
                if src.suffix.lower() not in UPLOAD_TYPES:
                    rejected[name] = f"不支持的文件类型（支持：{'、'.join(UPLOAD_TYPES)}）"
                    continue
                size = src.stat().st_size
                if size > limit:
                    rejected[name] = f"文件过大（{size / MIB:.1f} MB，上限 {self.settings.upload_max_mb:g} MB）"
                    continue
                known = manifest_files.get(name)
                if known and not _inside(Path(known.get("path", "")), uploads):
                    rejected[name] = "知识库中已有同名文件（来自语料目录），请先删除它或改名后再上传"
                    continue
                dest = uploads / name
                backup = None
                if dest.exists():
                    backup = dest.with_name(f".{name}.previous")
                    dest.replace(backup)
                shutil.copyfile(src, dest)
                staged[name] = (dest, backup)
            summary = None
            error = None
            # uploading a deleted upload again is how it comes back: clear its tombstone (put back if this fails).
            # A tombstone on a corpus file stays: the upload is another path, so it comes in, the corpus copy stays out.
            tombs = read_tombstones(self.settings)
            cleared = {
                name: set_tombstone(self.settings, name, None)
                for name, (dest, _) in staged.items()
                if tombs.get(name, {}).get("path") == str(dest.resolve())
            }
            if staged:
                try:
                    summary = ingest(
                        self.settings, paths=[d for d, _ in staged.values()], embeddings=self._model(),
                        progress=_progress_callback(progress),
                    )
                except (IngestLocked, AssistantError) as exc:
                    error = "另一个入库任务正在进行，请稍后再试。" if isinstance(exc, IngestLocked) else str(exc)
            failed = set(staged) if summary is None else set(summary.rejected)
            for name, (dest, backup) in staged.items():
                if name in failed:
                    dest.unlink(missing_ok=True)
                    if backup is not None:
                        backup.replace(dest)
                    if cleared.get(name) is not None:
                        set_tombstone(self.settings, name, cleared[name])
                elif backup is not None:
                    backup.unlink(missing_ok=True)
            if summary is not None:
                rejected.update(summary.rejected)
                if summary.ingested:
                    self.reload()
        lines = []
        if error:
            lines.append(f"**入库失败：** {md(error)}")
        if summary is not None:
            if summary.ingested:
                lines.append(f"**已入库：** {'、'.join(map(md, summary.ingested))}（新增向量 {summary.chunks_embedded} 个，用时 {summary.seconds:.1f} 秒）")
            if summary.skipped:
                lines.append(f"**未变化，已跳过：** {'、'.join(map(md, summary.skipped))}")
        if rejected:
            lines.append("**未能入库：**")
            lines += [f"- {md(name)}：{md(reason_zh(reason))}" for name, reason in rejected.items()]
        return ("\n\n".join(lines) or "没有可处理的文件。", *self.view())

    def delete(self, name: str | None) -> tuple[Any, ...]:
        """Remove a file from the index and tombstone it, so a re-index leaves it out; the file stays on disk."""
        name = (name or "").strip()
        if not name:
            return ("请先选择要删除的文件。", *self.view())
        manifest_files = read_manifest(self.settings).get("files", {})
        if name not in manifest_files:
            return (f"知识库中没有文件：{md(name)}", *self.view())
        entry = manifest_files[name]
        original = Path(entry.get("path", ""))
        with self.kb_lock:
            # tombstone first: an ingest that slips in between cannot bring the file back
            previous = set_tombstone(self.settings, name, tombstone(original, str(entry.get("sha256", ""))))
            try:
                delete_source(self.settings, name, embeddings=self._model())
            except BaseException as exc:
                set_tombstone(self.settings, name, previous)
                if isinstance(exc, IngestLocked):
                    return ("另一个入库任务正在进行，请稍后再试。", *self.view())
                raise
            self.reload()
        kept = (
            f"原文件仍保留在 {md(str(original))}，重新索引不会再收录它（除非文件内容有变化）；如需恢复，重新上传该文件即可。"
            if original.is_file() else ""
        )
        return (f"**已删除：** {md(name)}，它的片段已从索引中移除。{kept}", *self.view())

    def reindex(self, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Ingest the corpus folder and the uploads again: changed files are re-read, vanished ones dropped."""
        roots = [p for p in (self.settings.corpus_dir, self.uploads_dir) if p.is_dir()]
        with self.kb_lock:
            try:
                summary = ingest(
                    self.settings, paths=roots, prune=True, embeddings=self._model(),
                    progress=_progress_callback(progress),
                )
            except IngestLocked:
                return ("另一个入库任务正在进行，请稍后再试。", *self.view())
            except AssistantError as exc:
                return (f"**重新索引失败：** {md(str(exc))}", *self.view())
            self.reload()
        lines = [
            f"**重新索引完成：** 新入库或更新 {len(summary.ingested)} 个文件，未变化 {len(summary.skipped)} 个，"
            f"移除 {len(summary.pruned)} 个；索引共 {summary.chunks} 个片段（用时 {summary.seconds:.1f} 秒）。"
        ]
        if summary.left_out:
            lines.append(f"已删除的文件未重新入库（重新上传即可恢复）：{md('、'.join(summary.left_out))}")
        if summary.rejected:
            lines.append("**未能入库：**")
            lines += [f"- {md(n)}：{md(reason_zh(r))}" for n, r in summary.rejected.items()]
        return ("\n\n".join(lines), *self.view())


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


def _progress_callback(progress: gr.Progress | None) -> Any:
    """ingest()'s (done, total) callback reporting to the event's progress bar (a no-op outside an event)."""
    if progress is None:
        return None
    progress(0, desc="正在读取和切分文件…")

    def step(done: int, total: int) -> None:
        if total:
            progress((done, total), desc=f"正在生成向量 {done}/{total}", unit="片段")

    return step


def new_state() -> dict[str, Any]:
    return {"messages": [], "answers": [], "history": []}


# ---------------------------------------------------------------------------------------------- the app
def build_app(settings: Settings, assistant: Assistant | None = None) -> gr.Blocks:
    """The whole app; loads the models and opens the index once (unless an Assistant is passed in)."""
    ui = PolicyUI(settings, assistant)
    names = ui.file_names()
    with gr.Blocks(title="政策助手", analytics_enabled=False, fill_width=True) as app:
        gr.Markdown("## 政策助手 · 教育政策问答\n每个回答都标注原文出处，点击编号即可核对原文。")
        banner = gr.HTML(ui.banner(), elem_id="pa-banner", js_on_load=None)
        with gr.Tabs():
            with gr.Tab("对话", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        mode = gr.Markdown(ui.mode(), elem_id="pa-mode")
                        chatbot = gr.Chatbot(
                            label="对话", show_label=False, elem_id="pa-chat", height=520, render_markdown=False,
                            sanitize_html=True, buttons=[], feedback_options=None, layout="bubble",
                            placeholder="请在下方输入问题，例如“集团化办学有哪些模式？”",
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                show_label=False, placeholder="输入问题，按回车发送", scale=6,
                                elem_id="pa-question", max_lines=4,
                            )
                            send = gr.Button("发送", variant="primary", scale=1, elem_id="pa-send")
                            new_chat = gr.Button("新对话", scale=1, elem_id="pa-new")
                        with gr.Row(elem_id="pa-examples"):
                            gr.Markdown("**试试：**")
                            example_buttons = [gr.Button(q, size="sm") for q in EXAMPLE_QUESTIONS]
                        sources = gr.Dropdown(
                            choices=names, value=[], multiselect=True, allow_custom_value=True, elem_id="pa-sources",
                            label="只在这些文件中查找（不选 = 全部文件）",
                        )
                        copy_box = gr.Textbox(
                            label="复制答案（含出处，Markdown 格式）", lines=6, max_lines=14,
                            interactive=False, buttons=["copy"], elem_id="pa-copy",
                        )
                    with gr.Column(scale=2):
                        gr.Markdown("### 原文出处")
                        panel = gr.HTML(PANEL_HINT, elem_id="pa-panel", js_on_load=None)
                pick = gr.Textbox(visible="hidden", elem_id="pa-pick")
            with gr.Tab("知识库", id="kb"):
                gr.Markdown(
                    f"上传政策文件（{'、'.join(s.lstrip('.') for s in UPLOAD_TYPES)}，单个不超过 "
                    f"{settings.upload_max_mb:g} MB），入库后即可在对话中引用。"
                )
                files_table = gr.Dataframe(
                    value=ui.file_rows(), headers=FILE_HEADERS, interactive=False, label="已入库的文件",
                    elem_id="pa-files", wrap=True,
                )
                with gr.Row():
                    with gr.Column():
                        upload_files = gr.File(
                            file_count="multiple", file_types=list(UPLOAD_TYPES), label="选择文件",
                            elem_id="pa-upload",
                        )
                        upload_button = gr.Button("上传并入库", variant="primary")
                    with gr.Column():
                        delete_choice = gr.Dropdown(
                            choices=names, value=None, label="选择要删除的文件", allow_custom_value=True,
                            elem_id="pa-delete-choice",
                        )
                        delete_button = gr.Button("删除所选文件", variant="stop")
                        reindex_button = gr.Button("重新索引（语料目录与已上传文件）")
                kb_summary = gr.Markdown(elem_id="pa-kb-summary")
            with gr.Tab("公文起草", id="draft"):
                gr.Markdown(
                    "### 公文起草（即将推出）\n根据知识库中的政策依据起草通知、方案、汇报材料等初稿，"
                    "每段都附原文出处，便于核对与修改。"
                )
            with gr.Tab("评测", id="eval"):
                gr.Markdown(
                    "### 评测（即将推出）\n用评测题集检查回答是否准确、引用是否可靠，"
                    "并生成报告，方便在更换模型或更新知识库后对比效果。"
                )
        state = gr.State(new_state())

        chat_outputs = [chatbot, state, copy_box, question, panel]
        view_outputs = [banner, mode, files_table, delete_choice, sources]
        question.submit(ui.respond, [question, state, sources], chat_outputs, api_name="chat")
        send.click(ui.respond, [question, state, sources], chat_outputs, api_visibility="private")
        for button, text in zip(example_buttons, EXAMPLE_QUESTIONS, strict=True):
            button.click(lambda q=text: q, None, question, api_visibility="private", queue=False).then(
                ui.respond, [question, state, sources], chat_outputs, api_visibility="private"
            )
        new_chat.click(
            lambda: ([], new_state(), "", "", PANEL_HINT), None, chat_outputs, api_visibility="private", queue=False
        )
        chatbot.clear(
            lambda: (new_state(), "", PANEL_HINT), None, [state, copy_box, panel], api_visibility="private", queue=False
        )
        pick.change(ui.passage, [pick, state], panel, api_visibility="private", queue=False)

        # the ingest progress bar shows once, over the file table, not on every output
        upload_button.click(
            ui.upload, [upload_files], [kb_summary, *view_outputs], api_name="upload", show_progress_on=files_table
        ).then(
            lambda: None, None, upload_files, api_visibility="private", queue=False
        )
        delete_button.click(
            ui.delete, [delete_choice], [kb_summary, *view_outputs], api_name="delete_file", show_progress_on=files_table
        )
        reindex_button.click(
            ui.reindex, None, [kb_summary, *view_outputs], api_name="reindex", show_progress_on=files_table
        )
        app.load(ui.view, None, view_outputs, api_visibility="private", queue=False)

        def ask(question: str, history_json: str = "[]") -> dict:
            """Answer one question with citations; history_json: JSON list of {role, content} messages."""
            return ui.ask_json(question, history_json)

        gr.api(ask, api_name="ask")
    app.queue(default_concurrency_limit=settings.concurrency, max_size=settings.queue_size)
    app.policy_ui = ui  # type: ignore[attr-defined]  # for tests and serve()
    return app


# ---------------------------------------------------------------------------------------------- serving
def read_auth(value: str | None) -> list[tuple[str, str]] | None:
    """`user:password`, or a file of such lines (# comments allowed); None when no login is configured."""
    if not value:
        return None
    path = Path(value).expanduser()
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else [value]
    pairs = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise AssistantError("POLICY_ASSISTANT_AUTH must be 'user:password' or a file of such lines")
        pairs.append((user.strip(), password))
    if not pairs:
        raise AssistantError(f"{path}: no 'user:password' lines")
    return pairs


def blocked_paths(settings: Settings) -> list[str]:
    """Never served, whatever else is allowed: the project, the data and corpus dirs, the Python environment."""
    paths = {PROJECT_ROOT, settings.data_dir, settings.corpus_dir, Path(sys.prefix), PROJECT_ROOT / ".venv"}
    return sorted({str(p.resolve()) for p in paths})


def launch(
    app: gr.Blocks, settings: Settings, *, port: int | None = None, prevent_thread_lock: bool = False,
    quiet: bool = False,
) -> tuple[Any, str, str]:
    """Serve the app with the safety defaults; returns Gradio's (fastapi app, local url, share url)."""
    return app.launch(
        server_name=settings.host,
        server_port=settings.port if port is None else port,
        share=False,
        auth=read_auth(settings.auth),
        auth_message="请输入账号和密码登录政策助手。",
        max_file_size=int(settings.upload_max_mb * MIB),
        allowed_paths=None,
        blocked_paths=blocked_paths(settings),
        show_error=False,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        inbrowser=False,
        footer_links=["api"],
        run_history=False,
        enable_monitoring=False,
        ssr_mode=False,
        mcp_server=False,
        strict_cors=True,
        css=CSS,
        js=JS,
    )
