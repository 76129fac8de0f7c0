"""The answer chain on the real seed corpus: extractive answers, refusals, follow-ups, and the LLM path
through LangChain fake chat models and a real ChatOpenAI against an OpenAI-compatible stub on 127.0.0.1."""

from __future__ import annotations

import re

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.answer.refusal import REFUSAL_TEXT
from assistant.assistant import Assistant
from assistant.llm import make_chat_model
from assistant.models import Answer
from tests.support.documents import CITATION, CONTRACT
from tests.support.openai_server import OpenAIStubServer, prompt_text


def assert_well_cited(answer: Answer) -> None:
    """Every [n] resolves to exactly one citation, and every quote is verbatim in its passage."""
    data = answer.to_json()
    assert CONTRACT <= set(data)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)]
    assert numbers, answer.answer
    by_n = {}
    for c in data["citations"]:
        assert CITATION <= set(c)
        assert c["n"] not in by_n
        by_n[c["n"]] = c
        assert c["quote"] and c["quote"] in c["text"]
    assert set(numbers) == set(by_n)


def test_numeric_question_returns_the_sentence_with_the_number(seed_assistant):
    answer = seed_assistant.ask("调研材料中这个县一共有多少留守儿童？")
    assert not answer.refused
    assert "35507" in answer.answer
    assert_well_cited(answer)
    assert any("35507" in c.quote for c in answer.citations)
    assert answer.mode == "extractive" and answer.model == "extractive"


def test_list_question_is_answered_from_the_right_passage(seed_assistant):
    answer = seed_assistant.ask("集团化办学通常采取哪几种模式？")
    assert not answer.refused
    assert_well_cited(answer)
    assert "核心学校模式" in answer.answer
    assert any(c.sources == ["004_b4c73c2f53802b66.txt"] for c in answer.citations)


def test_absent_topic_is_refused_with_related_passages(seed_assistant):
    # the asked unit (分) must be in the answer; a topic word (分数, 成绩) no longer demands it by itself
    answer = seed_assistant.ask("高校招生录取分数线是多少分？")
    assert answer.refused
    assert answer.answer == REFUSAL_TEXT
    assert answer.citations == []
    assert 1 <= len(answer.related) <= 3
    assert all(r.quote in r.text for r in answer.related)


def test_absent_topic_without_a_unit_is_refused(seed_assistant):
    """A number asked about something no sentence with a number mentions (分数线): the focus feature refuses it."""
    answer = seed_assistant.ask("高校招生录取分数线是多少？")
    assert answer.refused and answer.refusal_score is not None and answer.refusal_score < 0.5


def test_follow_up_is_condensed_and_answered(seed_assistant):
    history = [
        {"role": "user", "content": "XX县义务教育阶段学校集团化办学实施方案的总体目标是什么？"},
        {"role": "assistant", "content": "建立以优质资源学校为主体的教育共同体[1]。"},
    ]
    answer = seed_assistant.ask("那它的基本原则有哪些？", history)
    assert answer.standalone_question == "XX县义务教育阶段学校集团化办学实施方案的基本原则有哪些？"
    assert not answer.refused
    assert_well_cited(answer)
    assert any("坚持" in c.quote for c in answer.citations)


def test_extractive_stream_yields_text_then_the_answer(seed_assistant):
    items = list(seed_assistant.stream("陈坊中小学位于金溪县城的什么方位？"))
    assert isinstance(items[-1], Answer)
    pieces = [p for p in items if isinstance(p, str)]
    assert pieces and "".join(pieces) == items[-1].answer


def _with_llm(seed_assistant: Assistant, llm) -> Assistant:
    return Assistant(seed_assistant.settings, seed_assistant.retriever, llm)


def test_fake_llm_reply_loses_invalid_citations_and_unsupported_sentences(seed_assistant):
    reply = (
        "集团化办学通常采取核心学校模式、联盟学校模式和学区模式[1]。"
        "根据第九号文件，每所学校须配备两名宇航员[9]。"
        "火星基地的学校实行四天工作制[2]。"
    )
    assistant = _with_llm(seed_assistant, FakeListChatModel(responses=[reply]))
    answer = assistant.ask("集团化办学通常采取哪几种模式？", k=3)
    assert answer.mode == "llm"
    assert "[9]" not in answer.answer and "宇航员" not in answer.answer and "火星" not in answer.answer
    assert "核心学校模式" in answer.answer
    assert_well_cited(answer)
    assert all(c.n <= 3 for c in answer.citations)


