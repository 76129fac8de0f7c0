"""What kind of number a question asks for, on real corpus sentences: the counted noun, durations, given numbers."""

from assistant.answer.terms import counted_noun, question_terms


def test_the_counted_noun_is_the_noun_phrase_right_after_the_unit():
    assert counted_noun("城乡学校互助共同体？") == "城乡学校互助共同体"
    assert counted_noun("城市的学校做了问卷调研？") == "城市"
    assert counted_noun("是农村学校？") == "农村学校"
    assert counted_noun("学校参与了建设？") == "学校"


def test_a_count_is_answered_by_that_noun_near_a_number():
    """'多少个城市的学校做了问卷调研' counts 城市: a long run of characters after 个 once made it look for 调研."""
    terms = question_terms("为了解浙江省城乡教育共同体建设现状，研究对多少个城市的学校做了问卷调研？")
    assert terms.answers_number("本研究对5个城市200余所城乡学校进行了问卷调研")
    assert not terms.answers_number("问卷调研共涉及200余所城乡学校")
    assert question_terms("浙江临安市一共建立了多少个城乡学校互助共同体？").answers_fact("目前,该市建立了31个这样的互助共同体")


def test_a_number_the_question_states_does_not_answer_it():
    terms = question_terms("宁波市参与教共体建设的603所学校中有多少所是农村学校？")
    assert not terms.answers_fact("近年来，宁波全市603所公办义务教育阶段学校参与“教共体”建设，覆盖率达100%")


def test_how_many_years_asks_for_a_duration_not_a_calendar_year():
    terms = question_terms("师范生公费教育政策要求毕业生履约任教几年？")
    assert not terms.answers_fact("2011年并入**镇后，原**中学作为**初中分校得以保留，可没人愿去任教")
    assert terms.answers_fact("毕业生须到中小学任教6年以上")


def test_copies_and_other_classifiers_need_their_unit():
    terms = question_terms("浙江省城乡教育共同体问卷调研共回收了多少份有效问卷？")
    assert not terms.answers_fact("本研究对5个城市200余所城乡学校进行了问卷调研")
    assert terms.answers_fact("共回收有效问卷1200份")


def test_quoted_names_are_what_the_question_names():
    assert question_terms("“双减”政策对校外学科类培训机构有哪些具体限制？").named == ("双减",)
    assert question_terms("《如何促进义务教育均衡发展》的附件中是怎样解释“义务教育”的？").named == ("如何促进义务教育均衡发展", "义务教育")
    assert question_terms("集团化办学有哪些模式？").named == ()


def test_how_big_asks_for_a_number_but_to_what_extent_does_not():
    assert question_terms("宁波市的城乡学校共同体建设规模有多大？").asks_number
    assert question_terms("陕西吴起县统一建校标准的投入有多大？").asks_number
    assert not question_terms("集团化办学对薄弱学校有多大的帮助？").asks_number
    assert not question_terms("教共体在多大程度上缩小了城乡差距？").asks_number


def test_a_count_of_people_after_the_classifier_ge_is_answered_by_ren():
    """'几个人' asks for people: '不少于五人' answers it, '三个' alone does not."""
    terms = question_terms("博士学位答辩委员会最少要有几个人？")
    assert terms.answers_number("答辩委员会组成人员应当不少于五人")
    assert not terms.answers_number("分为三个阶段")


def test_characters_are_a_unit():
    terms = question_terms("博士学位论文的字数不少于多少字？")
    assert terms.answers_number("论文不少于五万字")
    assert not terms.answers_number("答辩委员会应当不少于五人")


def test_core_terms_leave_out_places_bounds_and_framing_words():
    """What the asked fact is about, not where, how much at least, or when it 'begins'."""
    q = "郑州市专职督学的任期最长是几年？"
    assert question_terms(q).core(q, frozenset({"郑州市"})) == ("专职", "督学", "任期")
    q = "上海市中小学校外实践教育促进规定是什么时候开始施行的？"
    assert "开始" not in question_terms(q).core(q) and "施行" in question_terms(q).core(q)


def test_focus_is_the_share_of_core_terms_a_sentence_of_the_asked_form_holds():
    from assistant.answer.refusal import focus_coverage

    idf = {"专职": 2.0, "督学": 2.0, "任期": 4.0}
    corpus = "专职督学任期兼职督学每届聘期三年"
    core = ("专职", "督学", "任期")
    assert focus_coverage(core, ("兼职督学每届聘期三年",), idf, corpus) == 0.25
    assert focus_coverage(core, ("专职督学任期三年",), idf, corpus) == 1.0
    assert focus_coverage(core, (), idf, corpus) == 0.0  # no sentence of the asked form at all
    assert focus_coverage(core, None, idf, corpus) == 1.0  # not a number/date/role question: no say
