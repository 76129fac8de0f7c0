"""A Draft as a Word file laid out like a Chinese official document (GB/T 9704): A4, 天头 37 mm, 订口 28 mm,
title 小标宋 2号, body 仿宋 3号, headings 黑体 一、 / 楷体 （一） as real Heading 1/2 styles, fixed 28 pt lines,
'— 1 —' page numbers, superscript [n] markers and the references at the end."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from assistant.drafting.models import Draft, Point
from assistant.drafting.numbering import REFERENCES_HEADING, numbered, reference_line
from assistant.drafting.points import with_end

LATIN = "Times New Roman"  # digits and Latin letters of official documents


@dataclass(frozen=True)
class Face:
    """An East-Asian font and the one Word uses where it is not installed (w:altName in the font table)."""

    name: str
    fallback: str


TITLE_FACE = Face("方正小标宋简体", "宋体")  # 小标宋 ships with WPS and 方正 packs, not with Windows
BODY_FACE = Face("仿宋_GB2312", "仿宋")  # Windows has 仿宋 (FangSong); 仿宋_GB2312 is the standard's name
HEADING1_FACE = Face("黑体", "SimHei")
HEADING2_FACE = Face("楷体_GB2312", "楷体")
FOOTER_FACE = Face("宋体", "SimSun")
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_FOOTER = Pt(14)  # 四号
LINE = Pt(28)  # fixed line pitch: 22 lines of 28 characters on a page


def to_docx(draft: Draft, path: Path | None = None) -> bytes:
    """The .docx bytes (also written to path when given)."""
    doc = Document()
    _page(doc)
    _styles(doc)
    _fonts_with_fallbacks(doc, [TITLE_FACE, BODY_FACE, HEADING1_FACE, HEADING2_FACE, FOOTER_FACE])
    _page_numbers(doc)
    doc.core_properties.title = draft.title
    doc.core_properties.subject = draft.topic
    doc.add_paragraph(draft.title, style="Title")
    if draft.notice:
        _body(doc, draft.notice, italic=True)
    for heading, section in numbered(draft):
        doc.add_paragraph(heading, style="Heading 1" if section.level == 1 else "Heading 2")
        if not section.points and section.note:
            _body(doc, section.note, italic=True)
        for i, point in enumerate(section.points, start=1):
            _point(doc, i, point)
    if draft.references:
        doc.add_paragraph(REFERENCES_HEADING, style="Heading 1")
        for ref in draft.references:
            para = _body(doc, "")
            para.paragraph_format.first_line_indent = None
            para.add_run(f"[{ref.n}] ")
            para.add_run(reference_line(ref))
    buffer = BytesIO()
    doc.save(buffer)
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _page(doc: DocumentObject) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)


def set_font(style_or_run: object, face: Face, size: Pt | None = None, bold: bool = False) -> None:
    """Latin and East-Asian fonts (rFonts w:ascii/w:hAnsi and w:eastAsia), size, boldness, black."""
    font = style_or_run.font  # type: ignore[attr-defined]
    font.name = LATIN
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    if size is not None:
        font.size = size
    rpr = style_or_run.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), face.name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the names set here


def _lines(style: object, before: float = 0, after: float = 0) -> None:
    fmt = style.paragraph_format  # type: ignore[attr-defined]
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)


def _styles(doc: DocumentObject) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    set_font(normal, BODY_FACE, SIZE_BODY)
    _lines(normal)
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters
    title = styles["Title"]
    set_font(title, TITLE_FACE, SIZE_TITLE)
    _lines(title, after=28)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    _no_border(title)
    for name, face in (("Heading 1", HEADING1_FACE), ("Heading 2", HEADING2_FACE)):
        style = styles[name]
        set_font(style, face, SIZE_BODY)
        _lines(style)
        style.paragraph_format.first_line_indent = Pt(32)
        style.paragraph_format.keep_with_next = True
    for name in ("Header", "Footer"):
        set_font(styles[name], FOOTER_FACE, SIZE_FOOTER)


def _no_border(style: object) -> None:
    """The template's Title has a bottom rule; an official document's title has none."""
    ppr = style.element.get_or_add_pPr()  # type: ignore[attr-defined]
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)


def _fonts_with_fallbacks(doc: DocumentObject, faces: list[Face]) -> None:
    """Declare each East-Asian font in the font table with its fallback (w:altName), GB2312 charset."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for face in faces:
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == face.name:
                root.remove(old)
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{face.name}"><w:altName w:val="{face.fallback}"/>'
            '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
        ))
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)  # type: ignore[attr-defined]


def _page_numbers(doc: DocumentObject) -> None:
    """'— 1 —' centred in the footer: an em dash, a PAGE field, an em dash."""
    footer = doc.sections[0].footer
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.first_line_indent = Pt(0)
    para.add_run("— ")
    run = para.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)
    para.add_run(" —")


def _body(doc: DocumentObject, text: str, italic: bool = False) -> Paragraph:
    para = doc.add_paragraph(style="Normal")
    if text:
        para.add_run(text).italic = italic or None
    return para


def _point(doc: DocumentObject, number: int, point: Point) -> None:
    """'1．text[1]。' with the markers as superscript runs."""
    para = _body(doc, "")
    text = with_end(point.text)
    end = text[-1] if text[-1] in "。！？；" else ""  # the markers go before the closing stop, as in Markdown
    para.add_run(f"{number}．{text[:-1] if end else text}")
    for c in point.citations:
        mark = para.add_run(f"[{c.n}]")
        mark.font.superscript = True
    if end:
        para.add_run(end)
