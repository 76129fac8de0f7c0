"""The eval runner on a tiny eval file against the seed index (real model, loaded once): exit codes, files, gates."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from rich.console import Console

from assistant.assistant import Assistant
from assistant.evaluation import metrics as m
from assistant.evaluation.runner import run_eval

ITEMS = [
    {"id": "q001", "type": "factual", "question": "金溪县实验小学与哪所学校结成了教育共同体？", "history": [],
     "gold": ["陈坊中小学结成教育共同体"], "answerable": True},
    {"id": "q013", "type": "factual", "question": "凤山镇前锋学区下辖几所学校、多少个教学班？", "history": [],
     "gold": ["8所学校", "有47个教学班"], "answerable": True},
    {"id": "q078", "type": "multi-passage", "question": "临安市和宁波市的城乡学校共同体建设规模分别有多大？", "history": [],
     "gold": ["建立了31个这样的互助共同体", "宁波全市603所公办义务教育阶段学校"], "answerable": True},
    {"id": "q090", "type": "multi-turn", "question": "第二阶段呢？", "history": [
        {"role": "user", "content": "实验小学—陈坊中小学教育共同体第一阶段的目标是什么？"},
        {"role": "assistant", "content": "第一阶段是2014年下半年，目标是商讨探究、初定雏形，把实验小学的办学理念渗透到陈坊中小学。"}],
     "gold": ["引领辐射", "全面铺开"], "answerable": True},
    {"id": "q118", "type": "unanswerable", "question": "今年普通高校招生的录取分数线是多少？", "history": [], "gold": [],
     "answerable": False},
]
LENIENT = '[min]\n"hit@5" = 0.0\ncitation_hit = 0.0\n[max]\nfalse_refusal_rate = 1.0\nlatency_p95_ms = 600000\n'


def write_jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    return path


def console() -> Console:
    return Console(file=io.StringIO(), width=160)


@pytest.fixture(scope="module")
def assistant(seed_index, embeddings) -> Assistant:
    return Assistant.open(seed_index, embeddings=embeddings)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("eval-files")
    lenient = d / "lenient.toml"
    lenient.write_text(LENIENT, encoding="utf-8")
    return {"dir": d, "items": write_jsonl(d / "tiny.jsonl", ITEMS), "lenient": lenient}


@pytest.fixture(scope="module")
def lenient_run(seed_index, assistant, files, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("eval-out")
    con = console()
    code = run_eval(seed_index, file=files["items"], out=out, thresholds=files["lenient"], ingest_first=True,
                    console=con, assistant=assistant)
    return {"code": code, "out": out, "text": con.file.getvalue()}  # type: ignore[attr-defined]


def test_lenient_thresholds_pass_and_reports_are_written(lenient_run, assistant) -> None:
    assert lenient_run["code"] == 0, lenient_run["text"]
    out = lenient_run["out"]
    assert "unchanged" in lenient_run["text"]  # ingest_first on an up-to-date index is a no-op
    assert "eval: overall" in lenient_run["text"] and "eval: per type" in lenient_run["text"]

    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [i["id"] for i in ITEMS]
    for r in rows:
        for key in ("standalone_question", "retrieved", "answer", "citations", "refused", "latency_ms",
                    "gold_rank", "citation_hit", "citations_total", "citations_ok", "reasons"):
            assert key in r, key
        assert [h["rank"] for h in r["retrieved"]] == list(range(1, 11))
        assert all(h["chunk_id"] in assistant.retriever.records and h["text"] for h in r["retrieved"])
        assert r["latency_ms"] > 0
    by_id = {r["id"]: r for r in rows}
    assert by_id["q090"]["standalone_question"] != "第二阶段呢？"  # the follow-up was condensed
    assert by_id["q078"]["single_passage"] is False and by_id["q001"]["single_passage"] is True
    assert by_id["q118"]["citation_hit"] is None and by_id["q118"]["gold_rank"] is None

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["overall"]) == set(m.METRICS)
    assert set(summary["by_type"]) == {"factual", "multi-passage", "multi-turn", "unanswerable"}
    assert summary["n"] == {"overall": 5, "by_type": {"factual": 2, "multi-passage": 1, "multi-turn": 1, "unanswerable": 1}}
    assert summary["overall"] == m.summarize(rows)  # the summary is exactly what the rows say
    assert summary["by_type"]["unanswerable"]["hit@1"] is None
    assert summary["corpus_fingerprint"] == assistant.retriever.fingerprint
    assert summary["models"]["answer"] == "extractive" and summary["mode"] == "extractive"
    assert "llm_api_key" not in summary["config"] and "auth" not in summary["config"]
    assert summary["config"]["top_k"] == assistant.settings.top_k
    assert summary["git_commit"] is None or len(summary["git_commit"]) == 40
    assert summary["findings"] == [] and summary["exit_code"] == 0

    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "PASS" in html
    assert html.count("data:image/png;base64,") >= 2  # metric per type + latency histogram
    failing = [r for r in rows if r["reasons"]]
    assert f"failing items ({len(failing)} of 5)" in html
    for r in failing:
        assert f"<b>{r['id']}</b>" in html


def test_impossible_threshold_fails_and_extractive_mode_drops_the_llm(seed_index, assistant, files, tmp_path) -> None:
    impossible = tmp_path / "impossible.toml"
    impossible.write_text('[min]\ncitation_hit = 1.01\n', encoding="utf-8")
    with_llm = Assistant(seed_index, assistant.retriever, FakeListChatModel(responses=["不应被调用[1]。"]))
    con = console()
    code = run_eval(seed_index, file=files["items"], out=tmp_path / "out", thresholds=impossible, mode="extractive",
                    console=con, assistant=with_llm)
    assert code == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert [(f["metric"], f["kind"]) for f in summary["findings"]] == [("citation_hit", "min")]
    assert "FAIL" in con.file.getvalue() and "citation_hit" in con.file.getvalue()  # type: ignore[attr-defined]
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["mode"] for r in rows} == {"extractive"} and summary["models"]["answer"] == "extractive"


def test_bad_files_and_unservable_options_exit_2(seed_index, assistant, files, tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ITEMS[0], ensure_ascii=False) + "\n" + '{"id": "z", "type": "factual", "question": "问"}\n',
                   encoding="utf-8")
    con = console()
    assert run_eval(seed_index, file=bad, out=tmp_path / "out", console=con, assistant=assistant) == 2
    assert f"{bad}:2: missing field(s) history, gold, answerable" in con.file.getvalue()  # type: ignore[attr-defined]
    assert not (tmp_path / "out").exists()

    typo = tmp_path / "typo.toml"
    typo.write_text('[min]\ncitation_hits = 0.5\n', encoding="utf-8")
    assert run_eval(seed_index, file=files["items"], out=tmp_path / "out", thresholds=typo, console=console(),
                    assistant=assistant) == 2
    con = console()
    assert run_eval(seed_index, file=files["items"], out=tmp_path / "out", judge=True, console=con,
                    assistant=assistant) == 2
    assert "--judge needs an LLM endpoint" in con.file.getvalue()  # type: ignore[attr-defined]
    assert run_eval(seed_index, file=files["items"], out=tmp_path / "out", mode="llm", console=console(),
                    assistant=assistant) == 2
    assert run_eval(seed_index, file=files["items"], out=tmp_path / "out", baseline=tmp_path / "nowhere",
                    console=console(), assistant=assistant) == 2


def test_same_baseline_passes_and_judge_scores_answers(seed_index, assistant, files, lenient_run, tmp_path) -> None:
    judge = FakeListChatModel(responses=['{"score": 0.8, "reason": "每句都有依据"}'])
    con = console()
    code = run_eval(seed_index, file=files["items"], out=tmp_path / "out", baseline=lenient_run["out"],
                    thresholds=files["lenient"], judge=True, console=con, assistant=assistant, judge_model=judge)
    assert code == 0, con.file.getvalue()  # type: ignore[attr-defined]
    rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    answered = [r for r in rows if not r["refused"]]
    assert answered, "the seed questions should get at least one answer"
    assert all(r["faithfulness"] == 0.8 and r["judge_reason"] == "每句都有依据" for r in answered)
    assert all(r["faithfulness"] is None for r in rows if r["refused"])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["overall"]["faithfulness"] == 0.8 and summary["models"]["judge"]
    assert "baseline vs current" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_baseline_regression_detected(seed_index, assistant, files, tmp_path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    perfect = {**{k: 1.0 for k in m.METRICS}, "false_refusal_rate": 0.0, "latency_p50_ms": 1.0, "latency_p95_ms": 1.0}
    (base / "summary.json").write_text(json.dumps({"overall": perfect}), encoding="utf-8")
    tolerant = tmp_path / "t.toml"
    tolerant.write_text(LENIENT + "[tolerance]\ndefault = 0.02\nlatency_p95_ms = 0.5\n", encoding="utf-8")
    two = write_jsonl(tmp_path / "two.jsonl", [ITEMS[0], ITEMS[4]])
    code = run_eval(seed_index, file=two, out=tmp_path / "out", baseline=base, thresholds=tolerant, console=console(),
                    assistant=assistant)
    assert code == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    kinds = {f["kind"] for f in summary["findings"]}
    assert kinds == {"regression"}
    worse = {f["metric"] for f in summary["findings"]}
    expected = {k for k in m.METRICS if k not in m.LATENCY and summary["overall"][k] is not None
                and abs(summary["overall"][k] - perfect[k]) > 0.02}
    # every ratio metric more than 0.02 below the perfect baseline, plus p95 (slower than 1 ms, tolerance 0.5 ms);
    # latency_p50_ms has no tolerance listed, so it is not compared
    assert worse == expected | {"latency_p95_ms"}


# ---------------------------------------------------------------- sets.toml: every set on its own KB
LAW_TEXT = """# 某市学校安全条例

