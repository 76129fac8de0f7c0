"""Drafting's pure parts: trimming corpus sentences into points, templates and outlines, numbering, editing rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.drafting import editing
from assistant.drafting.markdown import point_line, to_markdown
from assistant.drafting.models import NO_SUPPORT, Draft, DraftCitation, Point, Section
from assistant.drafting.numbering import chinese_number, numbered
from assistant.drafting.points import concreteness, is_statement, trim
from assistant.drafting.templates import available, builtin_dir, load_outline, load_template, parse_outline
from assistant.errors import AssistantError


@pytest.mark.parametrize(("sentence", "point"), [
    ("同时，可以通过跨地区资源的共享，提高教育资源的利用效率。", "可以通过跨地区资源的共享，提高教育资源的利用效率。"),
    ("3•坚持集团管理，共同提高。", "坚持集团管理，共同提高。"),
    ("三、工作进展1. 创建集团：我们已经创建了合适数量的教育集团，涵盖了全县的所有义务教育学校。",
     "创建集团：我们已经创建了合适数量的教育集团，涵盖了全县的所有义务教育学校。"),
    ("第十条学校应当建立健全校园安全制度，每学期应当进行不少于两次的安全检查。",
     "学校应当建立健全校园安全制度，每学期应当进行不少于两次的安全检查。"),
    ("一是建立集团化办学管理委员会，由县教育局负责统筹；", "建立集团化办学管理委员会，由县教育局负责统筹"),
    ("首先，", "首先"),  # too little would be left: kept (and then not a statement)
])
def test_trim_drops_leading_markers_and_connectives_and_stays_verbatim(sentence: str, point: str) -> None:
    assert trim(sentence) == point
    assert point in sentence


def test_a_long_run_on_sentence_is_cut_after_a_clause_keeping_its_numbers() -> None:
    sentence = "到2025年，" + "全县组建教育集团覆盖全部义务教育学校，" * 12 + "实现优质均衡。"
    point = trim(sentence)
    assert len(point) <= 160 and point.startswith("到2025年") and point in sentence


def test_concrete_measures_score_higher_than_statements_of_intent() -> None:
    assert concreteness("2020年底前，县教育局负责组建10个教育集团。") > concreteness("要充分认识集团化办学的重要意义。")
    assert not is_statement("集团化办学有哪些模式？") and is_statement("集团化办学是扩大优质教育资源供给的重要举措。")


def test_the_three_document_types_ship_with_their_standard_sections() -> None:
    assert {"实施方案", "工作方案", "调研报告"} <= set(available())
    plan = load_template("实施方案")
    assert [s.heading for s in plan.sections] == ["指导思想", "工作目标", "基本原则", "主要任务（措施）", "实施步骤", "保障措施"]
    assert all(s.intent for s in plan.sections)
    report = load_template("调研报告")
    assert [s.heading for s in report.sections] == ["基本情况", "主要做法", "存在问题", "原因分析", "对策建议"]
    assert plan.title_for("集团化办学") == "关于集团化办学的实施方案"
    assert (builtin_dir() / "rewrite.md").is_file()


def test_a_dropped_template_file_adds_a_type_and_a_broken_one_names_itself(tmp_path: Path) -> None:
    folder = tmp_path / "drafting"
    folder.mkdir()
    (folder / "通知.toml").write_text('type = "通知"\ntitle = "关于{topic}的通知"\n[[sections]]\nheading = "工作要求"\n',
                                     encoding="utf-8")
    (folder / "坏.toml").write_text("type = [", encoding="utf-8")
    assert "通知" in available(tmp_path)
    assert load_template("通知", tmp_path).title_for("学校安全") == "关于学校安全的通知"
    with pytest.raises(AssistantError, match="坏.toml"):
        load_template(folder / "坏.toml")
    with pytest.raises(AssistantError, match="unknown document type"):
        load_template("不存在的文种", tmp_path)


def test_an_outline_file_gives_first_and_second_level_headings(tmp_path: Path) -> None:
    specs = parse_outline("# 我的提纲\n一、总体要求\n（一）工作目标\n（二）基本原则\n二、重点任务\n\n三、保障措施\n")
    assert [(s.heading, s.level) for s in specs] == [
        ("总体要求", 1), ("工作目标", 2), ("基本原则", 2), ("重点任务", 1), ("保障措施", 1)]
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(AssistantError, match="empty.txt"):
        load_outline(empty, load_template())


def _citation(n: int, chunk: str) -> DraftCitation:
    return DraftCitation(n=n, chunk_id=chunk, title="某文件", heading="一、总则", sources=["a.md"], start_line=1,
                         end_line=3, text="学校应当建立安全制度。每学期检查两次。", quote="学校应当建立安全制度。")


def _draft() -> Draft:
    a, b = _citation(1, "c1"), _citation(2, "c2")
    return Draft(title="关于学校安全的实施方案", type="实施方案", topic="学校安全", sections=[
        Section(heading="指导思想", points=[Point(text="学校应当建立安全制度。", citations=[a])]),
        Section(heading="工作目标", level=2, points=[Point(text="每学期检查两次", citations=[a, b])]),
        Section(heading="保障措施", note=NO_SUPPORT),
    ], references=[a, b])


def test_headings_are_numbered_as_official_documents_number_them() -> None:
    assert [chinese_number(n) for n in (1, 9, 10, 12, 20, 35)] == ["一", "九", "十", "十二", "二十", "三十五"]
    assert [h for h, _ in numbered(_draft())] == ["一、指导思想", "（一）工作目标", "二、保障措施"]


def test_markdown_has_every_heading_point_marker_and_reference() -> None:
    draft = _draft()
    text = to_markdown(draft)
    assert text.startswith("# 关于学校安全的实施方案")
    assert "## 一、指导思想" in text and "### （一）工作目标" in text and "## 二、保障措施" in text
    assert "1. 学校应当建立安全制度[1]。" in text and "1. 每学期检查两次[1][2]。" in text
    assert NO_SUPPORT in text
    assert "[2] 《某文件》，一、总则，a.md，第1—3行" in text
    assert point_line(draft.sections[1].points[0]) == "每学期检查两次[1][2]。"


def test_edited_rows_drop_unticked_points_and_renumber_the_references() -> None:
    draft = _draft()
    rows, cites = editing.to_rows(draft)
    assert len(rows) == 2 and rows[0][:3] == [True, "指导思想", "学校应当建立安全制度。"]
    rows[0][0] = False  # removed: only the second point, citing c1 and c2, is left
    rows[1][2] = "每学期至少检查两次。"
    extra = _citation(9, "c3")
    rows, cites = editing.add_row(rows, cites, "保障措施", "每学期检查两次。", extra)
    edited = editing.from_rows(draft, rows, cites)
    assert edited.sections[0].points == [] and edited.sections[0].note == NO_SUPPORT
    assert edited.sections[1].points[0].text == "每学期至少检查两次。"
    assert [c.n for c in edited.sections[1].points[0].citations] == [1, 2]
    assert [c.n for c in edited.sections[2].points[0].citations] == [3]
    assert [(r.n, r.chunk_id) for r in edited.references] == [(1, "c1"), (2, "c2"), (3, "c3")]


def test_rows_show_a_reader_chinese_headers_and_a_plain_running_number_not_internal_keys() -> None:
    rows, cites = editing.to_rows(_draft())
    assert editing.COLUMNS == ["保留", "章节", "要点", "依据", "序号"]
    assert [r[4] for r in rows] == ["1", "2"] and set(cites) == {"1", "2"}
    rows, cites = editing.add_row(rows, cites, "保障措施", "每学期检查两次。", _citation(9, "c3"))
    assert rows[-1][4] == "3" and "3" in cites  # a point added from a search takes the next number
    rows, cites = editing.add_row(rows[:1], cites, "保障措施", "再加一条。", _citation(9, "c4"))
    assert rows[-1][4] == "4"  # never a number some citations are already kept under
