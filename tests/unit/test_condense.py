"""Rule-based follow-up condensing on questions about the corpus: which subject a pronoun stands for."""

from assistant.answer.condense import condense, document_subject


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": "……[1]。"}]


def test_a_document_follow_up_carries_the_whole_title():
    history = user("浙江省关于新时代城乡义务教育共同体建设的指导意见是哪些部门印发的？")
    assert condense("那它是什么时候印发的？", history) == "浙江省关于新时代城乡义务教育共同体建设的指导意见是什么时候印发的？"


def test_a_title_in_book_marks_is_the_subject():
    history = user("金溪县教育局颁发的《金溪县实施城乡教育发展共同体的指导意见》提出了什么？")
    assert condense("它的总体目标是什么？", history) == "金溪县实施城乡教育发展共同体的指导意见的总体目标是什么？"


def test_a_span_with_a_question_word_is_no_document_title():
    assert document_subject("城区老师去乡村学校任教有什么政策规定？") is None
    assert document_subject("XX县义务教育阶段学校集团化办学实施方案的总体目标是什么？") == "XX县义务教育阶段学校集团化办学实施方案"


def test_pronoun_and_noun_are_not_doubled():
    history = user("凤山镇前锋学区一共开发了多少门校本课程？")
    assert condense("该学区的管理模式是什么？", history) == "凤山镇前锋学区的管理模式是什么？"


def test_a_counted_demonstrative_points_back_and_keeps_its_count():
    history = user("金溪县实验小学的教育共同体提出了哪两个自主创新？")
    assert condense("那两个自主创新具体指什么？", history) == "金溪县实验小学的两个自主创新具体指什么？"


def test_the_counted_noun_is_the_one_right_after_the_unit():
    """'多少个城市的学校做了问卷调研' counts 城市: a long run of characters after 个 once made it look for 调研."""
    from assistant.answer.terms import question_terms

    terms = question_terms("为了解浙江省城乡教育共同体建设现状，研究对多少个城市的学校做了问卷调研？")
    assert terms.answers_number("本研究对5个城市200余所城乡学校进行了问卷调研")
    assert not terms.answers_number("问卷调研共涉及200余所城乡学校")