<!-- INFO END -->

## 第一章 总则

第一条 学校应当实行门卫制度。学校安全保卫人员有权要求出入学校的人员出示身份证件。

第二条 每年三月份最后一周为学校安全教育周。

第三条 发生学校安全事故，学校应当在二十四小时内向主管的教育行政部门报告。
"""
SET_ITEMS = {
    "dev": [
        {"id": "d1", "type": "factual", "question": "学校安全教育周是哪一周？", "history": [],
         "gold": ["每年三月份最后一周"], "answerable": True},
        {"id": "d2", "type": "unanswerable", "question": "学校保安每月工资是多少元？", "history": [], "gold": [],
         "answerable": False},
    ],
    "test": [
        {"id": "t1", "type": "factual", "question": "学校出了安全事故，多长时间内要报告？", "history": [],
         "gold": ["在二十四小时内向主管的教育行政部门报告"], "answerable": True},
        {"id": "t2", "type": "unanswerable", "question": "学校安全事故的赔偿标准是每人多少万元？", "history": [],
         "gold": [], "answerable": False},
    ],
}


def sets_repo(root: Path, test_gate: str) -> Path:
    (root / "kb").mkdir(parents=True, exist_ok=True)
    (root / "kb" / "安全条例.md").write_text(LAW_TEXT, encoding="utf-8")
    (root / "eval").mkdir(exist_ok=True)
    for split, items in SET_ITEMS.items():
        write_jsonl(root / "eval" / f"{split}.jsonl", items)
    sets_file = root / "eval" / "sets.toml"
    sets_file.write_text(f"""