def test_llm_that_finds_nothing_is_a_refusal(seed_assistant):
    assistant = _with_llm(seed_assistant, FakeListChatModel(responses=["资料中未找到依据。"]))
    answer = assistant.ask("集团化办学通常采取哪几种模式？")
    assert answer.refused and answer.answer == REFUSAL_TEXT


def _copy_first_passage(body: dict) -> str:
    """A well-behaved model: quotes the first sentence of passage [1] and cites it."""
    prompt = prompt_text(body)
    passage = prompt.split("[1]", 1)[1].split("«", 1)[1].split("»", 1)[0]
    first = re.split(r"(?<=[。！？；])", passage)[0].strip()
    return f"{first.rstrip('。；')}[1]。"


def test_chatopenai_against_a_local_openai_compatible_server_streams_and_cites(seed_assistant, monkeypatch):
    with OpenAIStubServer(reply=_copy_first_passage) as server:
        settings = seed_assistant.settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": "stub-model"})
        assistant = Assistant(settings, seed_assistant.retriever, make_chat_model(settings))
        items = list(assistant.stream("集团化办学通常采取哪几种模式？"))
        answer = items[-1]
        assert isinstance(answer, Answer)
        assert len([p for p in items if isinstance(p, str)]) >= 2  # tokens arrived in pieces
        assert answer.mode == "llm" and answer.model == "stub-model"
        assert not answer.refused
        assert_well_cited(answer)
        body = server.requests[-1]
        assert body["stream"] is True
        assert "不得执行" in prompt_text(body)  # passages are fenced as data, not instructions


@pytest.mark.parametrize("mode", ["error500", "slow"])
def test_failing_endpoint_falls_back_to_extractive_with_a_notice(seed_assistant, mode):
    with OpenAIStubServer(mode=mode, delay=5.0) as server:
        settings = seed_assistant.settings.model_copy(
            update={"llm_base_url": server.base_url, "llm_model": "stub-model", "llm_timeout": 0.5}
        )
        assistant = Assistant(settings, seed_assistant.retriever, make_chat_model(settings))
        answer = assistant.ask("调研材料中这个县一共有多少留守儿童？")
    assert answer.notice and "摘录式" in answer.notice
    assert answer.mode == "extractive"
    assert "35507" in answer.answer
    assert_well_cited(answer)


def test_llm_sentence_with_a_number_the_passage_does_not_hold_is_removed(seed_assistant):
    """Word overlap alone would keep '9000人' (its words are all in the passage): numbers must match exactly."""
    reply = "全县有留守儿童35507人[1]。其中城镇学校有留守儿童9000人[1]。"
    assistant = _with_llm(seed_assistant, FakeListChatModel(responses=[reply]))
    answer = assistant.ask("调研材料中这个县一共有多少留守儿童？")
    assert answer.mode == "llm" and not answer.refused
    assert "35507" in answer.answer and "9000" not in answer.answer
    assert_well_cited(answer)


def test_an_endpoint_down_at_condense_is_not_waited_for_twice(seed_assistant):
    history = [{"role": "user", "content": "调研材料中这个县有多少留守儿童？"}, {"role": "assistant", "content": "35507人。"}]
    with OpenAIStubServer(mode="error500") as server:
        settings = seed_assistant.settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": "stub-model"})
        assistant = Assistant(settings, seed_assistant.retriever, make_chat_model(settings))
        answer = assistant.ask("它们主要分布在哪里？", history)
        assert len(server.requests) == 1  # condense failed; compose went extractive at once
    assert answer.notice and "摘录式" in answer.notice and answer.mode == "extractive"


def test_non_streaming_endpoint_through_the_real_chatopenai_config(seed_assistant):
    with OpenAIStubServer(reply=_copy_first_passage) as server:
        settings = seed_assistant.settings.model_copy(
            update={"llm_base_url": server.base_url, "llm_model": "stub-model", "llm_streaming": False}
        )
        assistant = Assistant(settings, seed_assistant.retriever, make_chat_model(settings))
        answer = assistant.ask("集团化办学通常采取哪几种模式？")
        assert not server.requests[-1].get("stream")
    assert answer.mode == "llm" and not answer.refused
    assert_well_cited(answer)


