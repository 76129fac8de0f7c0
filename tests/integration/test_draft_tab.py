"""The 起草 tab's builder in a real Gradio app on 127.0.0.1, driven through its API with gradio_client: generate a
draft, then download its .docx and .md (the browser test of the wired-in tab belongs to the UI)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from docx import Document
from gradio_client import Client

from assistant.drafting.tab import build_draft_tab


def test_the_tab_drafts_and_exports_word_and_markdown(seed_assistant) -> None:
    with gr.Blocks(analytics_enabled=False) as demo:
        with gr.Tab("起草"):
            parts = build_draft_tab(lambda: seed_assistant)
    assert {"topic", "kind", "sources", "generate", "table", "passage", "docx", "md"} <= set(parts)
    demo.queue().launch(server_name="127.0.0.1", prevent_thread_lock=True, quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        status, table, target = client.predict("集团化办学", "调研报告", [], api_name="/draft")
        assert "集团化办学的调研报告" in status and "摘录式" in status
        rows = table["data"]
        assert rows and all(row[0] is True and row[2] and row[3].startswith("[") for row in rows)
        assert target["choices"][0][0] == "基本情况"
        rows[-1][0] = False  # the reader removes the last point before exporting
        docx_update, md_update = client.predict({"headers": table["headers"], "data": rows}, api_name="/draft_files")
        docx_path, md_path = Path(docx_update["value"]), Path(md_update["value"])
        doc = Document(str(docx_path))
        assert doc.paragraphs[0].text == "关于集团化办学的调研报告"
        assert any(p.style.name == "Heading 1" and p.text == "一、基本情况" for p in doc.paragraphs)
        markdown = md_path.read_text(encoding="utf-8")
        assert "## 参考依据" in markdown and rows[0][2].rstrip("。") in markdown
        assert rows[-1][2].rstrip("。") not in markdown
    finally:
        demo.close()