[kb.law]
dir = "kb"
files = ["安全条例.md"]
[sets.law-dev]
questions = "eval/dev.jsonl"
kb = "law"
split = "dev"
pair = "law"
[sets.law-test]
questions = "eval/test.jsonl"
kb = "law"
split = "test"
pair = "law"
{test_gate}
""", encoding="utf-8")
    return sets_file


@pytest.fixture(scope="module")
def sets_run(embeddings, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from assistant.config import Settings
    from assistant.evaluation.runner import run_sets

    root = tmp_path_factory.mktemp("sets-repo")
    sets_file = sets_repo(root, '[sets.law-test.min]\n"hit@5" = 0.0\n[sets.law-test.max]\nlatency_p95_ms = 600000\n')
    settings = Settings(data_dir=root / ".data", corpus_dir=root / "kb")
    con = console()
    code = run_sets(settings, sets_file, out=root / "out", console=con, embeddings=embeddings, root=root)
    return {"code": code, "root": root, "settings": settings, "sets_file": sets_file, "embeddings": embeddings,
            "text": con.file.getvalue()}  # type: ignore[attr-defined]


def test_sets_run_ingests_each_kb_and_reports_every_set(sets_run) -> None:
    from assistant.evaluation.runner import run_sets

    assert sets_run["code"] == 0, sets_run["text"]
    root, out = sets_run["root"], sets_run["root"] / "out"
    assert (root / ".data" / "eval" / "law" / "manifest.json").is_file()  # its own data dir under <data-dir>/eval/
    assert "1 ingested" in sets_run["text"]
    for name, items in (("law-dev", SET_ITEMS["dev"]), ("law-test", SET_ITEMS["test"])):
        summary = json.loads((out / name / "summary.json").read_text(encoding="utf-8"))
        assert summary["set"] == name and summary["n"]["overall"] == len(items)
        assert {"overall", "by_type", "findings", "exit_code", "refusal_curve"} <= set(summary)
        rows = [json.loads(line) for line in (out / name / "results.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in rows] == [i["id"] for i in items]
        for r in rows:  # the chain's refusal evidence and the score that reproduces its decision
            assert isinstance(r["refusal_score"], float) and r["refusal_score_source"] == "answer.refusal_score"
            assert 0.0 <= r["refusal_score"] <= 1.0, r  # the calibrated P(answerable)
    overview = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert list(overview["sets"]) == ["law-dev", "law-test"]
    assert overview["sets"]["law-test"]["gated"] and not overview["sets"]["law-dev"]["gated"]
    gap = overview["pairs"]["law"]["gaps"]["law-dev − law-test"]
    assert set(gap["overall"]) >= {"citation_hit", "hit@5"} and gap["limit"] == 0.05
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "law: dev law-dev vs test law-test" in html and "law-test/report.html" in html
    assert "refusal curves" in html and "data:image/png;base64," in html
    assert "eval: law pair" in sets_run["text"]

    # a second run re-ingests nothing; a test set's impossible gate fails the run, the dev set never gates
    impossible = sets_repo(root, '[sets.law-test.min]\ncitation_hit = 1.01\n')
    con = console()
    code = run_sets(sets_run["settings"], impossible, out=root / "out2", names=["law-test"], console=con,
                    embeddings=sets_run["embeddings"], root=root)
    text = con.file.getvalue()  # type: ignore[attr-defined]
    assert code == 1 and "0 ingested, 1 unchanged" in text and "law-test citation_hit" in text
    assert not (root / "out2" / "law-dev").exists()
    assert run_sets(sets_run["settings"], impossible, out=root / "out3", split="dev", console=console(),
                    embeddings=sets_run["embeddings"], root=root) == 0


def test_sets_run_bad_input_exits_2_before_ingesting(embeddings, tmp_path) -> None:
    from assistant.config import Settings
    from assistant.evaluation.runner import run_sets

    sets_file = sets_repo(tmp_path, "")
    (tmp_path / "kb" / "安全条例.md").unlink()
    con = console()
    code = run_sets(Settings(data_dir=tmp_path / ".data"), sets_file, out=tmp_path / "out", console=con,
                    embeddings=embeddings, root=tmp_path)
    assert code == 2 and "[kb.law] of set law-dev: not found" in con.file.getvalue()  # type: ignore[attr-defined]
    assert not (tmp_path / ".data").exists() and not (tmp_path / "out").exists()
    con = console()
    assert run_sets(Settings(data_dir=tmp_path / ".data"), sets_file, out=tmp_path / "out", names=["nope"], console=con,
                    embeddings=embeddings, root=tmp_path) == 2
    assert "unknown set(s) nope" in con.file.getvalue()  # type: ignore[attr-defined]
