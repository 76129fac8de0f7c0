"""The UI's pure rendering: titles instead of hash names, Markdown answers that stay inert, codes not English."""

from __future__ import annotations

import re

from assistant.errors import IngestLocked, UnsupportedFile, reason_code
from assistant.titles import display_title, is_hash_name
from assistant.ui import render


def citation(n: int, **extra: object) -> dict:
    return {"n": n, "chunk_id": f"c{n}", "sources": ["003_229304e13f3f3a57.txt"], "article_title": "003_229304e13f3f3a57",
            "heading": "h", "start_line": 3, "end_line": 4, "text": "甲乙丙。", "quote": "乙", **extra}


def test_display_title_never_a_hash_name() -> None:
    assert is_hash_name("003_229304e13f3f3a57.txt") and not is_hash_name("集团化办学的思考与实践.txt")
    assert display_title(citation(1)) == "未命名文档"
    assert display_title(citation(1, title="城乡教育共同体研究")) == "城乡教育共同体研究"
    assert display_title({"article_title": "《义务教育法》", "sources": ["x.txt"]}) == "义务教育法"
    assert display_title({"source": "jituan.txt"}) == "jituan"
    html = render.answer_html({"answer": "甲[1]。", "citations": [citation(1)], "question": "q"}, 0)
    visible = re.sub(r"<[^>]+>", "", render.passage_html(citation(1, heading="003_229304e13f3f3a57 > 一、背景"), None))
    assert "229304e13f3f3a57" not in visible and "未命名文档 &gt; 一、背景" in visible  # tags (and the tooltip) aside
    assert "《未命名文档》" in html


def test_answer_markdown_lists_and_markers_stay_inert() -> None:
    answer = {"question": "q", "answer": "有两种：\n\n1. **甲**[1]。\n2. 乙 ![x](http://198.51.100.7/a.png) <b>x</b>[2]。",
              "citations": [citation(1), citation(2)]}
    html = render.answer_html(answer, 4)
    assert "<ol>" in html and html.count("<li>") == 2 and "<strong>甲</strong>" in html
    assert 'value="4:c:1"' in html and 'value="4:c:2"' in html
    assert "<img" not in html and "<b>" not in html and "&lt;b&gt;" in html


def test_quote_marked_exactly_once() -> None:
    body, found = render.mark("甲乙丙乙。", "乙")
    assert found and body.count("<mark") == 1 and body.startswith("甲<mark")


def test_reasons_by_code() -> None:
    assert reason_code("unknown encoding (tried UTF-8, GB18030)") == "unknown_encoding"
    assert UnsupportedFile("a.pdf", "no text layer (scanned?)").code == "no_text_layer"
    assert IngestLocked(3).code == "ingest_locked"
    assert render.reason_zh("binary_content", "binary content").startswith("二进制内容")
    assert render.reason_zh("something_new", "as said") == "as said"


def test_a_stopped_answer_links_only_the_markers_whose_citations_are_known() -> None:
    """停止 mid-answer: an [n] with its citation is a button; one whose citation is not known yet (an LLM's, before
    the end) stays plain text, never a button that opens nothing."""
    known = render.answer_html({"question": "q", "answer": "甲[1]。乙[2]", "citations": [citation(1)], "stopped": True}, 3)
    assert 'value="3:c:1"' in known and 'value="3:c:2"' not in known and "乙[2]" in known and "（已停止）" in known
    none = render.answer_html({"question": "q", "answer": "甲[1]。", "citations": [], "stopped": True}, 0)
    assert "pa-cite" not in none.split('<div class="pa-actions">')[0] and "甲[1]。" in none
