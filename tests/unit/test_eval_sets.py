"""eval/sets.toml loading, the refusal curve and eval/check_gold.py --sets on hand-made files (no model, no index)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.refusal import Support
from assistant.errors import EvalFileError
from assistant.evaluation.curve import answerability_score, refusal_curve
from assistant.evaluation.runner import pair_gaps
from assistant.evaluation.sets import load_sets, select

ROOT = Path(__file__).resolve().parents[2]
LAW = "第一条 学校应当合理安排学生的学习时间。学生每日学习时间，小学不超过六小时，中学不超过八小时。\n"
OTHER = "第一条 兼职督学的任期为3年，可以连续任职。\n"


def item(id_: str, type_: str, question: str, gold: list[str], history: list | None = None) -> dict:
    return {"id": id_, "type": type_, "question": question, "history": history or [], "gold": gold,
            "answerable": type_ != "unanswerable"}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A repository-shaped temp folder: eval/sets.toml, two question files, laws beside it in ../laws."""
    write(tmp_path / "laws" / "a.md", LAW)
    write(tmp_path / "laws" / "b.md", OTHER)
    root = tmp_path / "repo"
    turns = [{"role": "user", "content": "学习时间有规定吗？"}, {"role": "assistant", "content": "有。"}]
    write(root / "eval" / "test.jsonl", "\n".join(json.dumps(i, ensure_ascii=False) for i in [
        item("t1", "factual", "中学生每天最多学几个小时？", ["中学不超过八小时"]),
        item("t2", "multi-turn", "那小学呢？", ["小学不超过六小时"], turns),
        item("t3", "unanswerable", "每班最多多少人？", []),
    ]) + "\n")
    write(root / "eval" / "dev.jsonl", json.dumps(item("d1", "factual", "兼职督学任期几年？", ["兼职督学的任期为3年"]),
                                                  ensure_ascii=False) + "\n")
    write(root / "eval" / "sets.toml", """
[kb.law-a]
dir = "../laws"
files = ["a.md"]
[kb.law-b]
dir = "../laws"
files = ["b.md"]
[sets.x-dev]
questions = "eval/dev.jsonl"
kb = "law-b"
split = "dev"
pair = "x"
[sets.x-test]
questions = "eval/test.jsonl"
kb = "law-a"
split = "test"
pair = "x"
min_count = { total = 3, unanswerable = 1 }
[sets.x-test.min]
citation_hit = 0.5   # measured 0.6
[sets.x-test.max]
false_refusal_rate = 0.1
""")
    return root


def test_sets_load_with_their_kb_files_split_and_gates(repo: Path) -> None:
    sets = load_sets(repo / "eval" / "sets.toml")
    assert [s.name for s in sets] == ["x-dev", "x-test"]
    dev, test = sets
    assert dev.split == "dev" and not dev.gated and dev.kb.name == "law-b"
    assert test.gated and test.thresholds.min == {"citation_hit": 0.5} and test.thresholds.max == {"false_refusal_rate": 0.1}
    assert [p.name for p in test.kb.paths] == ["a.md"] and test.kb.files[0].is_file()
    assert test.questions == repo / "eval" / "test.jsonl"
    assert [s.name for s in select(sets, split="test")] == ["x-test"]
    assert [s.name for s in select(sets, ["x-dev"])] == ["x-dev"]
    with pytest.raises(EvalFileError, match="unknown set.*nope.*known: x-dev, x-test"):
        select(sets, ["nope"])


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.replace('kb = "law-a"', 'kb = "law-c"'), r"\[sets.x-test\] kb must name one of"),
    (lambda s: s.replace('split = "dev"', 'split = "train"'), "split must be 'dev' or 'test'"),
    (lambda s: s.replace("citation_hit = 0.5", "citation_hits = 0.5"), "unknown metric 'citation_hits'"),
    (lambda s: s.replace('files = ["b.md"]', ""), r"\[kb.law-b\] needs"),
    (lambda s: s + '[sets.x-dev.min]\n"hit@5" = 0.5\n', "only test sets gate"),
    (lambda s: s + "[oops]\n", "unknown table"),
])
def test_bad_sets_files_name_the_file_table_and_reason(repo: Path, edit, message: str) -> None:
    path = repo / "eval" / "sets.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(EvalFileError, match=message) as caught:
        load_sets(path)
    assert str(path) in str(caught.value)


def run_check(sets_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "eval" / "check_gold.py"), "--sets", str(sets_file)],
                          capture_output=True, text=True, timeout=60)


