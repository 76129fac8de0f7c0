"""The `ask` and `eval` commands through Typer, on the seed index: the JSON contracts, batch ids, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from assistant import embeddings as embeddings_module
from assistant.cli import app
from tests.support.documents import CITATION, CONTRACT

QUESTION = "调研材料中这个县一共有多少留守儿童？"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def check_contract(answer: dict) -> None:
    assert CONTRACT <= set(answer)
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert numbers == {c["n"] for c in answer["citations"]} and len(answer["citations"]) == len(numbers)
    for c in answer["citations"]:
        assert CITATION <= set(c) and c["quote"] in c["text"]


def test_ask_json_is_the_answer_contract(seed_index) -> None:
    result = invoke("ask", QUESTION, "--json", "--data-dir", str(seed_index.data_dir))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    check_contract(answer)
    assert not answer["refused"] and "35507" in answer["answer"] and answer["mode"] == "extractive"


def test_ask_with_history_condenses_the_follow_up(seed_index, tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(json.dumps([
        {"role": "user", "content": "XX县义务教育阶段学校集团化办学实施方案的总体目标是什么？"},
        {"role": "assistant", "content": "……[1]。"},
    ], ensure_ascii=False), encoding="utf-8")
    result = invoke("ask", "那它的组建模式是什么？", "--json", "--history", str(history), "--data-dir", str(seed_index.data_dir))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["standalone_question"].startswith("XX县义务教育阶段学校集团化办学实施方案")
    check_contract(answer)
    assert not answer["refused"]


def test_ask_batch_carries_ids_through_and_loads_the_model_once(seed_index, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    lines = [
        {"id": "a", "question": QUESTION},
        {"id": "b", "question": "那它们主要分布在哪里？", "history": [{"role": "user", "content": QUESTION}]},
        {"id": "c", "question": "高校招生录取分数线是多少分？"},
    ]
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    loads = embeddings_module.LOAD_COUNT["n"]
    result = invoke("ask", "--batch", str(batch), "--json", "--data-dir", str(seed_index.data_dir))
    assert result.exit_code == 0, result.output
    assert embeddings_module.LOAD_COUNT["n"] - loads == 1
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [a["id"] for a in answers] == ["a", "b", "c"]
    for a in answers:
        check_contract(a)
    assert answers[1]["standalone_question"] != answers[1]["question"]
    assert answers[2]["refused"] and answers[2]["citations"] == []


def test_eval_command_exit_codes(seed_index, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": "f1", "type": "factual", "question": QUESTION, "history": [], "gold": ["35507"], "answerable": True},
        {"id": "u1", "type": "unanswerable", "question": "高校招生录取分数线是多少分？", "history": [], "gold": [],
         "answerable": False},
    ]) + "\n", encoding="utf-8")
    easy, hard = tmp_path / "easy.toml", tmp_path / "hard.toml"
    easy.write_text("[min]\n\"hit@5\" = 0.5\n", encoding="utf-8")
    hard.write_text("[min]\n\"hit@5\" = 1.01\n", encoding="utf-8")
    common = ["--data-dir", str(seed_index.data_dir), "--out"]
    ok = invoke("eval", str(items), *common, str(tmp_path / "ok"), "--thresholds", str(easy))
    assert ok.exit_code == 0, ok.output
    assert {"results.jsonl", "summary.json", "report.html"} <= {p.name for p in (tmp_path / "ok").iterdir()}
    assert invoke("eval", str(items), *common, str(tmp_path / "hard"), "--thresholds", str(hard)).exit_code == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "缺字段"}\n', encoding="utf-8")
    broken = invoke("eval", str(bad), *common, str(tmp_path / "bad"))
    assert broken.exit_code == 2 and "1" in broken.output
