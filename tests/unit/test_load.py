"""load(): every supported format to lines + heading lines, and every rejection with the reason the user sees."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from fpdf import FPDF

from assistant.errors import UnsupportedFile
from assistant.ingest.decode import (
    IMPLAUSIBLE,
    MIN_COMMON_RATIO,
    NOT_DECODABLE,
    UTF16,
    common_hanzi,
    decode_text,
    implausible,
    looks_utf16,
)
from assistant.ingest.load import SUPPORTED_SUFFIXES, RawDoc, load

# a real sentence from the corpus (seed 004) plus a contact line with the rare 镕 and 喆 (not in GB2312)
SENTENCE = (
    "为进一步深化全县教育体制机制改革,激发学校办学活力,促进县域义务教育优质均衡和城乡教育一体化发展,"
    "结合我县实际,特制定本实施方案。"
)
CHINESE = f"XX县义务教育阶段学校集团化办学实施方案\n{SENTENCE}\n联系人：朱镕、李喆。\n"
CHINESE_LINES = ["XX县义务教育阶段学校集团化办学实施方案", SENTENCE, "联系人：朱镕、李喆。"]

JAPANESE = (
    "日本の教育制度は、小学校六年間、中学校三年間の義務教育と、高等学校三年間、大学四年間から構成されている。"
    "文部科学省は学習指導要領を定め、全国の学校で一定の教育水準を確保することを目指している。"
    "近年では、情報化社会に対応するため、プログラミング教育が小学校で必修化された。"
    "また、英語教育の早期化も進められており、小学校三年生から外国語活動が始まる。"
    "教員の働き方改革も重要な課題となっており、部活動の地域移行や業務の効率化が検討されている。"
    "少子化の影響により、地方では学校の統廃合が進んでいる一方、都市部では学級規模の縮小が求められている。"
    "さらに、不登校の児童生徒への支援や、特別な配慮を必要とする子どもたちへの教育の充実も求められている。"
    "これらの課題に対して、国と地方自治体、学校、家庭、地域社会が連携して取り組むことが大切である。"
)
TRADITIONAL = (
    "為進一步深化教育體制機制改革，激發學校辦學活力，促進縣域義務教育優質均衡和城鄉教育一體化發展，"
    "結合本縣實際，特制定本實施方案。一、指導思想：以新時代教育發展理念為指導，深入貫徹落實全國教育大會精神，"
    "堅持以人民為中心的教育發展理念，全面貫徹黨的教育方針，落實立德樹人根本任務，以加快辦學模式改革為抓手，"
    "充分發揮優質資源學校的示範、輻射、引領作用，以提升教育教學質量為重點，激發學校辦學活力，"
    "全面提升縣域義務教育階段辦學水平，促進教育公平，滿足廣大人民群眾對優質教育資源的需求，"
    "力爭讓每一名學生都能享受到公平有質量的教育，切實增強人民群眾的獲得感、幸福感。"
    "二、總體目標：深入推進學校體制機制改革，強化優質資源學校帶動作用，建立以優質資源學校為主體的教育共同體，"
    "實現管理互動、資源共享、活動同步，促進集團辦學內學校教育質量整體提升。"
)
UTF16_HANZI = ("深化教育体制机制改革" * 10).encode("utf-16")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reason_of(path: Path, **kwargs: int) -> str:
    with pytest.raises(UnsupportedFile) as caught:
        load(path, **kwargs)
    assert str(caught.value) == f"{path.name}: {caught.value.reason}"
    return caught.value.reason


def assert_clean(doc: RawDoc) -> None:
    assert all("\ufffd" not in line for line in doc.lines)
    assert all("\n" not in line and "\r" not in line for line in doc.lines)


# ------------------------------------------------------------------ text encodings


@pytest.mark.parametrize(
    "name, data",
    [
        ("utf8.txt", CHINESE.encode("utf-8")),
        ("bom.txt", b"\xef\xbb\xbf" + CHINESE.encode("utf-8")),
        ("gb.txt", CHINESE.encode("gb18030")),
        ("crlf.txt", CHINESE.replace("\n", "\r\n").encode("gb18030")),
    ],
)
def test_utf8_bom_and_gb18030_give_identical_lines(tmp_path: Path, name: str, data: bytes) -> None:
    doc = load(write(tmp_path, name, data))
    assert doc.lines == CHINESE_LINES
    assert doc.heading_lines == frozenset()
    assert_clean(doc)


def test_gb18030_bytes_really_take_the_gb18030_path() -> None:
    data = CHINESE.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "镕" not in common_hanzi() and "喆" not in common_hanzi()  # rare, yet the text passes
    assert decode_text(data) == CHINESE


def test_rawdoc_identity_fields(tmp_path: Path) -> None:
    data = CHINESE.encode("utf-8")
    path = write(tmp_path, "方案.txt", data)
    doc = load(path)
    assert doc.path == path and doc.source == "方案.txt"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data)
    assert doc.mtime == path.stat().st_mtime


def test_only_the_final_empty_line_is_dropped(tmp_path: Path) -> None:
    assert load(write(tmp_path, "a.txt", b"a\r\nb\rc\n\n")).lines == ["a", "b", "c", ""]
    assert load(write(tmp_path, "b.txt", b"  a\t\n\x0cb")).lines == ["  a\t", "\x0cb"]  # kept as found


@pytest.mark.parametrize(
    "data, expected",
    [
        (JAPANESE.encode("shift_jis"), IMPLAUSIBLE),
        (TRADITIONAL.encode("big5"), IMPLAUSIBLE),
        ("Notice 2024\n".encode("utf-16"), UTF16),
        (UTF16_HANZI, UTF16),  # no ASCII, so no NULs: the BOM says it
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "binary content (NUL bytes)"),
        (b"\xfd\xfc\xff\xfe plain", NOT_DECODABLE),  # FF is no GB18030 lead byte (at the start it is a UTF-16 BOM)
        ("报告\x01\x02\x03\x04\x05\x06\x07\x08".encode(), IMPLAUSIBLE),  # control characters
    ],
    ids=["shift-jis", "big5", "utf-16-ascii", "utf-16-hanzi", "png", "not-gb18030", "controls"],
)
def test_undecodable_or_implausible_text_is_rejected(tmp_path: Path, data: bytes, expected: str) -> None:
    assert reason_of(write(tmp_path, "bad.txt", data)) == expected


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])  # BOM LE, no BOM BE/LE
def test_utf16_is_named_not_called_binary(tmp_path: Path, encoding: str) -> None:
    data = CHINESE.encode(encoding)  # a corpus sentence with ASCII commas: BOM-less, NULs in one byte half
    assert looks_utf16(data)
    assert reason_of(write(tmp_path, "plan.txt", data)) == UTF16


def test_binary_and_utf8_are_not_taken_for_utf16() -> None:
    assert not looks_utf16(CHINESE.encode("utf-8")) and not looks_utf16(CHINESE.encode("gb18030"))
    assert not looks_utf16(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")


def test_shift_jis_and_big5_are_long_real_samples() -> None:
    assert len(JAPANESE) > 300 and len(TRADITIONAL) > 300
    for data in (JAPANESE.encode("shift_jis"), TRADITIONAL.encode("big5")):
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        data.decode("gb18030")  # GB18030 "succeeds": only the plausibility check stops the garbage


def test_utf16_sample_without_nul_bytes() -> None:
    assert UTF16_HANZI.startswith(b"\xff\xfe") and b"\x00" not in UTF16_HANZI


def test_traditional_chinese_in_utf8_is_real_text(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "zh-hant.txt", TRADITIONAL.encode("utf-8")))
    assert doc.lines == [TRADITIONAL]


def test_common_hanzi_ratio_threshold() -> None:
    assert len(common_hanzi()) == 6763
    common = SENTENCE.replace(",", "").replace("。", "")[:40]
    assert not implausible(common + "镕喆堃珺", from_gb18030=True)  # 4 rare of 44: 0.91
    rare = "镕喆堃珺玥昇焘" * 3  # 21 ideographs outside GB2312
    assert implausible(common[:20] + rare, from_gb18030=True)  # 20/41 < MIN_COMMON_RATIO
    assert MIN_COMMON_RATIO > 0.78  # Big5 garbage reaches ~0.78 in some 300-char windows
    assert not implausible(rare, from_gb18030=False)  # UTF-8 needs no vocabulary check


def test_replacement_characters_are_refused(tmp_path: Path) -> None:
    assert (
        reason_of(write(tmp_path, "r.txt", "坏\ufffd字".encode()))
        == "text contains replacement characters (U+FFFD)"
    )


# ------------------------------------------------------------------ size and type


def test_empty_file(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "empty.md", b"")) == "empty file"


def test_too_large_with_small_limit(tmp_path: Path) -> None:
    reason = reason_of(write(tmp_path, "big.txt", CHINESE.encode() * 20), max_bytes=1000)
    assert re.fullmatch(r"file too large \([\d.]+ MB > limit [\d.]+ MB\)", reason)


def test_too_large_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:
        handle.truncate(25 * 1024 * 1024)  # sparse: nothing is read or written
    assert reason_of(path) == "file too large (25.0 MB > limit 20.0 MB)"


def test_unknown_suffix(tmp_path: Path) -> None:
    reason = reason_of(write(tmp_path, "scan.xyz", b"data"))
    assert reason == f"unsupported file type .xyz (supported: {', '.join(SUPPORTED_SUFFIXES)})"
    assert reason_of(write(tmp_path, "old.DOC", b"data")).startswith("unsupported file type .doc ")


# ------------------------------------------------------------------ markdown


def test_markdown_marks_are_stripped(tmp_path: Path) -> None:
    text = (
        "# 实施方案\n"
        "\n"
        "为进一步深化**教育体制**改革，详见[通知原文](https://example.gov.cn/a.html)。![校徽](logo.png)\n"
        "## 二、总体目标 ##\n"
        "- 建立*教育共同体*\n"
        "> 引用 `代码`\n"
        "附件说明\n"
        "========\n"
        "| 学校 | 人数 |\n"
        "|---|---:|\n"
        "| 一中 | 1200 |\n"
    )
    doc = load(write(tmp_path, "plan.md", text.encode()))
    assert doc.lines == [
        "实施方案",
        "",
        "为进一步深化教育体制改革，详见通知原文。",
        "二、总体目标",
        "建立教育共同体",
        "引用 代码",
        "附件说明",
        "",
        "学校 | 人数",
        "",
        "一中 | 1200",
    ]
    assert doc.heading_lines == {1, 4, 7}
    assert not any("png" in line or "http" in line for line in doc.lines)


# ------------------------------------------------------------------ docx


def test_docx_paragraphs_tables_and_headings_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("XX县集团化办学实施方案", level=0)  # Title
    document.add_heading("一、指导思想", level=1)  # Heading 1
    document.add_paragraph(SENTENCE)
    table = document.add_table(rows=2, cols=2)
    for (row, col), value in {(0, 0): "学校", (0, 1): "人数", (1, 0): "一中", (1, 1): "1200"}.items():
        table.cell(row, col).text = value
    document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("（一）工作目标", style="标题 2")
    document.add_paragraph("联系人：朱镕\n电话：12345")  # a line break inside one paragraph
    path = tmp_path / "方案.docx"
    document.save(str(path))

    doc = load(path)
    assert doc.lines == [
        "XX县集团化办学实施方案",
        "一、指导思想",
        SENTENCE,
        "学校 | 人数",
        "一中 | 1200",
        "（一）工作目标",
        "联系人：朱镕",
        "电话：12345",
    ]
    assert doc.heading_lines == {1, 2, 6}
    assert_clean(doc)


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    reason = reason_of(write(tmp_path, "old.docx", b"\xd0\xcf\x11\xe0 an OLE .doc renamed"))
    assert reason == "unreadable DOCX: not a .docx (zip) package"


# ------------------------------------------------------------------ pdf


def test_pdf_text_layer(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for page_text in ("Implementation plan for school groups", "Article 2. Goals and principles"):
        pdf.add_page()
        pdf.cell(text=page_text)
    path = write(tmp_path, "plan.pdf", bytes(pdf.output()))
    doc = load(path)
    assert [line.strip() for line in doc.lines if line.strip()] == [
        "Implementation plan for school groups",
        "Article 2. Goals and principles",
    ]
    assert doc.heading_lines == frozenset()
    assert_clean(doc)


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a "scan": drawing only
    assert reason_of(write(tmp_path, "scan.pdf", bytes(pdf.output()))) == "no text layer; OCR it first"


def test_unreadable_pdf(tmp_path: Path) -> None:
    assert reason_of(write(tmp_path, "broken.pdf", b"this is not a PDF at all")).startswith(
        "unreadable PDF: "
    )


# ------------------------------------------------------------------ html

PAGE = """<!DOCTYPE html>
<html><head><title>站点标题</title><style>p { color: red }</style></head>
<body>
  <header><div class="logo">某某县教育局</div></header>
  <nav><a href="/">首页</a> <a href="/news">新闻</a></nav>
  <div class="breadcrumb">当前位置：首页 &gt; 通知公告</div>
  <script>var tracking = "不应出现";</script>
  <article>
    <h1>XX县义务教育阶段学校集团化办学实施方案</h1>
    <p>为进一步深化全县教育体制机制改革，
       激发学校<b>办学活力</b>。</p>
    <!-- 注释不应出现 -->
    <h2>一、指导思想</h2>
    <p>坚持以人民为中心。<br>落实立德树人根本任务。</p>
    <table><tr><th>学校</th><th>人数</th></tr><tr><td>一中</td><td>1200</td></tr></table>
    <div class="share-menu">分享到微信</div>
  </article>
  <aside>相关文章</aside>
  <footer>版权所有 © 某某县教育局</footer>
