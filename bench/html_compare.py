"""Main-text extraction from government-style pages: the hand-written extractor (assistant/ingest/load.py)
against trafilatura, on the eval laws written as two page layouts (a modern div page, an old table layout).

Recall: share of the law's lines found in the extracted text; noise: extracted lines that are not the law's;
title: the page's document title found. trafilatura is not a dependency: install it anywhere and point
PYTHONPATH at it (`pip install --target /tmp/traf trafilatura`).

    PYTHONPATH=.:/tmp/traf python bench/html_compare.py
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.ingest.load import _load_html  # noqa: E402
from assistant.text import zh  # noqa: E402
from bench.formats import EVAL_LAWS, LAWS_DEV, SITE, Law, read_law, to_html  # noqa: E402


def table_page(law: Law) -> str:
    """An older layout: tables for layout, the text in <div id="zoom">, print/close links, related files."""
    body = "".join(f"<p>{html.escape(t)}</p>" for _, t in law.blocks)
    history = "".join(f"<p>{html.escape(h)}</p>" for h in law.history)
    return f"""<html><head><meta charset="utf-8"><title>{SITE}-{html.escape(law.title)}</title></head><body>
<table width="100%"><tr><td><img src="logo.gif">{SITE}</td><td>网站首页 | 政务公开 | 办事服务 | 互动交流</td></tr></table>
<table width="980"><tr><td class="bt">{html.escape(law.title)}</td></tr>
<tr><td class="xx">发布日期：2020-05-12　浏览次数：1024　【打印本页】【关闭窗口】</td></tr>
<tr><td><div id="zoom">{history}{body}</div></td></tr>
<tr><td>相关链接：<a href="/a">关于做好有关工作的通知</a> <a href="/b">某市教育局2020年工作要点</a></td></tr></table>
<table><tr><td>版权所有：{SITE} 地址：某市某路1号 邮编：100000 备案号：某ICP备12345678号</td></tr></table>
</body></html>"""


def _trafilatura(page: str) -> tuple[list[str], str]:
    import trafilatura

    text = trafilatura.extract(page, include_tables=True, include_comments=False, favor_precision=False) or ""
    meta = trafilatura.extract_metadata(page)
    return [line for line in text.split("\n") if line.strip()], (meta.title if meta and meta.title else "")


def _ours(page: str) -> tuple[list[str], str]:
    lines, _, title = _load_html(page.encode("utf-8"))
    return [line for line in lines if line.strip()], title


def score(law: Law, lines: list[str], title: str) -> tuple[float, int, bool]:
    wanted = [zh.compact(t) for _, t in law.blocks] + [zh.compact(h) for h in law.history]
    flat = zh.compact("".join(lines))
    recall = sum(1 for w in wanted if w in flat) / len(wanted)
    whole = zh.compact("".join([law.title, *law.history, *(t for _, t in law.blocks)]))
    noise = sum(1 for line in lines if zh.compact(line) and zh.compact(line) not in whole)
    return recall, noise, zh.compact(title) == zh.compact(law.title)


def main() -> None:
    extractors = {"hand-written (load.py)": _ours}
    try:
        import trafilatura  # noqa: F401

        extractors["trafilatura"] = _trafilatura
    except ImportError:
        print("trafilatura not importable: only the hand-written extractor is measured", file=sys.stderr)
    tmp = Path("/tmp") / "html-compare"
    tmp.mkdir(exist_ok=True)
    table = Table(title=f"HTML main text, {len(EVAL_LAWS)} laws × 2 layouts")
    for col in ("extractor", "layout", "recall", "noise lines / page", "title right"):
        table.add_column(col)
    for name, extract in extractors.items():
        for layout in ("div page", "table layout"):
            recalls, noises, titles = [], [], 0
            for source in EVAL_LAWS:
                law = read_law(LAWS_DEV / source)
                if layout == "div page":
                    to_html(law, tmp / "page.html")
                    page = (tmp / "page.html").read_text(encoding="utf-8")
                else:
                    page = table_page(law)
                recall, noise, right = score(law, *extract(page))
                recalls.append(recall)
                noises.append(noise)
                titles += right
            table.add_row(name, layout, f"{sum(recalls) / len(recalls):.3f}", f"{sum(noises) / len(noises):.1f}",
                          f"{titles}/{len(EVAL_LAWS)}")
    Console().print(table)


if __name__ == "__main__":
    main()
