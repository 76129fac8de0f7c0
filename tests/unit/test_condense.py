"""Rule-based follow-up condensing on questions about the corpus: which subject a pronoun stands for."""

from assistant.answer.condense import condense, document_subject
from assistant.text.zh import nth_item


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



def test_among_them_carries_the_whole_question_and_the_listed_item():
    history = [
        {"role": "user", "content": "诸城市近几年在教师、校长校际交流方面有哪些做法？"},
        {"role": "assistant", "content": "主要有三种：一是农村教师进城教学、城里骨干教师轮流到乡镇学校任教；二是城乡学校校级业务领导对调；三是成立教研联合体。"},
    ]
    assert condense("其中第三种具体是怎么开展的？", history) == (
        "诸城市近几年在教师、校长校际交流方面有哪些做法，第三种具体是怎么开展的？（成立教研联合体）"
    )


def test_nth_item_reads_the_outline_markers_of_the_corpus():
    assert nth_item("（一）加大对农村教育的投入。（二）合理规划和调整农村学校布局。", 2) == "合理规划和调整农村学校布局"
    assert nth_item("1.坚持立足实际，逐步推进。2.坚持引领带动，促进发展。", 1) == "坚持立足实际，逐步推进"
    assert nth_item("一是农村教师进城教学；二是领导对调", 3) is None