def test_check_gold_sets_passes_then_fails_on_a_missing_gold_and_shared_files(repo: Path) -> None:
    sets_file = repo / "eval" / "sets.toml"
    done = run_check(sets_file)
    assert done.returncode == 0, done.stdout
    assert "x-test (test, kb law-a: 1 files)" in done.stdout and "OK" in done.stdout

    test = repo / "eval" / "test.jsonl"
    test.write_text(test.read_text(encoding="utf-8").replace("中学不超过八小时", "中学不超过九小时"), encoding="utf-8")
    sets_file.write_text(sets_file.read_text(encoding="utf-8").replace('files = ["b.md"]', 'files = ["b.md", "a.md"]'),
                         encoding="utf-8")
    done = run_check(sets_file)
    assert done.returncode == 1
    assert "gold '中学不超过九小时': NOT FOUND in the files of kb law-a" in done.stdout
    assert "pair x: x-dev and x-test share KB files ['a.md']" in done.stdout


def test_check_gold_sets_counts_types_against_the_minimums(repo: Path) -> None:
    sets_file = repo / "eval" / "sets.toml"
    sets_file.write_text(sets_file.read_text(encoding="utf-8").replace("unanswerable = 1", "unanswerable = 2"), encoding="utf-8")
    done = run_check(sets_file)
    assert done.returncode == 1 and "x-test: 1 unanswerable items, need >= 2" in done.stdout


def test_the_repository_sets_pass_their_own_check() -> None:
    if not (ROOT.parent / "shared" / "corpora" / "laws-dev").is_dir():
        pytest.skip("../shared/corpora/laws-dev is not beside this checkout")
    done = run_check(ROOT / "eval" / "sets.toml")
    assert done.returncode == 0, done.stdout


# ---------------------------------------------------------------- the refusal curve
def test_answerability_prefers_the_answers_own_score() -> None:
    class Scored:
        refusal_score = 0.42

    support = Support(coverage=0.9, unknown=0.0, number_missing=False, dense_top=0.9, score=0.7, threshold=0.15)
    assert answerability_score(Scored(), support) == (0.42, "answer.refusal_score")
    assert answerability_score(object(), support) == (0.7, "support.score")
    assert answerability_score(object(), None) == (None, None)


def test_refusal_curve_sweeps_every_threshold() -> None:
    rows = [{"refusal_score": s, "answerable": a} for s, a in
            [(0.5, True), (0.2, True), (0.3, True), (-0.4, False), (0.1, False), (None, True)]]
    curve = refusal_curve(rows)
    assert curve is not None and curve["n_answerable"] == 3 and curve["n_unanswerable"] == 2
    points = [(p["false_refusal_rate"], p["refusal_recall"]) for p in curve["points"]]
    assert points[0] == (0.0, 0.0) and points[-1] == (1.0, 1.0)
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(points, points[1:], strict=False))  # monotone
    # both unanswerable items score below every answerable one: full recall at no false refusal, AUC 1
    assert curve["auc"] == 1.0 and curve["recall_at_max_false_refusal"] == 1.0
    assert math.isclose(curve["threshold_at_max_false_refusal"], 0.2)
    assert refusal_curve([{"refusal_score": 0.1, "answerable": True}]) is None


def test_pair_gaps_flag_only_beyond_the_limit() -> None:
    dev = {"overall": {"citation_hit": 0.90, "hit@5": 0.95}, "by_type": {"factual": {"citation_hit": 1.0}}}
    test = {"overall": {"citation_hit": 0.80, "hit@5": 0.93}, "by_type": {"factual": {"citation_hit": 0.96}}}
    gaps = pair_gaps(dev, test)
    assert gaps["overall"]["citation_hit"] == pytest.approx(0.10) and gaps["overall"]["hit@5"] == pytest.approx(0.02)
    assert gaps["overall"]["mrr@10"] is None
    assert gaps["flagged"] == ["citation_hit +0.100"]


# ---------------------------------------------------------------- the eval command's set options
def test_eval_command_set_options_are_checked_before_anything_runs(repo: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app

    def invoke(*args: str):
        return CliRunner().invoke(app, ["eval", *args, "--out", str(tmp_path / "out"), "--data-dir", str(tmp_path / "d")])

    sets_file = str(repo / "eval" / "sets.toml")
    mixed = invoke("eval/questions.jsonl", "--sets", sets_file)
    assert mixed.exit_code == 2 and "--sets takes its questions" in mixed.output
    lone = invoke("--split", "test")
    assert lone.exit_code == 2 and "--set and --split need --sets" in lone.output
    missing = invoke("--sets", str(tmp_path / "nowhere.toml"))
    assert missing.exit_code == 2 and "cannot read sets file" in missing.output
    unknown = invoke("--sets", sets_file, "--set", "nope")
    assert unknown.exit_code == 2 and "unknown set(s) nope" in unknown.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "d").exists()
