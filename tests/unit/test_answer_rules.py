"""Pure parts of the answer chain: follow-up condensing, claim splitting, verification, tidy sentences."""

from assistant.answer.condense import condense, leans_on_history
from assistant.answer.extractive import candidates, near_duplicate, tidy
from assistant.answer.refusal import assess, corpus_blob
from assistant.answer.terms import question_terms
from assistant.answer.verify import split_claims, verify
from assistant.models import Hit
from assistant.text.zh import has_nth_item

HISTORY = [
    {"role": "user", "content": "XX县义务教育阶段学校集团化办学实施方案的总体目标是什么？"},
    {"role": "assistant", "content": "深入推进学校体制机制改革，强化优质资源学校带动作用[1]。"},
]


def test_pronoun_follow_up_carries_the_subject():
    assert condense("那它的基本原则有哪些？", HISTORY) == "XX县义务教育阶段学校集团化办学实施方案的基本原则有哪些？"


def test_bare_ne_follow_up_with_an_attribute_asks_about_the_subject():
    assert condense("组建模式呢？", HISTORY) == "XX县义务教育阶段学校集团化办学实施方案的组建模式？"


def test_bare_ne_follow_up_with_another_entity_swaps_the_subject():
    history = [{"role": "user", "content": "海盐县武原中学的教共体是什么时候成立的？"}]
    assert condense("那宁波市呢？", history) == "宁波市的教共体是什么时候成立的？"


def test_standalone_questions_are_left_alone():
    question = "陈坊中小学位于金溪县城的什么方位？"
    assert not leans_on_history(question)
    assert condense(question, HISTORY) == question
    assert condense("那它的基本原则有哪些？", []) == "那它的基本原则有哪些？"


def test_question_terms_drop_question_words_and_see_number_questions():
    terms = question_terms("前锋学区一共开发了多少门校本课程？")
    assert "前锋学区" in terms.terms and "多少" not in terms.terms and "一共" not in terms.terms
    assert terms.asks_number
    assert not question_terms("集团化办学有哪些模式？").asks_number


def test_split_claims_attaches_markers_on_either_side_of_the_full_stop():
    claims = split_claims("集团化办学有三种模式[1]。学区模式以地理区域划分。[2][3]另有说法。")
    assert [c.cites for c in claims] == [[1], [2, 3], []]
    assert claims[0].text == "集团化办学有三种模式。"


def _hit(n: int, text: str) -> Hit:
    return Hit(rank=n, chunk_id=f"c{n}", text=text, sources=["a.txt"], article_title="t", heading="h",
               start_line=1, end_line=2, score=1.0)


def test_verify_drops_citations_outside_the_set_and_unsupported_sentences():
    hits = [
        _hit(1, "集团化办学通常采取以下几种模式：核心学校模式、联盟学校模式、学区模式。"),
        _hit(2, "陈坊中小学位于金溪县城西北约五十公里处，西与临川区接壤。"),
        _hit(3, "全县有留守儿童35507人，占全县儿童总数的27.59%。"),
    ]
    answer = (
        "集团化办学通常采取核心学校模式、联盟学校模式和学区模式[1]。"
        "陈坊中小学位于金溪县城西北约五十公里处[9]。"
        "火星殖民计划要求每所学校配备宇航员[2]。"
        "全县有留守儿童35507人[3]。"
    )
    text, citations, removed = verify(answer, hits)
    assert removed == 2
    assert "火星" not in text and "[9]" not in text
    assert text == "集团化办学通常采取核心学校模式、联盟学校模式和学区模式[1]。全县有留守儿童35507人[2]。"
    assert [(c.n, c.chunk_id) for c in citations] == [(1, "c1"), (2, "c3")]
    assert all(c.quote in c.text for c in citations)


def test_tidy_and_near_duplicates():
    assert tidy("1、核心学校模式：选取优质学校作为核心；") == "核心学校模式：选取优质学校作为核心。"
    assert near_duplicate("促进均衡发展要把提升质量作为根本。", "促进均衡发展，要把提升质量作为根本")
    assert not near_duplicate("全县有留守儿童35507人。", "学区内共开发校本课程8门。")


