"""Chinese text rules (assistant.text.zh) on real lines of the seed corpus: boilerplate, widths, sentences, outline."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from assistant.ingest.structure import Cleaning
from assistant.text import zh
from assistant.text.profile import profile_for

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@cache
def _lines(prefix: str) -> list[str]:
    (path,) = CORPUS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8").split("\n")


def line(prefix: str, number: int) -> str:
    """Line `number` (1-based) of the seed file whose name starts with `prefix`, exactly as stored."""
    return _lines(prefix)[number - 1]


# ---------------------------------------------------------------- the copies below really are corpus lines


@pytest.mark.parametrize(
    ("prefix", "number", "text"),
    [
        ("002", 3, "时间:2019-05-12 12:56:58下载本文作者:会员上传"),
        ("003", 67, "设为首页 | 免责声明 | 关于勤云 | 加入收藏"),
        ("004", 9, "三、基本原则1.坚持立足实际,逐步推进。"),
        ("004", 121, "推 动 课 改。"),
        ("002", 22, "果。"),
    ],
)
def test_quoted_lines_are_the_corpus_lines(prefix: str, number: int, text: str) -> None:
    assert line(prefix, number) == text


# ---------------------------------------------------------------- boilerplate


@pytest.mark.parametrize(
    ("prefix", "number"),
    [
        ("000", 163),  # - 1、下载文档前请自行甄别文档内容的完整性...
        ("000", 164),  # - 2、"仅部分预览"的文档,不可在线预览...
        ("001", 174),
        ("004", 133),
        ("004", 135),  # - 3、如文档侵犯您的权益,请联系客服反馈...(人工客服工作时间:9:00-18:30)。
        ("000", 165),
        ("003", 1),  # 首页 | 本学科首页   官方微博 | 高级检索
        ("003", 2),  # 相似文献
        ("003", 3),  # 共查询到20条相似文献,搜索用时 31 毫秒
        ("003", 4),  # 1.
        ("003", 67),  # 设为首页 | 免责声明 | 关于勤云 | 加入收藏
        ("003", 69),  # Copyright©北京勤云科技发展有限公司  京ICP备09084417号
        ("002", 238),  # 下载加强校际合作 促进均衡发展word格式文档
        ("002", 239),  # 下载加强校际合作 促进均衡发展.doc
        ("002", 240),  # 将本文档下载到自己电脑...
        ("001", 132),  # ![如何促进义务教育均衡发展[1]](https://img.taocdn.com/...png)
    ],
)
def test_site_boilerplate_is_recognised(prefix: str, number: int) -> None:
    raw = line(prefix, number)
    assert zh.is_boilerplate(raw), raw
    assert zh.is_boilerplate(zh.normalize(raw)), raw  # clean_lines tests the normalised line


@pytest.mark.parametrize(
    ("prefix", "number"),
    [
        ("000", 4),  # 第一部分:引言1.教育均衡发展与城乡融合发展的关系...
        ("002", 96),  # 学区总占地面积为18994平方米...
        ("001", 185),  # ...“人人有学上”转向渴望“人人上好学”。
        ("004", 5),  # 一、指导思想以习近平...
        ("003", 5),  # an abstract on the search-result page is content
        ("002", 22),  # 果。 (the end of a wrapped sentence)
        ("004", 104),  # The Horizon of Education63实现优质均衡发展,... (header glued to content)
        ("001", 178),  # 诸城市枳沟初级中学王培友
    ],
)
def test_content_lines_are_not_boilerplate(prefix: str, number: int) -> None:
    raw = line(prefix, number)
    assert not zh.is_boilerplate(raw), raw
    assert not zh.is_boilerplate(zh.normalize(raw)), raw


SEED_CLEANING = Cleaning.from_entries(profile_for(CORPUS).entries("cleaning.txt"))


@pytest.mark.parametrize(
    ("prefix", "number"),
    [
        ("002", 3),  # 时间:2019-05-12 12:56:58下载本文作者:会员上传
        ("002", 4),  # 简介:写写帮文库小编为你整理了多篇相关的...
    ],
)
def test_one_sites_boilerplate_is_in_the_corpus_profile_not_the_code(prefix: str, number: int) -> None:
    raw = line(prefix, number)
    assert SEED_CLEANING.line(raw) == "", raw  # corpus/.profile/cleaning.txt knows the site
    code = Path(zh.__file__).read_text(encoding="utf-8")
    assert not any(site in code for site in ("写写帮文库", "会员上传", "原创力", "道客", "上旬刊", "Horizon of Education"))


def test_a_journal_header_glued_to_a_sentence_is_cut_and_the_sentence_kept() -> None:
    # the journal's name is a fact about the seed corpus: a 'cut:' rule of its profile
    assert SEED_CLEANING.line(line("004", 104)).startswith("实现优质均衡发展，是我国基础教育对公平与卓越的靠近，")
    assert SEED_CLEANING.line(line("004", 20)).startswith("所谓集团化办学，是指在一个核心机构")
    assert zh.normalize(line("004", 104)).startswith("The Horizon of Education")


# ---------------------------------------------------------------- normalisation


def test_half_width_punctuation_in_chinese_becomes_full_width_and_decimals_stay() -> None:
    text = zh.normalize(line("002", 96))
    assert text.startswith("学区总占地面积为18994平方米，生均占地面积为32.4平方米；现校舍建筑面积为4715平方米，")
    assert "生均33.3册" in text
    assert "," not in text and ";" not in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # a real line (000:198) with percentages
        (line("000", 198), "其中由父母一方照顾的14958人，由祖父母、外祖父母或者亲戚照顾的有20549人，分别占留守儿童总数的42.1%、57.9%。"),
        # dates, times, decimals and thousands inside Chinese text
        ("会议定于2020.5召开,上午10:30开始,时长1.5小时,参会1,000人。", "会议定于2020.5召开，上午10:30开始，时长1.5小时，参会1,000人。"),
        # the times inside a bracket of 000:165 stay, the bracket pair becomes full-width
        (line("000", 165), "- 3、如文档侵犯您的权益，请联系客服反馈，我们会尽快为您处理（人工客服工作时间：9:00-18:30）。"),
    ],
)
def test_numbers_times_and_decimals_stay_intact(raw: str, expected: str) -> None:
    assert zh.normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected_start"),
    [
        (line("000", 171), "（一）教育经费投入不足。"),
        (line("001", 195), "（1）大批农村中小学生不断涌入市城，"),
        (line("001", 32), "《国家中长期教化改革和发展规划纲要（2010—2020年）》提出"),
        (line("000", 4), "第一部分：引言1.教育均衡发展与城乡融合发展的关系教育是一个国家的命运所系，"),
    ],
)
def test_brackets_and_colons_in_chinese_become_full_width(raw: str, expected_start: str) -> None:
    assert zh.normalize(raw).startswith(expected_start)


def test_no_space_is_left_around_punctuation_made_full_width() -> None:
    # 004:125 is spaced-out PDF text: '有效利用信息化网络 , 实现' kept its spaces around the new '，'
    assert "有效利用信息化网络，实现各教育集团课堂教学" in zh.normalize(line("004", 125))
    assert zh.normalize(line("004", 129)) == "沈阳市辽中区教育局，辽宁沈阳 1 1 0 2 9 9"
    assert " ，" not in zh.normalize(line("004", 131)) and "， " not in zh.normalize(line("004", 131))


def test_a_markdown_image_is_stripped_and_the_text_after_it_kept() -> None:
    # 001:132 is an image line; glued before the text of 001:133 the text used to be dropped with it
    glued = line("001", 132) + line("001", 133)
    assert not zh.is_boilerplate(zh.normalize(glued))
    assert zh.normalize(glued) == zh.normalize(line("001", 133))
    assert zh.normalize("前文。" + line("001", 132) + "后文。") == "前文。后文。"


def test_english_text_keeps_its_punctuation() -> None:
    assert zh.normalize("What is it? A test, ok: yes! see f(x)") == "What is it? A test, ok: yes! see f(x)"


def test_full_width_digits_and_letters_are_unified() -> None:
    raw = line("002", 96)
    wide = raw.translate({c: c + 0xFEE0 for c in range(ord("0"), ord("9") + 1)}).replace("X", "Ｘ")
    assert wide != raw
    assert zh.normalize(wide) == zh.normalize(raw)
    assert zh.unify_width("ＸＸ县２０１９年　试行") == "XX县2019年 试行"


def test_enclosed_list_numbers_become_ascii_list_numbers() -> None:
    assert zh.normalize(line("001", 44)).startswith("二、加强政策支持1.制定和完善相关教育政策，")


@pytest.mark.parametrize(
    ("prefix", "number", "expected"),
    [
        ("004", 121, "推动课改。"),
        ("004", 120, "堂教学改革的操作要领和评价标准。开展课改观摩、"),
        ("004", 128, "陈瀚"),
        ("002", 1, "加强校际合作促进均衡发展"),
    ],
)
def test_spaced_out_pdf_text_is_joined(prefix: str, number: int, expected: str) -> None:
    assert zh.normalize(line(prefix, number)) == expected


def test_compact_ignores_width_and_spacing() -> None:
    assert zh.compact(line("004", 121)) == "推动课改。"
    assert zh.compact("加强校际合作 促进均衡发展,") == zh.compact("加强校际合作促进均衡发展，")


# ---------------------------------------------------------------- sentences


def test_quotes_stay_with_their_sentence() -> None:
    assert zh.split_sentences(zh.normalize(line("001", 185))) == [
        "随着经济社会的快速发展，城镇化建设的快速推进，人民群众已从希望“人人有学上”转向渴望“人人上好学”。"
    ]
    assert zh.split_sentences("“教育公平是最基本、最重要的社会公平”。义务教育均衡发展应该包含以下三方面内容。") == [
        "“教育公平是最基本、最重要的社会公平”。",
        "义务教育均衡发展应该包含以下三方面内容。",
    ]
    # a closing quote after the end mark belongs to the quoted sentence (000:175-176 joined)
    text = "“人往高处走，水往低处流。”乡村学校一般较为偏僻，交通和生活都不方便。"
    assert zh.split_sentences(text) == ["“人往高处走，水往低处流。”", "乡村学校一般较为偏僻，交通和生活都不方便。"]


def test_known_sentences_are_never_split() -> None:
    # 000:33-41: each line of this passage is one sentence; run together they must split back into the lines
    sentences = [zh.normalize(line("000", n)) for n in range(33, 42)]
    assert all(s.endswith("。") for s in sentences)
    assert zh.split_sentences("".join(sentences)) == sentences


def test_sentence_marks_and_line_ends() -> None:
    text = "促进教育公平！提高质量？一是“提质量”；二是“缩差距”……\n没有句号的一行\n让我们携手共进，谢谢大家！。"
    assert zh.split_sentences(text) == [
        "促进教育公平！",
        "提高质量？",
        "一是“提质量”；",
        "二是“缩差距”……",
        "没有句号的一行",
        "让我们携手共进，谢谢大家！。",
    ]


def test_sentence_spans_point_at_the_sentences() -> None:
    text = "  " + zh.normalize(line("004", 5)) + "\n" + zh.normalize(line("004", 7)) + "  "
    spans = zh.sentence_spans(text)
    assert [text[s:e] for s, e in spans] == zh.split_sentences(text)
    assert len(spans) == 2


# ---------------------------------------------------------------- outline markers


@pytest.mark.parametrize(
    ("raw", "level", "marker", "heading", "rest_start"),
    [
        (line("000", 4), 1, "第一部分：", "引言", "1.教育均衡发展与城乡融合发展的关系"),
        (line("002", 6), 1, "第一篇：", "加强校际合作促进均衡发展", ""),
        (line("004", 5), 2, "一、", "指导思想", "以习近平新时代中国特色社会主义思想为指导"),
        (line("004", 9), 2, "三、", "基本原则", "1.坚持立足实际，逐步推进。"),
        (line("001", 44), 2, "二、", "加强政策支持", "1.制定和完善相关教育政策"),
        (line("002", 14), 2, "一、", "总体目标", ""),
        (line("000", 171), 3, "（一）", "教育经费投入不足", ""),
        (line("002", 26), 3, "（一）、", "科学谋划", "制订详实合作方案"),
        (line("000", 124), 4, "1.", "加大对农村教育的投入力度", ""),
        (line("000", 182), 4, "2、", "教师结构不均衡", ""),
        (line("004", 14), 4, "3•", "坚持集团管理，共同提高", ""),
        (line("001", 195), 5, "（1）", "大批农村中小学生不断涌入市城", "出现了许多学生家长托人情"),
    ],
)
def test_outline_markers_give_level_and_heading(
    raw: str, level: int, marker: str, heading: str, rest_start: str
) -> None:
    mark = zh.outline_mark(zh.normalize(raw))
    assert mark is not None, raw
    assert (mark.level, mark.marker, mark.heading) == (level, marker, heading)
    assert mark.rest.startswith(rest_start)
    if not rest_start:
        assert mark.rest == ""


def test_a_glued_sub_item_is_its_own_heading() -> None:
    mark = zh.outline_mark(zh.normalize(line("004", 9)))
    assert mark is not None and zh.heading_label(mark) == "三、基本原则"
    sub = zh.outline_mark(mark.rest)
    assert sub is not None
    assert (sub.level, zh.heading_label(sub)) == (4, "1.坚持立足实际，逐步推进")


@pytest.mark.parametrize(
    "raw",
    [
        line("000", 21),  # 2020年底,浙江省教育厅等四部门印发...
        line("002", 144),  # 一是“提质量”。...
        line("002", 96),  # 学区总占地面积为18994平方米...
        "2014.8.20 校际间均衡发展汇报材料",
        "32.4平方米的校舍",
        "一，是开头的逗号",
    ],
)
def test_text_that_is_not_an_outline_marker(raw: str) -> None:
    assert zh.outline_mark(zh.normalize(raw)) is None


def test_heading_labels() -> None:
    first = zh.outline_mark(zh.normalize(line("000", 4)))
    third = zh.outline_mark(zh.normalize(line("002", 28)))  # (二)、加大扶持力度,改善薄弱学校办学条件
    assert first is not None and zh.heading_label(first) == "第一部分：引言"
    assert third is not None and zh.heading_label(third) == "（二）、加大扶持力度，改善薄弱学校办学条件"


# ---------------------------------------------------------------- titles


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        (line("004", 2), True),  # XX县义务教育阶段学校集团化办学实施方案
        (line("000", 2), True),  # 关于促进教育均衡发展以适应城乡融合发展的调研报告
        (line("004", 9), False),  # an outline heading
        (line("000", 6), False),  # a sentence
        (line("002", 10), False),  # ——实验小学与陈坊中小学教育共同体汇报材料 (a subtitle)
    ],
)
def test_title_lines(raw: str, title: bool) -> None:
    assert zh.looks_like_title(zh.normalize(raw)) is title


def test_dash_subtitle() -> None:
    assert zh.is_subtitle(zh.normalize(line("002", 10)))
    assert zh.is_subtitle(zh.normalize(line("002", 86)))  # ——凤山镇前锋学区管理经验交流材料
    assert not zh.is_subtitle(zh.normalize(line("002", 12)))


@pytest.mark.parametrize(
    ("prefix", "number", "title", "rest_start"),
    [
        ("000", 116, "以集团化办学破解西部城乡义务教育一体化发展困局", "一、引言在中国"),
        ("004", 220, "义务教育均衡发展研究述评", "一、引言义务教育"),
        ("004", 136, "集团化办学促进义务教育均衡发展", "随着社会的发展"),
        ("004", 186, "义务教育集团化办学研究综述", "随着社会"),  # the title scraped twice
    ],
)
def test_a_title_glued_to_the_first_line(prefix: str, number: int, title: str, rest_start: str) -> None:
    # the seeds' profile names their essay opener 随着 (corpus/.profile/cleaning.txt); 一、 is the language's
    found = zh.glued_title(zh.normalize(line(prefix, number)), ("随着",))
    assert found and found[0] == title and found[1].startswith(rest_start)
    if rest_start.startswith("随着"):
        assert zh.glued_title(zh.normalize(line(prefix, number))) is None  # another corpus: no such opener


@pytest.mark.parametrize(("prefix", "number"), [("000", 12), ("001", 146), ("004", 140), ("000", 114)])
def test_headed_lines_have_no_glued_title(prefix: str, number: int) -> None:
    assert zh.glued_title(zh.normalize(line(prefix, number)), ("随着",)) is None  # 3.教育均衡发展面临的挑战随着… is a heading


# ---------------------------------------------------------------- comparison questions
def _conjunctions(question: str) -> list[tuple[int, int]]:
    from assistant.text.tokenizer import conjunction_spans

    return conjunction_spans(question)


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("临安市和宁波市的城乡学校共同体建设规模分别有多大？",  # the '的' tail is shared by both cities
         ["临安市的城乡学校共同体建设规模分别有多大？", "宁波市的城乡学校共同体建设规模分别有多大？"]),
        ("前锋学区的电子白板和电脑分别有多少？",  # ... and the '的' head
         ["前锋学区的电子白板分别有多少？", "前锋学区的电脑分别有多少？"]),
        ("城乡学校之间的干部交流，诸城市和金溪县实验小学各是怎么做的？",  # the clause before stays with both
         ["城乡学校之间的干部交流，诸城市各是怎么做的？", "城乡学校之间的干部交流，金溪县实验小学各是怎么做的？"]),
        ("前锋学区和实验小学—陈坊中小学共同体在联合教研方面各采用了什么形式？",
         ["前锋学区在联合教研方面各采用了什么形式？", "实验小学—陈坊中小学共同体在联合教研方面各采用了什么形式？"]),
    ],
)
def test_a_comparison_question_splits_into_one_question_per_item(question: str, parts: list[str]) -> None:
    assert zh.comparison_parts(question, _conjunctions(question)) == parts


@pytest.mark.parametrize(
    "question",
    [
        "爸爸妈妈都出去打工、孩子跟着老人在家，学校和社会该怎么照顾这些孩子？",  # 和, but no 'each' asked
        "构建均衡优质的和谐教育分别指什么？",  # 分别, but 和谐 is no conjunction
        "集团化办学有哪些模式？",
    ],
)
def test_other_questions_are_not_split(question: str) -> None:
    assert zh.comparison_parts(question, _conjunctions(question)) == []


# ---------------------------------------------------------------- headings glued to a sentence
@pytest.mark.parametrize(
    ("sentence", "headings", "shown"),
    [
        ("二、总体目标深入推进学校体制机制改革，强化优质资源学校带动作用。",
         ["XX县义务教育阶段学校集团化办学实施方案", "二、总体目标"], "深入推进学校体制机制改革，强化优质资源学校带动作用。"),
        ("关于推进义务教育优质均衡发展工作实施方案推进义务教育优质均衡发展工作是我国教育领域的一项重要任务。",
         ["关于推进义务教育优质均衡发展工作实施方案"], "推进义务教育优质均衡发展工作是我国教育领域的一项重要任务。"),
        ("三、基本原则1.坚持立足实际，逐步推进。",  # the outer heading goes; the item is the sentence itself
         ["XX县义务教育阶段学校集团化办学实施方案", "三、基本原则", "1.坚持立足实际，逐步推进"], "1.坚持立足实际，逐步推进。"),
        # what follows continues the heading, or the 'heading' was a sentence's start: left whole
        ("二、集团化办学的模式和组织结构集团化办学通常采取以下几种模式：",
         ["小学学校集团化办学经验材料", "二、集团化办学的模式"], "二、集团化办学的模式和组织结构集团化办学通常采取以下几种模式："),
        ("（1）大批农村中小学生不断涌入市城，出现了许多学生家长托人情、找关系。",
         ["优化教师资源配置促进义务教育均衡发展", "（1）大批农村中小学生不断涌入市城"],
         "（1）大批农村中小学生不断涌入市城，出现了许多学生家长托人情、找关系。"),
        ("XX县义务教育阶段学校集团化办学实施方案（试行）为进一步深化全县教育体制机制改革。",
         ["XX县义务教育阶段学校集团化办学实施方案"], "XX县义务教育阶段学校集团化办学实施方案（试行）为进一步深化全县教育体制机制改革。"),
    ],
)
def test_a_heading_glued_to_the_first_sentence_is_dropped_from_the_answer(sentence, headings, shown) -> None:
    assert zh.strip_leading_heading(sentence, headings) == shown


@pytest.mark.parametrize(
    ("prefix", "number", "title", "body"),
    [
        ("000", 20, "融合共建，促进区域教育优质均衡一体化发展", "如何推进城乡教育优质均衡发展，让乡村孩子"),  # page 22, byline with |
        ("004", 70, "推动名校集团化办学，促进区域义务教育优质均衡发展", "当前，城市化进程的加速"),  # 作者…来源:《…》
        ("004", 4, "XX县义务教育阶段学校集团化办学实施方案", "为进一步深化全县教育体制机制改革"),  # …（试行）
        ("004", 186, "义务教育集团化办学研究综述", "随着社会的发展"),  # the title scraped twice
    ],
)
def test_a_running_header_glued_to_a_first_line_is_cut_at_the_body(prefix: str, number: int, title: str, body: str) -> None:
    text = zh.normalize(line(prefix, number))
    assert text[zh.running_header_end(text, title) :].startswith(body)


def test_a_line_that_does_not_open_with_its_title_or_is_only_the_title_keeps_everything() -> None:
    assert zh.running_header_end(zh.normalize(line("000", 21)), "融合共建，促进区域教育优质均衡一体化发展") == 0
    assert zh.running_header_end("融合共建，促进区域教育优质均衡一体化发展", "融合共建，促进区域教育优质均衡一体化发展") == 0
    assert zh.running_header_end("随着社会的发展，教育的重要性日益凸显。", "") == 0
