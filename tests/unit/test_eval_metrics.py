"""Eval metrics on hand-made results (no model, no index): citations, refusals, retrieval, percentiles, gates, schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import EvalFileError
from assistant.evaluation import metrics as m
from assistant.evaluation.judge import parse_score
from assistant.evaluation.report import render_report
from assistant.evaluation.schema import load_eval_file, load_thresholds, parse_lines
from assistant.models import Citation

# two real passages of the seed corpus (002: 金溪县实验小学与陈坊中小学教育共同体)
GOLD_PASSAGE = "今年9月份实验小学与陈坊中小学结成教育共同体。现将初级阶段实施情况汇报如下："
OTHER_PASSAGE = "实验小学拿出四万元扶持资金，这四万元用于改善陈坊中小学食堂条件。"
GOLD = ["陈坊中小学结成教育共同体"]


def cite(n: int, text: str, quote: str | None = None) -> Citation:
    return Citation(n=n, chunk_id=f"c{n}", sources=["002.txt"], article_title="汇报材料", heading="一、总体目标",
                    start_line=1, end_line=2, text=text, quote=text if quote is None else quote)


def row(type_: str, answerable: bool, refused: bool, answer: str = "", citations: list[Citation] | None = None,
        retrieved: list[str] | None = None, gold: list[str] | None = None, latency: float = 100.0,
        single: bool = True) -> dict:
    """A results.jsonl row as the runner builds it."""
    gold = (GOLD if answerable else []) if gold is None else gold
    r = {"id": f"x{id(answer)}", "type": type_, "answerable": answerable, "refused": refused, "latency_ms": latency,
         "gold": gold, "answer": answer, "citations": [c.model_dump() for c in citations or []]}
    r.update(m.item_metrics(gold=gold, answerable=answerable, single_passage=single,
                            retrieved_texts=retrieved if retrieved is not None else [GOLD_PASSAGE],
                            answer=answer, citations=citations or [], refused=refused))
    return r


RIGHT = "今年9月份实验小学与陈坊中小学结成教育共同体[1]。"
WRONG = "这四万元用于改善陈坊中小学食堂条件[1]。"  # true, cited correctly, but not the asked-for passage


# ---------------------------------------------------------------- citations
def test_wrong_answer_lowers_citation_hit() -> None:
    good = row("factual", True, False, RIGHT, [cite(1, GOLD_PASSAGE)])
    also_good = row("factual", True, False, RIGHT, [cite(1, GOLD_PASSAGE)])
    wrong = row("factual", True, False, WRONG, [cite(1, OTHER_PASSAGE)])
    assert good["citation_hit"] is True and wrong["citation_hit"] is False
    assert m.summarize([good, also_good])["citation_hit"] == 1.0
    assert m.summarize([good, wrong])["citation_hit"] == 0.5
    # the wrong answer is still precise: its sentence is supported by the passage it cites
    assert m.summarize([good, wrong])["citation_precision"] == 1.0
    assert "no cited passage holds the gold" in m.failure_reasons(wrong)
    assert m.failure_reasons(good) == []


def test_refused_answerable_item_misses_citation_hit_and_is_not_in_precision() -> None:
    refused = row("factual", True, True, "资料中未找到依据。", [])
    assert refused["citation_hit"] is False
    s = m.summarize([refused])
    assert s["citation_hit"] == 0.0 and s["citation_precision"] is None and s["false_refusal_rate"] == 1.0


def test_unsupported_sentence_and_misquoted_citation_lower_precision() -> None:
    invented = "实验小学每年向陈坊中小学派出二十名骨干教师支教[1]。"  # cites a passage that does not say this
    checks = m.citation_checks(invented, [cite(1, GOLD_PASSAGE)])
    assert checks[0]["quote_in_text"] and not checks[0]["supported"] and not checks[0]["ok"]
    misquoted = m.citation_checks(RIGHT, [cite(1, GOLD_PASSAGE, quote="一句不在段落里的引文。")])
    assert misquoted[0]["supported"] and not misquoted[0]["quote_in_text"] and not misquoted[0]["ok"]
    orphan = m.citation_checks(RIGHT, [cite(1, GOLD_PASSAGE), cite(2, OTHER_PASSAGE)])  # nothing cites [2]
    assert [c["ok"] for c in orphan] == [True, False]

    rows = [row("factual", True, False, RIGHT, [cite(1, GOLD_PASSAGE)]),
            row("factual", True, False, invented, [cite(1, GOLD_PASSAGE)])]
    assert m.summarize(rows)["citation_precision"] == 0.5
    assert "1 of 1 citations unsupported" in m.failure_reasons(rows[1])


def test_multi_passage_gold_covered_by_two_citations() -> None:
    gold = ["结成教育共同体", "改善陈坊中小学食堂条件"]
    answer = RIGHT + "这四万元用于改善陈坊中小学食堂条件[2]。"
    cites = [cite(1, GOLD_PASSAGE), cite(2, OTHER_PASSAGE)]
    together = row("multi-passage", True, False, answer, cites, [GOLD_PASSAGE, "无关段落", OTHER_PASSAGE], gold, single=False)
    assert together["citation_hit"] is True and together["gold_rank"] == 3
    only_one = row("multi-passage", True, False, RIGHT, cites[:1], [GOLD_PASSAGE], gold, single=False)
    assert only_one["citation_hit"] is False and only_one["gold_rank"] is None
    # judged as single-passage, two passages together are not enough
    assert row("factual", True, False, answer, cites, [GOLD_PASSAGE, OTHER_PASSAGE], gold)["citation_hit"] is False


def test_needs_single_passage_checks_stored_chunks() -> None:
    stored = [GOLD_PASSAGE, OTHER_PASSAGE]
    assert m.needs_single_passage(GOLD, stored)
    assert not m.needs_single_passage(["结成教育共同体", "改善陈坊中小学食堂条件"], stored)


# ---------------------------------------------------------------- refusals and retrieval
def test_refusals_counted() -> None:
    rows = [
        row("factual", True, False, RIGHT, [cite(1, GOLD_PASSAGE)]),
        row("factual", True, False, RIGHT, [cite(1, GOLD_PASSAGE)]),
        row("paraphrase", True, True),          # answerable, wrongly refused
        row("unanswerable", False, True),       # rightly refused
        row("unanswerable", False, False, RIGHT, [cite(1, GOLD_PASSAGE)]),  # answered what it should refuse
    ]
    s = m.summarize(rows)
    assert s["refusal_recall"] == 0.5
    assert s["refusal_precision"] == 0.5
    assert s["false_refusal_rate"] == round(1 / 3, 4)
    types = m.by_type(rows)
    assert list(types) == ["factual", "paraphrase", "unanswerable"]
    assert types["unanswerable"]["hit@1"] is None and types["unanswerable"]["refusal_recall"] == 0.5
    assert types["factual"]["refusal_recall"] is None and types["factual"]["false_refusal_rate"] == 0.0
    assert m.failure_reasons(rows[4]) == ["unanswerable but answered"]


def test_no_refusals_gives_null_precision_not_a_number() -> None:
    s = m.summarize([row("factual", True, False, RIGHT, [cite(1, GOLD_PASSAGE)])])
    assert s["refusal_precision"] is None and s["refusal_recall"] is None
    assert set(m.METRICS) == set(s)


def test_retrieval_ranks() -> None:
    first = row("factual", True, False, retrieved=[GOLD_PASSAGE, OTHER_PASSAGE])
    third = row("factual", True, False, retrieved=[OTHER_PASSAGE, "甲", GOLD_PASSAGE])
    missing = row("factual", True, False, retrieved=[OTHER_PASSAGE] * 10 + [GOLD_PASSAGE])  # rank 11: beyond MRR@10
    assert (first["gold_rank"], third["gold_rank"], missing["gold_rank"]) == (1, 3, None)
    s = m.summarize([first, third, missing])
    assert s["hit@1"] == round(1 / 3, 4) and s["hit@5"] == round(2 / 3, 4)
    assert s["mrr@10"] == round((1 + 1 / 3) / 3, 4)
    assert "gold passage not retrieved in top 5" in m.failure_reasons(missing)


# ---------------------------------------------------------------- percentiles
def test_percentiles_interpolate() -> None:
    values = [float(v) for v in range(1, 11)]
    assert m.percentile(values, 50) == 5.5
    assert m.percentile(values, 95) == pytest.approx(9.55)
    assert m.percentile(reversed(values), 0) == 1.0 and m.percentile(values, 100) == 10.0
    assert m.percentile([42.0], 95) == 42.0
    assert m.percentile([], 50) is None
    rows = [row("factual", True, False, latency=v) for v in values]
    s = m.summarize(rows)
    assert (s["latency_p50_ms"], s["latency_p95_ms"]) == (5.5, 9.6)


# ---------------------------------------------------------------- gates
def test_thresholds_and_baseline() -> None:
    limits = m.Thresholds(min={"hit@1": 0.8, "refusal_precision": 0.5}, max={"latency_p95_ms": 300.0},
                          tolerance={"latency_p95_ms": 50.0})
    now = {"hit@1": 0.75, "refusal_precision": None, "latency_p95_ms": 320.0, "citation_hit": 0.9}
    failed = m.check_thresholds(now, limits)
    assert [(f.metric, f.kind) for f in failed] == [("hit@1", "min"), ("latency_p95_ms", "max")]
    assert "hit@1 0.75 < min 0.8" in failed[0].describe()

    base = {"hit@1": 0.76, "citation_hit": 0.95, "latency_p95_ms": 200.0, "latency_p50_ms": 10.0}
    regressions = m.compare_baseline({**now, "latency_p50_ms": 500.0}, base, limits)
    # hit@1 dropped 0.01 (within the default 0.02); citation_hit dropped 0.05; p95 rose 120 ms (> 50);
    # p50 has no tolerance listed, so latency noise between machines is not compared
    assert sorted(f.metric for f in regressions) == ["citation_hit", "latency_p95_ms"]
    assert m.compare_baseline(base, base, limits) == []


def test_load_thresholds(tmp_path: Path) -> None:
    good = tmp_path / "t.toml"
    good.write_text('[min]\n"hit@1" = 0.9\n[max]\nfalse_refusal_rate = 0.1\n[tolerance]\ndefault = 0.03\nlatency_p95_ms = 100\n',
                    encoding="utf-8")
    t = load_thresholds(good)
    assert t.min == {"hit@1": 0.9} and t.max == {"false_refusal_rate": 0.1}
    assert t.tolerance_for("hit@5") == 0.03 and t.tolerance_for("latency_p95_ms") == 100
    assert t.tolerance_for("latency_p50_ms") is None
    bad = tmp_path / "bad.toml"
    bad.write_text('[min]\n"hit@3" = 0.9\n', encoding="utf-8")
    with pytest.raises(EvalFileError, match="unknown metric 'hit@3'"):
        load_thresholds(bad)


def test_shipped_thresholds_file_is_valid() -> None:
    t = load_thresholds(Path(__file__).resolve().parents[2] / "eval" / "thresholds.toml")
    assert set(t.min) | set(t.max) >= {"hit@5", "citation_hit", "refusal_recall", "false_refusal_rate"}


# ---------------------------------------------------------------- schema
ITEM = {"id": "a1", "type": "factual", "question": "问？", "history": [], "gold": ["金溪"], "answerable": True}


def lines(*objs: object) -> list[str]:
    return [o if isinstance(o, str) else json.dumps(o, ensure_ascii=False) for o in objs]


@pytest.mark.parametrize(("bad", "reason"), [
    ("{not json", "not valid JSON"),
    ({k: v for k, v in ITEM.items() if k != "gold"}, "missing field(s) gold"),
    ({**ITEM, "id": "a0", "gold": []}, "answerable item needs at least one gold"),
    ({**ITEM, "id": "a0", "answerable": "yes"}, "'answerable' must be true or false"),
    ({**ITEM, "id": "a0", "history": [{"role": "system", "content": "x"}]}, "history[0]"),
    ({**ITEM, "id": "a0", "gold": "金溪"}, "'gold' must be a list"),
    ({**ITEM, "question": "  "}, "'question' must be a non-empty string"),
    (ITEM, "duplicate id 'a1' (first on line 1)"),
])
def test_schema_rejects_bad_line_with_its_number(bad: object, reason: str) -> None:
    with pytest.raises(EvalFileError) as info:
        parse_lines(lines(ITEM, "", bad), "q.jsonl")
    assert str(info.value).startswith("q.jsonl:3: ")
    assert reason in str(info.value)


def test_schema_accepts_unanswerable_without_gold_and_any_type(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines(
        ITEM,
        {**ITEM, "id": "a2", "type": "unanswerable", "gold": [], "answerable": False},
        {**ITEM, "id": "a3", "type": "my-new-type", "history": [{"role": "user", "content": "上一问"},
                                                                {"role": "assistant", "content": "上一答"}]},
    )) + "\n", encoding="utf-8")
    items = load_eval_file(path)
    assert [i.id for i in items] == ["a1", "a2", "a3"]
    assert items[1].answerable is False and items[2].history[1]["role"] == "assistant"
    with pytest.raises(EvalFileError, match="cannot read"):
        load_eval_file(tmp_path / "missing.jsonl")


# ---------------------------------------------------------------- judge reply and report
def test_parse_judge_score() -> None:
    assert parse_score('{"score": 0.75, "reason": "一句无依据"}') == (0.75, "一句无依据")
    assert parse_score('好的：\n```json\n{"score": 1, "reason": "ok"}\n```') == (1.0, "ok")
    assert parse_score("score: 1.7")[0] == 1.0
    assert parse_score("无法判断")[0] is None


def test_report_escapes_text_and_lists_failing_items() -> None:
    evil = row("factual", True, False, "<script>alert(1)</script>[1]。", [cite(1, "<b>段落</b>", "<b>段落</b>")])
    evil.update(id="x<1>", question="<img src=x onerror=alert(1)>", standalone_question="同上", history=[], retrieved=[])
    evil["reasons"] = m.failure_reasons(evil)
    summary = {"overall": m.summarize([evil]), "by_type": m.by_type([evil]), "n": {"overall": 1, "by_type": {"factual": 1}}}
    html = render_report(summary, [evil], m.Thresholds(), [])
    assert "<script>" not in html and "<img src=x" not in html and "<b>段落" not in html
    assert "&lt;script&gt;" in html and "x&lt;1&gt;" in html
    assert "failing items (1 of 1)" in html and html.count("data:image/png;base64,") == 2
