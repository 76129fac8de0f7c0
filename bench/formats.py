"""Turn a laws-dev Markdown law into the shapes users upload: .docx, .pdf, a government-style .html page,
GB18030 .txt with CRLF line ends, and .md. One converter for the tests and the retrieval measurement.

    python bench/formats.py OUT_DIR [FILE.md ...]   # every given law (default: the eval laws) in a mixed format
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAWS_DEV = ROOT.parent / "shared" / "corpora" / "laws-dev"
FORMATS = ("docx", "pdf", "html", "txt", "md")

# the laws-dev files the laws-docs eval set asks about (eval/laws-docs.jsonl), in a fixed order
EVAL_LAWS = (
    "教师法(2009-08-27).md", "教育法(2021-04-29).md", "学前教育法(2024-11-08).md", "教师资格条例(1995-12-12).md",
    "学校体育工作条例(2017-03-01).md", "学位条例(2004-08-28).md", "上海市实施《义务教育法》办法(2009-02-24).md",
    "上海市实施《义务教育法》办法(2024-09-27).md", "国防教育法(2018-04-27).md", "国防教育法(2024-09-13).md",
    "职业教育法(1996-05-15).md", "职业教育法(2022-04-20).md", "高等教育自学考试暂行条例(2014-07-29).md",
    "征收教育费附加的暂行规定(2011-01-08).md", "浙江省教育督导条例(2019-05-31).md", "重庆市国家教育考试条例(2011-11-29).md",
)  # fmt: skip


@dataclass
class Law:
    """A law as its Markdown file has it: title, history lines, then chapters ('## ') and paragraphs."""

    title: str
    history: list[str] = field(default_factory=list)
    blocks: list[tuple[str, str]] = field(default_factory=list)  # ('chapter' | 'text', line)


def read_law(path: Path) -> Law:
    """Parse a laws-dev file: '# title', history up to '<!-- INFO END -->', '## 第X章' headings, paragraphs."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    law = Law(title="")
    in_history = True
    for line in lines:
        if not line:
            continue
        if line.startswith("<!--"):
            in_history = False
            continue
        if line.startswith("# ") and not law.title:
            law.title = line[2:].strip()
        elif line.startswith("#"):
            in_history = False
            law.blocks.append(("chapter", line.lstrip("#").strip()))
        elif in_history:
            law.history.append(line)
        else:
            law.blocks.append(("text", line))
    return law


def to_md(law: Law, out: Path) -> None:
    parts = [f"# {law.title}", *law.history, "<!-- INFO END -->"]
    parts += [f"## {text}" if kind == "chapter" else text for kind, text in law.blocks]
    out.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def to_txt(law: Law, out: Path) -> None:
    """GB18030 with CRLF line ends, as a Windows editor saves it: title, history, chapters and paragraphs."""
    lines = [law.title, *law.history, ""] + [text for _, text in law.blocks]
    out.write_bytes("\r\n".join(lines).encode("gb18030") + b"\r\n")


def to_docx(law: Law, out: Path) -> None:
    """Title style for the title, Heading 1 for chapters, a table for good measure (no numbering in text lost)."""
    import docx

    document = docx.Document()
    document.core_properties.title = law.title
    document.add_paragraph(law.title, style="Title")
    for line in law.history:
        document.add_paragraph(line)
    for kind, text in law.blocks:
        document.add_paragraph(text, style="Heading 1" if kind == "chapter" else None)
    document.save(str(out))


SITE = "某省人民政府门户网站"


def to_html(law: Law, out: Path) -> None:
    """A government-style page: site name in <title>, menus, breadcrumb, share links and a footer around the text."""
    body = "\n".join(
        f"<h2>{html.escape(text)}</h2>" if kind == "chapter" else f"<p>{html.escape(text)}</p>" for kind, text in law.blocks
    )
    history = "\n".join(f'<p class="info">{html.escape(line)}</p>' for line in law.history)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(law.title)} - {SITE}</title>