def test_the_lcel_chain_itself_streams_tokens_then_the_answer(seed_assistant):
    """Not only stream_answer: `chain.stream` of the composed runnable yields LLM tokens, then the Answer."""
    reply = "集团化办学通常采取 核心学校模式、 联盟学校模式和学区模式[1]。"  # the fake model streams at spaces
    assistant = _with_llm(seed_assistant, GenericFakeChatModel(messages=iter([AIMessage(reply)])))
    chunks = list(assistant.chain.chain.stream({"question": "集团化办学通常采取哪几种模式？", "history": [], "started": 0.0}))
    assert len([c for c in chunks if c.text]) >= 3
    assert chunks[-1].answer is not None and chunks[-1].answer.mode == "llm"
    assert "".join(c.text for c in chunks).startswith("集团化办学")
    assert_well_cited(chunks[-1].answer)


def test_a_named_policy_the_corpus_never_mentions_is_refused(seed_assistant):
    answer = seed_assistant.ask("“双减”政策对校外学科类培训机构有哪些具体限制？")
    assert answer.refused and answer.answer == REFUSAL_TEXT and answer.related
    named = seed_assistant.ask("广东省“千校扶千校”活动的目的是什么？")  # a quoted name the corpus has
    assert not named.refused


def test_each_item_of_a_comparison_gets_a_sentence_of_its_own_passage(seed_assistant):
    # eval q087: the shared words (浙江省, 城乡义务教育共同体) made both items' sentences come from the 宁波 passage
    answer = seed_assistant.ask("浙江省城乡义务教育共同体建设有哪些典型例子？请分别说说海盐县和宁波市的情况。")
    assert not answer.refused
    assert_well_cited(answer)
    cited = [c.text for c in answer.citations]
    assert any("海盐县" in t and "宁波" not in t for t in cited) and any("宁波" in t and "海盐" not in t for t in cited)


def test_a_comparison_question_cites_a_passage_for_each_item(seed_assistant):
    # eval q085: 诸城市 swaps leaders between town and village schools; 金溪 实验小学 guides its partner's cadres
    answer = seed_assistant.ask("城乡学校之间的干部交流，诸城市和金溪县实验小学各是怎么做的？")
    assert not answer.refused
    assert_well_cited(answer)
    cited = [c.text for c in answer.citations]  # the passages a principal opens (what eval's citation_hit checks)
    assert any("城里学校的校级领导与乡镇学校同级领导对调" in t for t in cited)  # 诸城市's report ('我市…')
    # 金溪县实验小学's item from its own report, about its cadres (not the 诸城 passage, not a generic one): the
    # eval's gold '校际干部交流指导', or '…的校级干部分别为各自学校的片域组长' of the same report
    assert any("实验小学" in t and re.search("校际干部|校级干部", t) for t in cited)
    assert re.search("校际干部|校级干部", answer.answer)


def test_a_list_question_gets_every_item_and_the_follow_up_the_second(seed_assistant):
    # issue 14: "集团化办学有哪些模式？" ran the three modes together and kept only "1、"
    answer = seed_assistant.ask("集团化办学有哪些模式？")
    assert not answer.refused
    assert_well_cited(answer)
    assert all(mode in answer.answer for mode in ("核心学校模式", "联盟学校模式", "学区模式"))
    assert re.search(r"^1\. .*核心学校模式.*\n2\. .*联盟学校模式.*\n3\. .*学区模式", answer.answer, re.MULTILINE)
    assert "1、" not in answer.answer
    quotes = [c.quote for c in answer.citations]
    assert len(quotes) == len(set(quotes)) == len(re.findall(r"\[\d+\]", answer.answer))  # one quote per sentence
    history = [{"role": "user", "content": "集团化办学有哪些模式？"}, {"role": "assistant", "content": answer.answer}]
    follow = seed_assistant.ask("其中第二种是怎么做的？", history)
    assert "联盟学校模式" in follow.standalone_question
    assert not follow.refused and "联盟" in follow.answer and follow.answer != answer.answer
    assert follow.refusal_score is not None and 0.0 <= follow.refusal_score <= 1.0
