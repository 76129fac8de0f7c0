"""The UI's 起草 tab as a self-contained builder: call `build_draft_tab(get_assistant)` inside a `gr.Tab`.

`get_assistant()` returns the app's open Assistant (or None while the index is empty); the tab shares its
retriever and chat model. Topic, type, file filter, generate (with progress), the points as an editable table
(untick 保留 to remove one; select a row to read its cited passage), add a point from a search, and download
the .docx and .md of the edited draft.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.drafting import editing
from assistant.drafting.compose import References
from assistant.drafting.drafter import Drafter
from assistant.drafting.markdown import to_markdown
from assistant.drafting.models import NO_SUPPORT, Draft
from assistant.drafting.numbering import numbered
from assistant.drafting.templates import DEFAULT_TYPE, available
from assistant.drafting.word import to_docx

NO_INDEX = "知识库为空：请先在“知识库”中上传文件。"
PICK_HINT = "选中表格中的一行，可在此查看所引原文。"


def _mark(text: str, quote: str) -> str:
    """Escaped passage with its quote highlighted (corpus text never renders as HTML)."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return html.escape(text)
    return html.escape(text[:at]) + "<mark>" + html.escape(quote) + "</mark>" + html.escape(text[at + len(quote):])


def citation_html(cites: list[dict[str, Any]]) -> str:
    if not cites:
        return f"<div class='pa-meta'>{html.escape('此要点没有引用。')}</div>"
    parts = []
    for c in cites:
        where = f"{'、'.join(c.get('sources', []))} 第{c.get('start_line')}—{c.get('end_line')}行"
        parts.append(
            f"<div class='pa-passage'><div class='pa-passage-title'>[{c['n']}] 《{html.escape(c.get('title', ''))}》</div>"
            f"<div class='pa-meta'>标题路径：{html.escape(c.get('heading', ''))}</div>"
            f"<div class='pa-meta'>文件：{html.escape(where)}</div>"
            f"<div class='pa-text'>{_mark(c.get('text', ''), c.get('quote', ''))}</div></div>"
        )
    return "".join(parts)


def summary(draft: Draft) -> str:
    supported = sum(1 for s in draft.sections if s.points)
    points = sum(len(s.points) for s in draft.sections)
    line = (f"**{html.escape(draft.title)}**：{len(draft.sections)} 个部分（{supported} 个有依据），{points} 条要点，"
            f"{len(draft.references)} 处引用 · {'摘录式' if draft.mode == 'extractive' else html.escape(draft.model)}")
    outline = "　".join(
        f"{heading}（{len(s.points)} 条）" if s.points else f"{heading}（{NO_SUPPORT}）" for heading, s in numbered(draft))
    return line + f"\n\n{html.escape(outline)}" + (f"\n\n> {html.escape(draft.notice)}" if draft.notice else "")