def test_number_questions_need_the_asked_kind_of_number():
    campuses = question_terms("建湖县实验小学教育集团一共有几个校区？")
    assert campuses.answers_fact("集团下设3个校区。") and not campuses.answers_fact("全校共有3个年级，2011年建成。")
    # the unit is asked for in the question ('多少钱'); a topic word like 经费 or 标准 no longer implies 元
    money = question_terms("前锋学区每年的办学经费预算总额是多少钱？")
    assert money.answers_fact("每年投入5亿多元") and not money.answers_fact("学区有8所学校。")
    year = question_terms("广东省“千校扶千校”活动是哪一年启动的？")
    assert year.answers_fact("该活动于2009年启动。") and not year.answers_fact("共有15所学校参加。")
    assert not question_terms("请写出几条要点").asks_number  # 几条 asks for a list, not a number


def test_who_questions_need_the_role_and_the_action():
    chair = question_terms("沈阳市辽中区教育集团的董事会由谁担任董事长？")
    assert chair.answers_fact("董事会由教育局局级领导担任董事长。")
    office = question_terms("辽中区教育集团董事会下设的办公室主任由谁担任？")
    assert not office.answers_fact("董事会下设办公室，办公室主任由")  # the corpus text breaks off here
    assert not office.answers_fact("董事会由教育局局级领导担任董事长。")


def test_a_per_unit_qualifier_of_the_asked_amount_must_be_stated():
    # corpus: '国家助学金每年资助近1200万人'; '毅然投入四万元资金' is a one-off sum, no per-visit rate
    aid = question_terms("中等职业学校的国家助学金每年资助多少学生？")
    assert aid.answers_fact("在中等职业学校,建立了较为完善的保障制度,国家助学金每年资助近1200万人。")
    per_visit = question_terms("实验小学教师送教下乡，每次的补贴标准是多少元？")
    assert not per_visit.answers_fact("在本学期中，毅然投入四万元资金，予以扶持陈坊中小学。")
    assert per_visit.answers_fact("每次送教补贴200元。") and per_visit.answers_fact("送教补贴200元/次。")


def test_an_asked_ordinal_item_must_be_listed_in_the_passage():
    terms = question_terms("XX县集团化办学实施方案中，第二个教育集团由哪些学校组成？")
    assert terms.ordinal == 2 and "第二个" not in terms.terms
    only_first = "四、组建模式按“名校+农村校”的模式，组建两个教育集团。 1.XX二中教育集团：由XX二中和XX学校初中部组成。"
    assert has_nth_item(only_first, 1) and not has_nth_item(only_first, 2)  # '二中' is no item marker
    listed = "提升了少数农村学校、薄弱学校的管理水平,三是成立了教研联合体,每所城里的学校与2-3个乡镇学校成立教研联合体。"
    assert has_nth_item(listed, 3) and not has_nth_item(listed, 4)


def test_the_counted_or_listed_thing_must_be_named_by_the_answer():
    students = question_terms("陈坊中小学现在一共有多少名在校学生？")
    assert students.counted == ("在校学生",)
    assert question_terms("东莞市茶山中学教育集团包括哪几所成员学校？").counted == ("成员", "学校")
    assert question_terms("凤山镇前锋学区下辖几所学校、多少个教学班？").counted == ("教学班",)  # 学校 alone: any school
    assert question_terms("究竟是指哪几个方面要大体一致？").counted == ()  # the aspects are the answer
    assert question_terms("海盐县首个融合型教共体学校是由哪两所学校组成的？").counted == ()
    hits = [_hit(1, "共同体学校还组织了陈坊中小学的20多名学生来到实验小学参观航天科技模型、“迷你科技乐园”、“机器人工作室”。")]
    chosen = candidates(hits)
    support = assess(students, hits, chosen, corpus_blob([h.text for h in hits]), {})
    # 20多名学生 visited: no count of the enrolled students; the refusal model reads it as a feature
    assert support.counted == 0.0 and support.features["counted"] == 0.0


def test_a_documents_own_footnote_marks_never_pass_for_citations():
    from assistant.answer.extractive import escape_markers

    assert tidy("为家庭经济困难的寄宿生提供生活补助[4]。") == "为家庭经济困难的寄宿生提供生活补助〔4〕。"
    assert escape_markers("见文献[12]和[3]") == "见文献〔12〕和〔3〕"