<script>var _hmt = _hmt || [];</script><style>.nav{{color:red}}</style></head>
<body>
<div class="header"><div class="logo">{SITE}</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zw">政务公开</a></li><li><a href="/fg">法规文件</a></li></ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/fg">法规文件</a></div>
<div class="main"><div class="article">
<h1>{html.escape(law.title)}</h1>
<div class="meta">发布时间：2024-01-01　来源：{SITE}　字号：大 中 小</div>
{history}
{body}
</div>
<div class="share">分享到：微信 微博</div></div>
<div class="sidebar"><h3>相关文件</h3><ul><li><a href="/x">关于做好有关工作的通知</a></li></ul></div>
<div class="footer">主办单位：{SITE}　版权所有　网站标识码：1234567890　某ICP备12345678号</div>
</body></html>
"""
    out.write_text(page, encoding="utf-8")


def cjk_font() -> Path | None:
    """A font with Chinese glyphs for fpdf2 (Noto CJK from fonts-noto-cjk), found with fc-list; None if none."""
    try:
        found = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=20, check=False
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return None
    files = sorted({line.split(":")[0].strip() for line in found if line.strip()})
    preferred = [f for f in files if re.search(r"Sans.*CJK.*Regular|CJK.*Regular", f)] or files
    return Path(preferred[0]) if preferred else None


def to_pdf(law: Law, out: Path, font: Path | None = None) -> None:
    """A printed-looking PDF: a large title, wrapped lines, '— N —' page numbers and a running header.

    Characters are spread over several copies of the font, fewer than 200 glyphs each: pypdf 7 misreads the
    codes from 255 up of one fpdf2 subset (text turned into other characters), a quirk of this tool pair."""
    from fpdf import FPDF

    font = font or cjk_font()
    if font is None:
        raise RuntimeError("no CJK font (install fonts-noto-cjk)")
    families: dict[str, str] = {}

    class Printed(FPDF):
        def put(self, text: str, size: float, height: float) -> None:
            for fam, run in groupby(text, key=lambda ch: family(self, ch)):
                self.set_font(fam, size=size)
                self.write(height, "".join(run))

        def header(self) -> None:
            if self.page_no() > 1:
                self.put(law.title, 9, 8)
                self.ln(10)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_x(self.w / 2 - 8)
            self.put(f"— {self.page_no()} —", 9, 10)

    def family(pdf: FPDF, ch: str) -> str:
        if ch not in families:
            name = f"cjk{len(families) // 200}"
            if name not in pdf.fonts and name not in {f.rstrip("bi") for f in pdf.fonts}:
                pdf.add_font(name, fname=str(font))
            families[ch] = name
        return families[ch]

    pdf = Printed(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.put(law.title, 18, 12)
    pdf.ln(14)
    for line in law.history:
        pdf.put(line, 11, 7)
        pdf.ln(8)
    for kind, text in law.blocks:
        pdf.put(text, 13 if kind == "chapter" else 11, 7)
        pdf.ln(8)
    pdf.output(str(out))


WRITERS = {"docx": to_docx, "pdf": to_pdf, "html": to_html, "txt": to_txt, "md": to_md}


def convert(source: Path, out_dir: Path, fmt: str) -> Path:
    """Write `source` (a laws-dev .md) into out_dir as `fmt`; the file keeps the source's name (with its date)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{source.stem}.{fmt}"
    WRITERS[fmt](read_law(source), out)
    return out


def mixed(sources: list[Path], out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Each source in the next format of `formats`, round robin: a knowledge base of mixed shapes."""
    return [convert(src, out_dir, formats[i % len(formats)]) for i, src in enumerate(sources)]


def main() -> None:
    out = Path(sys.argv[1])
    sources = [Path(a) for a in sys.argv[2:]] or [LAWS_DEV / name for name in EVAL_LAWS]
    formats = FORMATS if cjk_font() else tuple(f for f in FORMATS if f != "pdf")
    for path in mixed(sources, out, formats):
        print(path)


if __name__ == "__main__":
    main()