def export(draft: Draft, folder: Path) -> tuple[str, str]:
    """The draft as .docx and .md files in folder (named after the title)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = "".join(ch for ch in draft.title if ch.isalnum() or ch in "（）()_-") or "draft"
    docx_path, md_path = folder / f"{stem}.docx", folder / f"{stem}.md"
    to_docx(draft, docx_path)
    md_path.write_text(to_markdown(draft), encoding="utf-8")
    return str(docx_path), str(md_path)


def build_draft_tab(get_assistant: Callable[[], Any], data_dir: Path | None = None) -> dict[str, Any]:
    """Create the tab's components in the current Gradio context; returns them by name (for tests and wiring)."""
    types = list(available(data_dir)) or [DEFAULT_TYPE]
    out_dir = Path(tempfile.mkdtemp(prefix="policy-draft-"))

    def drafter() -> Drafter | None:
        assistant = get_assistant()
        return Drafter.from_assistant(assistant) if assistant is not None else None

    def source_choices() -> list[str]:
        d = drafter()
        return d.retriever.source_names if d else []

    with gr.Row():
        topic = gr.Textbox(label="主题", placeholder="例如：推进城乡教育共同体建设", scale=4, elem_id="pa-draft-topic")
        kind = gr.Dropdown(types, value=DEFAULT_TYPE if DEFAULT_TYPE in types else types[0], label="文种", scale=1,
                           elem_id="pa-draft-kind")
        sources = gr.Dropdown(source_choices(), multiselect=True, label="只用这些文件（可选）", scale=2)
        generate = gr.Button("生成初稿", variant="primary", scale=1, elem_id="pa-draft-generate")
    status = gr.Markdown("", elem_id="pa-draft-status")
    state = gr.State({"draft": None, "cites": {}, "found": []})
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            table = gr.Dataframe(
                headers=editing.COLUMNS, datatype=["bool", "str", "str", "str", "str"], type="array",
                interactive=True, wrap=True, max_height=800, static_columns=[1, 3, 4], column_widths=["7%", "13%", "54%", "20%", "6%"],
                label="要点（可直接修改文字；取消“保留”即删除）", elem_id="pa-draft-table",
            )
            with gr.Accordion("从检索结果添加要点", open=False):
                with gr.Row():
                    query = gr.Textbox(label="检索", scale=3)
                    search = gr.Button("检索", scale=1)
                found = gr.Dropdown([], label="检索到的句子", type="index")
                with gr.Row():
                    target = gr.Dropdown([], label="加入到", scale=2)
                    add = gr.Button("添加要点", scale=1)
            with gr.Row():
                make_files = gr.Button("导出 Word / Markdown", elem_id="pa-draft-export")
                docx_file = gr.DownloadButton("下载 .docx", visible=False, elem_id="pa-draft-docx")
                md_file = gr.DownloadButton("下载 .md", visible=False, elem_id="pa-draft-md")
        with gr.Column(scale=2):
            passage = gr.HTML(f"<div class='pa-meta'>{PICK_HINT}</div>", elem_id="pa-draft-passage")

    def run(topic_text: str, kind_name: str, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple:
        d = drafter()
        if d is None:
            return NO_INDEX, gr.update(), {"draft": None, "cites": {}, "found": []}, gr.update()
        if not (topic_text or "").strip():
            return "请先输入主题。", gr.update(), gr.update(), gr.update()

        def step(done: int, total: int, heading: str) -> None:
            progress((done, total), desc=f"正在起草：{heading}" if heading else "正在整理引用…", unit="部分")

        result = d.draft(topic_text, kind=kind_name, sources=files or None, progress=step)
        rows, cites = editing.to_rows(result)
        headings = [s.heading for s in result.sections]
        return (summary(result), rows, {"draft": result.to_json(), "cites": cites, "found": []},
                gr.update(choices=headings, value=headings[0] if headings else None))

    def show(data: dict[str, Any], rows: list[list[Any]], evt: gr.SelectData) -> str:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not isinstance(row, int) or row >= len(rows):
            return PICK_HINT
        return citation_html(data.get("cites", {}).get(str(rows[row][4]), []))

    def look_up(text: str, files: list[str] | None, data: dict[str, Any]) -> tuple:
        d = drafter()
        if d is None or not (text or "").strip():
            return gr.update(choices=[], value=None), data
        from assistant.drafting.evidence import sentences_of

        hits = d.retriever.search(text, k=5, sources=files or None)
        picks = sentences_of(hits)[:20]
        refs = References()
        stored = [refs.cite(hit, sentence).model_dump() for hit, sentence in picks]
        labels = [f"《{c['title']}》 {c['quote'][:70]}" for c in stored]
        return gr.update(choices=labels, value=labels[0] if labels else None), {**data, "found": stored}

    def add_point(data: dict[str, Any], rows: list[list[Any]], pick: int | None, heading: str | None) -> tuple:
        stored = data.get("found") or []
        if data.get("draft") is None or pick is None or not heading or pick >= len(stored):
            return rows, data
        from assistant.drafting.models import DraftCitation
        from assistant.drafting.points import trim

        citation = DraftCitation(**stored[pick])
        new_rows, cites = editing.add_row(list(rows or []), data["cites"], heading, trim(citation.quote),
                                          citation)
        return new_rows, {**data, "cites": cites}

    def files(data: dict[str, Any], rows: list[list[Any]]) -> tuple:
        if data.get("draft") is None:
            return gr.update(visible=False), gr.update(visible=False)
        edited = editing.from_rows(Draft(**data["draft"]), list(rows or []), data["cites"])
        docx_path, md_path = export(edited, out_dir / str(abs(hash(edited.model_dump_json())))[:12])
        return gr.update(value=docx_path, visible=True), gr.update(value=md_path, visible=True)

    generate.click(run, [topic, kind, sources], [status, table, state, target], concurrency_limit=1, api_name="draft")
    topic.submit(run, [topic, kind, sources], [status, table, state, target], concurrency_limit=1, api_visibility="private")
    table.select(show, [state, table], passage, api_visibility="private")
    search.click(look_up, [query, sources, state], [found, state], api_visibility="private")
    add.click(add_point, [state, table, found, target], [table, state], api_visibility="private")
    make_files.click(files, [state, table], [docx_file, md_file], api_name="draft_files")
    return {"topic": topic, "kind": kind, "sources": sources, "generate": generate, "status": status, "table": table,
            "state": state, "passage": passage, "query": query, "search": search, "found": found, "target": target,
            "add": add, "export": make_files, "docx": docx_file, "md": md_file}