def test_a_sentence_does_not_start_with_the_quote_mark_closed_before_it():
    from assistant.answer.extractive import candidates

    text = "“留守儿童真凄凉,半年难见爹和娘,放学回家忙家务,夜里梦中唤爹娘。\n”这是农村留守儿童的真实写照。"
    hit = Hit(rank=1, chunk_id="c", text=text, sources=["000.txt"], article_title="", heading="", start_line=1,
              end_line=2, score=1.0)
    found = [e.text for e in candidates([hit])]
    assert "这是农村留守儿童的真实写照。" in found and not any(t.startswith("”") for t in found)


def test_the_ordinal_item_must_be_in_the_passage_the_answer_is_about():
    # eval q132: the 实施方案 lists only the first 教育集团; another chosen passage numbering its own principles
    # ('三、基本原则1.… 2.…') does not make a second 教育集团 appear
    terms = question_terms("XX县集团化办学实施方案中，第二个教育集团由哪些学校组成？")
    groups = _hit(1, "四、组建模式按“名校+农村校”的模式，组建两个教育集团。 1.XX二中教育集团：由XX二中和XX学校初中部组成。")
    principles = _hit(2, "三、基本原则1.坚持立足实际，逐步推进。厘清全县城乡学校现状。 2.坚持优质带动，整体提升。先行在全县探索组建两个教育集团。")
    hits = [groups, principles]
    chosen = [e for e in candidates(hits) if "教育集团" in e.text]
    chosen[1].score, chosen[-1].score = 1.0, 0.5  # the answer leads with the first group's members
    support = assess(terms, hits, chosen, corpus_blob([h.text for h in hits]), {})
    assert support.ordinal_missing and support.refused
    chosen[1].score, chosen[-1].score = 0.5, 1.0  # a passage that does list a 2. leads: not missing
    assert not assess(terms, hits, chosen, corpus_blob([h.text for h in hits]), {}).ordinal_missing


def test_merged_selections_lead_with_each_items_best_sentence_once():
    from assistant.answer.extractive import Evidence, merge_selections

    a1, a2 = Evidence(0, 0, 10, "诸城市城里学校的校级领导与乡镇学校同级领导对调。"), Evidence(0, 20, 30, "诸城市还组织校长交流。")
    b1 = Evidence(1, 0, 10, "实验小学加强校际干部交流指导。")
    merged = merge_selections([[a1, a2], [b1, a1]], max_sentences=2)  # a1 twice, room for two: a1 and b1
    assert merged == [a1, b1]
    assert merge_selections([[a1, a2], [b1]], max_sentences=4) == [a1, a2, b1]


def test_each_compared_item_is_answered_from_the_passages_about_it():
    from assistant.answer.extractive import item_passages, own_terms

    # eval q087 '…请分别说说海盐县和宁波市的情况': the shared words favour the 宁波 passage for both items
    items = own_terms([("浙江省", "城乡义务教育共同体", "海盐县"), ("浙江省", "城乡义务教育共同体", "宁波市")])
    assert items == [("海盐县",), ("宁波市",)]
    ningbo = _hit(1, "浙江省宁波市大力推进城乡义务教育共同体建设。宁波全市603所学校参与。")
    haiyan = _hit(2, "“武原中学—澉浦中学”是首个融合型教共体学校。")
    haiyan.tokens = ["浙江省", "海盐县"]  # named by its article's lead, not by the passage itself
    hits = [ningbo, haiyan]
    assert item_passages(hits, items[0], items[1]) == ({1}, True)
    assert item_passages(hits, items[1], items[0]) == ({0}, True)
    # eval q085: no passage names 诸城市 ('我市…'): the passages about the other item are left out
    assert item_passages(hits, ("临安市",), ("宁波市",)) == ({1}, False)
    assert item_passages(hits, ("临安市",), ("宁波市", "海盐县")) == ({0, 1}, False)  # all name another: all stay
    assert item_passages(hits, (), ("宁波市",)) == ({0, 1}, False)
