"""Cleaning, articles, heading paths and chunks on the real seed files (pure functions, no model, no store)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from assistant.ingest.chunk import Chunk, chunk_article, chunk_id_for
from assistant.ingest.structure import Article, Cleaning, Paragraph, clean_lines, join_paragraphs, structure
from assistant.text import zh
from assistant.text.profile import profile_for

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SEEDS = sorted(p.name for p in CORPUS.glob("*.txt"))
BOILERPLATE = ("下载文档前请自行甄别", "相似文献", "设为首页", "免责声明", "写写帮文库", "会员上传", "下载本文", "仅部分预览", "侵犯您的权益", "人工客服工作时间", "《人民教育》2023")


def _path(prefix: str) -> Path:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path


@cache
def raw_lines(prefix: str) -> list[str]:
    return _path(prefix).read_text(encoding="utf-8").split("\n")


SEED_CLEANING = Cleaning.from_entries(profile_for(CORPUS).entries("cleaning.txt"))  # corpus/.profile/cleaning.txt


@cache
def articles(prefix: str) -> list[Article]:
    return structure(raw_lines(prefix), _path(prefix).stem, cleaning=SEED_CLEANING)


@cache
def chunks(prefix: str) -> list[tuple[Article, list[Chunk]]]:
    return [(a, chunk_article(a, _path(prefix).name)) for a in articles(prefix)]


def squeeze(text: str) -> str:
    """Whitespace-free normalised text: what a raw line and a chunk have in common."""
    return re.sub(r"\s+", "", zh.normalize(text))


# ---------------------------------------------------------------- cleaning


def _paras(article: Article) -> list[Paragraph]:
    """The body paragraphs: the title (kept as the first paragraph) and the byline left out."""
    return [p for p in article.paragraphs if not p.is_title and not p.is_byline]


def _body(article: Article) -> list[str]:
    return [p.text for p in _paras(article)]


def test_an_articles_first_line_loses_the_page_number_and_title_and_keeps_the_byline_apart() -> None:
    # the title is the article's first paragraph (searchable, quotable); the byline glued into the running
    # header becomes a paragraph of its own and the article's author; the body's first quote opens at the text
    (haiyan,) = [a for a in articles("000") if a.title == "融合共建，促进区域教育优质均衡一体化发展"]
    title, byline, first = haiyan.paragraphs[:3]
    assert title.is_title and title.text == haiyan.title
    assert byline.is_byline and byline.text == "钟战华 | 浙江省海盐县武原中学" and haiyan.author == byline.text
    assert first.text.startswith("如何推进城乡教育优质均衡发展，让乡村孩子“读好书”")
    assert first.start_line == 20  # the quote still opens line 20
    (mingxiao,) = [a for a in articles("004") if a.title == "推动名校集团化办学，促进区域义务教育优质均衡发展"]
    assert _body(mingxiao)[0].startswith("当前，城市化进程的加速") and mingxiao.author == "林耀强"


def test_clean_lines_drop_boilerplate_and_keep_line_numbers() -> None:
    kept = dict(clean_lines(raw_lines("002")[:12], SEED_CLEANING))
    assert 3 not in kept and 4 not in kept  # 时间:...下载本文作者:会员上传 / 简介:写写帮文库小编...
    assert kept[1] == "加强校际合作促进均衡发展"
    assert kept[6] == "第一篇：加强校际合作促进均衡发展"
    assert kept[10] == "——实验小学与陈坊中小学教育共同体汇报材料"
    assert kept[12].startswith("为了贯彻落实县教育局颁发的《金溪县实施城乡教育发展共同体的指导意见》")
    assert all(text for text in kept.values())  # blank lines are gone


@pytest.mark.parametrize("name", SEEDS)
def test_no_boilerplate_left_in_any_article(name: str) -> None:
    for article in articles(name[:3]):
        for phrase in BOILERPLATE:
            assert phrase not in article.text, (name, article.title, phrase)


def test_search_result_page_keeps_its_abstracts() -> None:
    (article,) = articles("003")
    assert article.title == "003_229304e13f3f3a57"  # no title line: the file name
    assert article.start_line == 5  # 首页/相似文献/共查询到/1. are gone
    assert "城乡义务教育学校共同体的建设对于促进城乡义务教育“一体化”和“优质均衡”发展" in article.text
    assert "<正>" not in article.text


def test_a_wrapped_sentence_is_joined_and_remembers_its_lines() -> None:
    # 002:20 ends with '...展示共同体发展成' and 002:22 is '果。'
    paragraphs = join_paragraphs(clean_lines(raw_lines("002")))
    (p,) = [p for p in paragraphs if p.start_line == 20]
    assert p.end_line == 22
    assert p.text.endswith("通过参与上级部门组织的活动展示共同体发展成果。")
    assert p.line_at(p.text.index("第一阶段")) == 20
    assert p.line_at(len(p.text) - 1) == 22


def test_short_wrapped_lines_are_joined_but_titles_and_headings_are_not() -> None:
    paragraphs = join_paragraphs(clean_lines(raw_lines("000")))
    by_line = {p.start_line: p for p in paragraphs}
    # 000:125-127 is one sentence wrapped at ~40 characters
    assert by_line[125].end_line == 127
    assert by_line[125].text == (
        "政府应该增加对农村学校的资金支持，提高农村教师的待遇和培训机会，改善农村学校的基础设施条件，"
        "以确保农村学校与城市学校的教育资源平衡。"
    )
    assert by_line[120].text == "关于建立城乡教育共同体全面推进中小学教育均衡发展的意见"  # a title stays alone
    assert by_line[124].text == "1. 加大对农村教育的投入力度。"
    assert by_line[170].text == "一、教育均衡发展中存在的问题"  # a heading without a full stop stays alone
    assert by_line[171].start_line == by_line[171].end_line


# ---------------------------------------------------------------- articles


def test_002_splits_at_each_numbered_article_and_keeps_titles() -> None:
    found = articles("002")
    titles = [a.title for a in found]
    assert titles[:5] == [
        "加强校际合作促进均衡发展——实验小学与陈坊中小学教育共同体汇报材料",
        "教育资源共享促进校际间均衡发展——凤山镇前锋学区管理经验交流材料",
        "如何促进义务教育均衡发展",
        "如何促进义务教育均衡发展",
        "如何促进义务教育均衡发展",
    ]
    markers = [n for n, text in enumerate(raw_lines("002"), start=1) if re.match("第[一二三四五]篇", text)]
    assert markers == [6, 80, 134, 190, 208]
    for article, start, end in zip(found, markers, [*markers[1:], len(raw_lines("002")) + 1], strict=False):
        assert start < article.start_line <= article.end_line < end, article.title
        assert "第二篇" not in article.text and "第三篇" not in article.text
    assert found[0].start_line == 8  # the title line, kept as the article's first paragraph
    assert _paras(found[0])[0].start_line == 12  # subtitle (a title line too) and boilerplate are not body
    assert found[0].end_line == 78


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (
            "004",
            [
                "XX县义务教育阶段学校集团化办学实施方案",
                "区域集团化办学助推民族地区义务教育新发展——以西南大学三亚中学区域集团化办学为例",
                "小学学校集团化办学经验材料",
                "集团化办学优势发言稿范文",
                "推动名校集团化办学，促进区域义务教育优质均衡发展",  # a title with a comma, repeated below it
                "推进义务教育集团化办学工作的汇报",
            ],
        ),
        (
            "001",
            [
                "推进义务教育优质均衡发展",  # not the file's title line above it
                "抓好教师队伍建设促进义务教育均衡发展",
                "推进义务教育均衡发展工作措施",
                "如何促进义务教育均衡发展",
                "义务教育均衡发展与教育资源优化配置",
                "关于推进义务教育优质均衡发展工作实施方案",
                "如何促进义务教育均衡发展[1]",
                "如何促进义务教育均衡发展",
                "优化教师资源配置促进义务教育均衡发展",  # not the author line under it
            ],
        ),
    ],
)
def test_articles_of_a_concatenated_file(prefix: str, expected: list[str]) -> None:
    assert [a.title for a in articles(prefix)][: len(expected)] == expected


def test_000_articles_include_a_wrapped_title_and_a_comma_title() -> None:
    titles = [a.title for a in articles("000")]
    assert titles[:3] == [
        "关于促进教育均衡发展以适应城乡融合发展的调研报告",
        "融合共建，促进区域教育优质均衡一体化发展",
        "乡村教育资源整合促进乡村振兴与教育优质均衡",
    ]
    assert "关于建立城乡教育共同体全面推进中小学教育均衡发展的意见" in titles


def test_a_title_glued_to_its_first_line_starts_a_new_article() -> None:
    # 000:116 '以集团化办学破解…困局一、引言在中国…' follows 三、结论 (000:114) of the article above
    found = {_paras(a)[0].start_line: a for a in articles("000")}
    assert found[101].title == "以集团化办学促城乡义务教育一体化发展" and found[101].end_line == 115
    assert found[116].title == "以集团化办学破解西部城乡义务教育一体化发展困局"
    assert _paras(found[116])[0].heading_path == [found[116].title, "一、引言"]
    # 004: one article used to run from 120 to 232 with its outline going 一…三, 一…五, 一…三, 一…四
    found = {_paras(a)[0].start_line: a for a in articles("004")}
    assert found[120].title == "开展集团化办学推进教育均衡发展" and found[120].end_line == 132
    assert found[136].title == "集团化办学促进义务教育均衡发展"  # 004:136 '…均衡发展随着社会的发展,…'
    assert found[186].title == "义务教育集团化办学研究综述"  # 004:186 the title twice, then 随着…
    assert found[205].title == "以集团化办学促城乡义务教育一体化发展"
    assert found[220].title == "义务教育均衡发展研究述评"  # 004:220 '…研究述评一、引言…'
    assert _paras(found[220])[0].heading_path == ["义务教育均衡发展研究述评", "一、引言"]
    assert found[104].title == "集团化办学的思考与实践"  # 004:102 '219382126_集团化办学的思考与实践'
    assert found[86].end_line == 101  # the article above it stops before its title


def test_a_saved_pages_download_id_goes_and_its_title_stays() -> None:
    assert zh.normalize(raw_lines("004")[101]) == "集团化办学的思考与实践"
    (article,) = [a for a in articles("004") if a.title == "集团化办学的思考与实践"]
    # the lead paragraph naming the school is the article's, so its first chunk can be found by '建湖'
    assert "江苏省建湖县实验小学教育集团" in _paras(article)[1].text
    assert _paras(article)[2].text.startswith("一、推进机制创新")


def test_a_wrapped_first_line_under_a_numbered_point_is_not_a_title() -> None:
    # 000:140 '5. 加强学校间的合作与交流。', 000:141 '政府可以组织城市学校和农村学校之间的教师和学生交', 000:142 '流活动,…'
    paragraphs = {p.start_line: p for p in join_paragraphs(clean_lines(raw_lines("000")))}
    assert paragraphs[141].end_line == 142
    assert "教师和学生交流活动，促进彼此之间的学习和交流" in paragraphs[141].text
    titles = [a.title for a in articles("000")]
    assert not any(t.startswith("政府可以组织") for t in titles)
    (article,) = [a for a in articles("000") if a.title.startswith("关于建立城乡教育共同体")]
    assert article.end_line == 146
    # the same shape with a blank line after the title-like line stays a title: 004:17-19
    assert [a.title for a in articles("004")][1].startswith("区域集团化办学助推民族地区义务教育新发展")


def test_the_same_article_in_two_files_gives_the_same_chunks() -> None:
    # 000:101-115 and 004:205-219 are one article; before the split their 三、结论 chunks ran into different
    # next articles, so the passage was stored twice
    def conclusion_ids(prefix: str) -> set[str]:
        return {c.chunk_id for _, found in chunks(prefix) for c in found if "三、结论以集团化办学" in c.text}

    assert conclusion_ids("000") and conclusion_ids("000") == conclusion_ids("004")


@pytest.mark.parametrize("name", SEEDS)
def test_articles_do_not_overlap(name: str) -> None:
    found = articles(name[:3])
    assert found
    for before, after in zip(found, found[1:], strict=False):
        assert before.end_line < after.start_line
    assert [a.index for a in found] == list(range(len(found)))


# ---------------------------------------------------------------- heading paths


def test_004_implementation_plan_sections_get_heading_paths() -> None:
    plan = articles("004")[0]
    paths = {p.start_line: " > ".join(p.heading_path) for p in plan.paragraphs}
    title = "XX县义务教育阶段学校集团化办学实施方案"
    assert paths[4] == title
    assert paths[5] == f"{title} > 一、指导思想"
    assert paths[7] == f"{title} > 二、总体目标"
    assert paths[9] == f"{title} > 三、基本原则 > 1.坚持立足实际，逐步推进"
    assert paths[10] == f"{title} > 三、基本原则 > 1.坚持立足实际，逐步推进"
    assert paths[13] == f"{title} > 三、基本原则 > 2.坚持引领带动，促进发展"
    assert paths[15] == f"{title} > 三、基本原则 > 3•坚持集团管理，共同提高"
    assert paths[16].startswith(f"{title} > 四、组建模式")
    assert paths[17].startswith(f"{title} > 四、组建模式") and paths[17].endswith(" > 1.XX二中教育集团：由XX二中和XX学校初中部组成")


def test_numbered_parts_and_bracketed_items_nest() -> None:
    report = articles("000")[0]
    paths = {p.start_line: p.heading_path for p in report.paragraphs}
    assert paths[4][1] == "第一部分：引言" and paths[4][2].startswith("1.教育均衡发展与城乡融合")
    assert paths[12][1] == "第二部分：教育均衡发展的现状分析" and paths[12][2].startswith("3.教育均衡发展面临的")
    assert paths[15][1] == "第三部分：促进教育均衡发展的重要性" and paths[15][2].startswith("1.教育均衡发展是")
    assert all(len(path) == 3 for line, path in paths.items() if line != report.paragraphs[0].start_line)
    assert report.paragraphs[0].heading_path == [report.title]  # the title paragraph

    joint = next(a for a in articles("002") if a.title.startswith("加强校际合作"))
    paths = {p.start_line: p.heading_path for p in joint.paragraphs}
    assert paths[30][1:] == ["三、本学期教育共同体学校活动情况汇报", "（二）、加大扶持力度，改善薄弱学校办学条件"]
    assert paths[56][1:] == ["四、初步成效及今后工作打算"]


def test_format_headings_become_sections_and_table_rows_stay_text() -> None:
    lines = [
        "XX县义务教育阶段学校集团化办学实施方案",  # 1: Title style
        "指导思想",  # 2: Heading 1 style, no outline marker
        zh.normalize(raw_lines("004")[4])[6:],  # 3: 以习近平新时代中国特色社会主义思想为指导...
        "组织保障",  # 4: Heading 1 style
        "成立集团化办学工作领导小组，统筹推进集团化办学工作",  # 5: no full stop, must not swallow line 6
        "集团名称 | 成员学校",  # 6: table rows
        "XX二中教育集团 | XX二中和XX学校初中部",
    ]
    (article,) = structure(lines, "plan", frozenset({1, 2, 4}))
    assert article.title == "XX县义务教育阶段学校集团化办学实施方案"
    paths = {p.start_line: " > ".join(p.heading_path) for p in article.paragraphs}
    assert paths == {
        1: "XX县义务教育阶段学校集团化办学实施方案",  # the title, kept as the first paragraph
        2: "XX县义务教育阶段学校集团化办学实施方案 > 指导思想",
        3: "XX县义务教育阶段学校集团化办学实施方案 > 指导思想",
        4: "XX县义务教育阶段学校集团化办学实施方案 > 组织保障",
        5: "XX县义务教育阶段学校集团化办学实施方案 > 组织保障",
        6: "XX县义务教育阶段学校集团化办学实施方案 > 组织保障",
        7: "XX县义务教育阶段学校集团化办学实施方案 > 组织保障",
    }
    assert "XX二中教育集团 | XX二中和XX学校初中部" in article.text
    # without the format's headings the same lines still keep every table row
    assert "XX二中教育集团 | XX二中和XX学校初中部" in "\n".join(a.text for a in structure(lines, "plan"))


# ---------------------------------------------------------------- chunks

ALL = [(name, i) for name in SEEDS for i in range(len(articles(name[:3])))]


def _sentences(text: str) -> list[str]:
    return zh.split_sentences(text)


@pytest.mark.parametrize("name", SEEDS)
def test_chunk_sizes(name: str) -> None:
    for article, found in chunks(name[:3]):
        for i, c in enumerate(found):
            body = _sentences(c.text)
            own = body[1:] if i and c.text.startswith(_sentences(found[i - 1].text)[-1]) else body
            assert len(c.text) <= 500 or len(own) == 1, (c.source, c.start_line, len(c.text))
            if len(c.text) >= 300 or i == len(found) - 1:
                continue
            # a short chunk is allowed only before a new section or before a sentence that would overflow it
            nxt = found[i + 1]
            nxt_sentences = _sentences(nxt.text)
            carried = nxt.text.startswith(body[-1])
            first_new = nxt_sentences[1] if carried else nxt_sentences[0]
            grown_end = article.text.index(first_new, c.char_end) + len(first_new)
            new_section = not carried and nxt.heading != c.heading
            assert new_section or grown_end - c.char_start > 500, (c.source, c.start_line, len(c.text))


@pytest.mark.parametrize("name", SEEDS)
def test_a_chunk_closed_at_a_new_section_has_half_the_minimum(name: str) -> None:
    # the documented rule for chunk_min_chars (README): short chunks end at sections, never below min/2
    for article, found in chunks(name[:3]):
        for c, nxt in zip(found, found[1:], strict=False):
            at_section = nxt.heading != c.heading and not nxt.text.startswith(_sentences(c.text)[-1])
            grown = article.text.find(_sentences(nxt.text)[0], c.char_end)
            fits = grown != -1 and grown + len(_sentences(nxt.text)[0]) - c.char_start <= 500
            if len(c.text) < 300 and at_section and fits:
                assert len(c.text) >= 150, (c.source, c.start_line, len(c.text))


@pytest.mark.parametrize("name", SEEDS)
def test_chunks_end_at_a_sentence_end_or_paragraph_end(name: str) -> None:
    for article, found in chunks(name[:3]):
        for c in found:
            assert c.text == article.text[c.char_start : c.char_end]
            at_paragraph_end = c.char_end == len(article.text) or article.text[c.char_end] == "\n"
            ends_mark = c.text[-1] in zh.SENTENCE_END or (
                c.text[-1] in zh.CLOSERS and c.text.rstrip(zh.CLOSERS)[-1:] in zh.SENTENCE_END
            )
            assert ends_mark or at_paragraph_end, (c.source, c.end_line, c.text[-20:])
            starts_clean = c.char_start == 0 or article.text[c.char_start - 1] in zh.SENTENCE_END + zh.CLOSERS + "\n"
            assert starts_clean, (c.source, c.start_line, c.text[:20])


@pytest.mark.parametrize("name", SEEDS)
def test_chunks_stay_in_their_article_and_cover_it(name: str) -> None:
    for article, found in chunks(name[:3]):
        assert found
        covered = set()
        for c in found:
            assert c.article_title == article.title and c.article_index == article.index
            assert article.start_line <= c.start_line <= c.end_line <= article.end_line
            assert c.heading.split(" > ")[0] == article.title
            covered.update(range(c.char_start, c.char_end))
        missing = [i for i, ch in enumerate(article.text) if i not in covered and not ch.isspace()]
        assert not missing, (article.title, article.text[missing[0] : missing[0] + 20])
        assert [c.chunk_index for c in found] == list(range(len(found)))


@pytest.mark.parametrize("name", SEEDS)
def test_one_sentence_of_overlap_within_a_section(name: str) -> None:
    overlaps = 0
    for _, found in chunks(name[:3]):
        for before, after in zip(found, found[1:], strict=False):
            last = _sentences(before.text)[-1]
            if after.heading == before.heading and len(last) <= 250:
                assert after.text.startswith(last), (after.source, after.start_line)
                assert not after.text.startswith(" ".join(_sentences(before.text)[-2:]))
                overlaps += 1
    assert overlaps or name.startswith("001")


def test_overlap_happens_in_long_articles() -> None:
    overlapping = [
        (a, b)
        for _, found in chunks("002")
        for a, b in zip(found, found[1:], strict=False)
        if b.text.startswith(_sentences(a.text)[-1])
    ]
    assert len(overlapping) >= 5


@pytest.mark.parametrize("name", SEEDS)
def test_line_numbers_hold_the_first_and_last_sentence(name: str) -> None:
    lines = raw_lines(name[:3])
    for _, found in chunks(name[:3]):
        for c in found:
            sentences = _sentences(c.text)
            first, last = squeeze(sentences[0]), squeeze(sentences[-1])
            # lines that cleaning dropped (a '8.' between two search results) are not part of the text
            region_lines = [
                "" if zh.is_boilerplate(zh.normalize(line)) else squeeze(line)
                for line in lines[c.start_line - 1 : c.end_line]
            ]
            region = "".join(region_lines)
            start = region.find(first)
            end = region.rfind(last) + len(last)
            assert start != -1 and start < len(region_lines[0]), (c.source, c.start_line, sentences[0][:20])
            assert region.rfind(last) != -1 and end > len(region) - len(region_lines[-1]), (
                c.source,
                c.end_line,
                sentences[-1][-20:],
            )


def test_a_sentence_wrapped_over_lines_reports_both_lines() -> None:
    _, found = chunks("002")[0]
    (c,) = [c for c in found if "展示共同体发展成果。" in c.text]
    assert c.start_line <= 20 and c.end_line >= 22
    assert "通过参与上级部门组织的活动展示共同体发展成果。" in c.text


def test_a_known_sentence_is_never_split_across_chunks() -> None:
    sentence = "随着经济社会的快速发展，城镇化建设的快速推进，人民群众已从希望“人人有学上”转向渴望“人人上好学”。"
    holders = [c for _, found in chunks("001") for c in found if "城镇化建设的快速推进" in c.text]
    assert holders and all(sentence in c.text for c in holders)


def test_chunk_ids_are_stable_content_hashes() -> None:
    again = [c for a in structure(raw_lines("004"), "004", cleaning=SEED_CLEANING) for c in chunk_article(a, "renamed.txt")]
    first = [c for _, found in chunks("004") for c in found]
    assert [c.chunk_id for c in again] == [c.chunk_id for c in first]  # name and title do not enter the id
    assert len({c.chunk_id for c in first}) == len(first)
    assert all(c.chunk_id == chunk_id_for(c.text) for c in first)
    assert chunk_id_for("加强校际合作 促进均衡发展,提高质量。") == chunk_id_for("加强校际合作促进均衡发展，提高质量。\n")
    assert chunk_id_for("提高质量。") != chunk_id_for("提高质量！")


def test_chunk_size_settings_are_honoured() -> None:
    article = articles("002")[1]
    small = chunk_article(article, "x.txt", min_chars=100, max_chars=200, overlap=0)
    default = chunk_article(article, "x.txt")
    assert len(small) > len(default)
    for before, after in zip(small, small[1:], strict=False):
        assert not after.text.startswith(_sentences(before.text)[-1])  # no overlap asked for
    assert all(len(c.text) <= 200 or len(_sentences(c.text)) == 1 for c in small)


def test_place_names_of_an_articles_lead() -> None:
    from assistant.text.tokenizer import place_names

    (article,) = [a for a in articles("004") if a.title == "集团化办学的思考与实践"]
    names = place_names(article.text[:200])
    assert names[:2] == ["江苏省", "建湖县"] and "建湖" in names  # the short form, as it begins 建湖县
    assert place_names(articles("002")[0].text[:200])[:1] == ["金溪县"]
    assert not {"印发", "普及", "中国", "城市"} & set(place_names(" ".join(a.text[:200] for a in articles("001"))))


def test_an_essay_opener_is_corpus_data_from_the_profile() -> None:
    """A title glued before '随着' starts a new article only where the corpus profile names that opener."""
    lines = ["城乡教育共同体建设的调查与思考", "正文第一段，说明了一些情况和做法，篇幅足够长，足以成为一篇文章的正文内容。" * 2,
             "第二段继续说明这些情况，同样篇幅足够长，确保正文足够。" * 2,
             "集团化办学促进义务教育均衡发展随着社会的发展，教育的重要性日益凸显，各地纷纷探索集团化办学。"]
    plain = structure(lines, "f")
    profiled = structure(lines, "f", cleaning=Cleaning.from_entries(["opener:随着"]))
    assert len(plain) == 1
    assert [a.title for a in profiled] == ["城乡教育共同体建设的调查与思考", "集团化办学促进义务教育均衡发展"]
