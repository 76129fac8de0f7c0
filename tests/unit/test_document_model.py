"""Laws from laws-dev written as docx, pdf, html, GB18030 txt and md (bench/formats.py), loaded, structured and
chunked: their real titles and types, 第X条 units in heading paths, items with their head, no page numbers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from assistant.ingest.chunk import Chunk, chunk_article
from assistant.ingest.load import load
from assistant.ingest.structure import Article, structure
from assistant.text import zh
from bench.formats import FORMATS, LAWS_DEV, cjk_font, convert

TEACHERS = LAWS_DEV / "教师法(2009-08-27).md"
CERTIFICATES = LAWS_DEV / "教师资格条例(1995-12-12).md"
SHANGHAI_OLD = LAWS_DEV / "上海市实施《义务教育法》办法(2009-02-24).md"

pytestmark = pytest.mark.skipif(not LAWS_DEV.is_dir(), reason="../shared/corpora/laws-dev is not beside the repo")


def _needs(fmt: str) -> None:
    if fmt == "pdf" and cjk_font() is None:
        pytest.skip("no CJK font for fpdf2 (fc-list :lang=zh is empty; install fonts-noto-cjk)")


@cache
def parsed(source: Path, fmt: str, folder: Path) -> tuple[Article, list[Chunk]]:
    path = convert(source, folder, fmt)
    raw = load(path)
    (article,) = structure(raw.lines, raw.path.stem, raw.heading_lines, raw.title)
    return article, chunk_article(article, raw.source)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("formats")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_law_in_every_format_has_its_title_type_history_and_articles(fmt: str, folder: Path) -> None:
    _needs(fmt)
    article, chunks = parsed(TEACHERS, fmt, folder)
    assert article.title == "中华人民共和国教师法"  # not '1993年10月31日…通过', not the file name
    assert (article.doc_type, article.issuer) == ("法律", "全国人民代表大会常务委员会")
    assert (article.date, article.version_date) == ("1993-10-31", "2009-08-27")
    assert all(c.version_date == "2009-08-27" and c.doc_type == "法律" for c in chunks)
    # the history is text too: searchable
    assert "第四次会议通过" in chunks[0].text
    by_article = {zh.legal_article(line): c for c in chunks for line in c.text.split("\n") if zh.legal_article(line)}
    assert len(by_article) == 43  # 第一条 … 第四十三条, each whole in some chunk
    c25 = by_article["第二十五条"]
    assert c25.heading.startswith("中华人民共和国教师法 > 第六章 待遇 > 第二十五条")
    assert "第二十五条 教师的平均工资水平应当不低于或者高于国家公务员的平均工资水平" in c25.text  # the space stays
    # an article's items travel with the sentence that introduces them, and are no headings
    c37 = by_article["第三十七条"]
    assert "有下列情形之一的，由所在学校、其他教育机构或者教育行政部门给予行政处分或者解聘：" in c37.text
    assert "（二）体罚学生，经教育不改的" in c37.text
    assert not any("（一）" in c.heading or "（二）" in c.heading for c in chunks)


@pytest.mark.parametrize("fmt", FORMATS)
def test_page_numbers_and_running_headers_are_gone(fmt: str, folder: Path) -> None:
    _needs(fmt)
    article, _ = parsed(TEACHERS, fmt, folder)
    lines = [p.text for p in article.paragraphs]
    assert not any(zh.is_page_number(line) or line.startswith("—") for line in lines)
    assert lines.count("中华人民共和国教师法") == 1  # the title once, not atop every page
    assert "版权所有" not in article.text and "首页" not in article.text and "分享到" not in article.text


def test_a_long_article_is_split_between_its_paragraphs_each_part_keeping_its_number(folder: Path) -> None:
    article, chunks = parsed(CERTIFICATES, "docx", folder)
    assert article.title == "教师资格条例" and article.doc_type == "条例"
    assert article.doc_number == "中华人民共和国国务院令第188号" and article.issuer == "中华人民共和国国务院"
    small = chunk_article(article, "x.docx", min_chars=60, max_chars=120)
    parts = [c for c in small if c.heading.endswith("第四条")]
    assert len(parts) >= 2  # 第四条 (the seven kinds of certificates) is longer than 120 characters
    assert all(c.heading == "教师资格条例 > 第二章 教师资格分类与适用 > 第四条" for c in parts)
    assert parts[0].text.startswith("第二章 教师资格分类与适用\n第四条 教师资格分为：\n（一）幼儿园教师资格；")
    assert all(len(c.text) <= 120 for c in parts)


def test_a_regulation_without_history_takes_its_version_date_from_the_file_name(folder: Path) -> None:
    article, chunks = parsed(SHANGHAI_OLD, "txt", folder)
    assert article.title == "上海市实施《中华人民共和国义务教育法》办法" and article.doc_type == "办法"
    assert article.version_date == "2009-02-24" and article.date == ""


def test_gb18030_with_crlf_reads_like_the_markdown(folder: Path) -> None:
    path = convert(TEACHERS, folder, "txt")
    assert b"\r\n" in path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    txt, _ = parsed(TEACHERS, "txt", folder)
    md, _ = parsed(TEACHERS, "md", folder)
    assert [p.text for p in txt.paragraphs] == [p.text for p in md.paragraphs]


def test_a_report_keeps_its_byline_as_author_and_text() -> None:
    lines = ["融合共建促进区域教育优质均衡发展", "钟战华 | 浙江省海盐县武原中学", "",
             "如何推进城乡教育优质均衡发展，让乡村孩子读好书，已经成为教育发展新阶段亟须破解的问题。"]
    (article,) = structure(lines, "report")
    assert article.author == "钟战华 | 浙江省海盐县武原中学" and article.doc_type == "论文"
    assert "钟战华" in article.text and article.paragraphs[0].is_title


@pytest.mark.parametrize(
    ("title", "kind"),
    [("中华人民共和国职业教育法", "法律"), ("重庆市国家教育考试条例", "条例"), ("征收教育费附加的暂行规定", "规定"),
     ("关于做好2024年普通高校招生工作的通知", "通知"), ("XX县集团化办学实施方案（试行）", "方案"),
     ("关于加强中小学教师队伍建设的意见", "意见"), ("上海市实施《中华人民共和国义务教育法》办法", "办法")],
)
def test_doc_type_from_the_titles_ending(title: str, kind: str) -> None:
    assert zh.doc_type(title) == kind


def test_history_lines_dates_issuers_and_numbers() -> None:
    assert zh.history_entry("2024年9月13日 第十四届全国人民代表大会常务委员会第十一次会议修订）") == "2024-09-13"
    assert zh.history_entry("第二十五条 2009年8月27日前已经…") is None
    assert zh.issuer_of("1993年2月6日 上海市第九届人民代表大会常务委员会第四十一次会议通过") == "上海市人民代表大会常务委员会"
    assert zh.doc_number("浙江省教育厅 浙教基〔2020〕12号") == "浙教基〔2020〕12号"
    assert zh.page_title("关于做好招生工作的通知 - 中华人民共和国教育部") == "关于做好招生工作的通知"


def test_an_amended_article_is_not_merged_into_the_older_versions_text() -> None:
    from assistant.ingest.pipeline import _NearDuplicates

    old = (
        "第十一条 凡年满六周岁的儿童，其父母或者其他法定监护人应当送其入学接受并完成义务教育。"
        "适龄儿童、少年因身体状况需要延缓入学的，由区、县批准。"
        "学校应当按照规定做好适龄儿童、少年的入学登记和学籍管理工作，不得拒绝接收。"
        "义务教育学校不得以任何形式举行或者变相举行入学考试，不得以各类竞赛成绩作为招生依据。"
        "区教育行政部门应当为居住在本区的适龄儿童、少年提供就近入学的学位。"
    )
    new = old.replace("区、县", "区")
    near = _NearDuplicates()
    near.add("old", old, ("上海市实施办法", "2009-02-24"))
    assert near.match(new, ("上海市实施办法", "2024-09-27")) is None  # another version keeps its own words
    assert near.match(new, ("另一份文件", "2024-09-27")) == "old"  # a re-wrapped copy elsewhere is still merged