</body></html>
"""


def test_html_main_text_only(tmp_path: Path) -> None:
    doc = load(write(tmp_path, "notice.html", PAGE.encode("utf-8")))
    assert doc.lines == [
        "XX县义务教育阶段学校集团化办学实施方案",
        "为进一步深化全县教育体制机制改革， 激发学校办学活力。",
        "一、指导思想",
        "坚持以人民为中心。",
        "落实立德树人根本任务。",
        "学校 | 人数",
        "一中 | 1200",
    ]
    assert doc.heading_lines == {1, 3}
    text = "\n".join(doc.lines)
    for furniture in ("首页", "站点标题", "tracking", "注释", "分享", "相关文章", "版权所有", "color"):
        assert furniture not in text


def test_html_in_gb18030_without_article_keeps_a_page_wide_form(tmp_path: Path) -> None:
    page = (
        "<html><body><form id='form1'><div id='nav'>首页 | 政策</div>"
        f"<div class='content'><h3>通知</h3><p>{SENTENCE}</p><p>联系人：朱镕。</p></div>"
        "<div class='footer'>主办单位</div></form></body></html>"
    )
    doc = load(write(tmp_path, "old.htm", page.encode("gb18030")))
    assert doc.lines == ["通知", SENTENCE, "联系人：朱镕。"]
    assert doc.heading_lines == {1}
