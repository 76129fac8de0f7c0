#!/usr/bin/env python3
"""Validate eval/questions.jsonl against the seed texts (stdlib only).

Checks every line for:
  * valid JSON object with exactly the fields id, type, question, history, gold, answerable
  * unique id, known type, non-empty question
  * history: list of {"role": "user"|"assistant", "content": str}; non-empty (1-2 turns,
    alternating, starting with user, ending with assistant) only for type "multi-turn",
    empty for every other type
  * answerable/gold consistency: "unanswerable" <=> answerable false <=> gold == []
  * gold strings: 4-20 characters, only Chinese characters / letters / digits, and present
    verbatim in at least one seed text once all whitespace (incl. line breaks) is removed
    from both sides
  * minimum count per type

Warnings (do not fail): gold strings occurring more than 3 times in the corpus, and
single-passage items whose gold strings cannot all be found within one 400-character window.

Usage: python eval/check_gold.py [--questions PATH] [--seeds DIR]
Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = HERE / "questions.jsonl"
SEED_CANDIDATES = [Path("/work/shared/seeds"), HERE.parent / "corpus"]

FIELDS = {"id", "type", "question", "history", "gold", "answerable"}
MIN_COUNTS = {
    "factual": 40,
    "paraphrase": 20,
    "multi-passage": 8,
    "multi-turn": 12,
    "unanswerable": 25,
    "drafting": 10,
}
MIN_TOTAL = 125
GOLD_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]{4,20}$")
WINDOW = 400  # one retrieval passage
WS = re.compile(r"\s+")


def load_seeds(seed_dir: Path) -> dict[str, str]:
    texts = {}
    for p in sorted(seed_dir.glob("*.txt")):
        texts[p.name] = WS.sub("", p.read_text(encoding="utf-8"))
    return texts


def occurrences(gold: str, seeds: dict[str, str]) -> list[tuple[str, int]]:
    hits = []
    for name, text in seeds.items():
        start = text.find(gold)
        while start != -1:
            hits.append((name, start))
            start = text.find(gold, start + 1)
    return hits


def fits_one_window(golds: list[str], seeds: dict[str, str]) -> bool:
    """True if some seed file has all golds inside one WINDOW-character span."""
    for name, text in seeds.items():
        positions = [[m.start() for m in re.finditer(re.escape(g), text)] for g in golds]
        if any(not p for p in positions):
            continue
        for anchor in positions[0]:
            ok = True
            for g, plist in zip(golds[1:], positions[1:]):
                if not any(abs(p - anchor) + max(len(g), len(golds[0])) <= WINDOW for p in plist):
                    ok = False
                    break
            if ok:
                return True
    return False


def check_history(hist, typ: str) -> list[str]:
    errs = []
    if not isinstance(hist, list):
        return ["history is not a list"]
    for j, turn in enumerate(hist):
        if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
            errs.append(f"history[{j}] must be an object with exactly role and content")
            continue
        if turn["role"] not in ("user", "assistant"):
            errs.append(f"history[{j}] has bad role {turn['role']!r}")
        if not isinstance(turn["content"], str) or not turn["content"].strip():
            errs.append(f"history[{j}] has empty content")
    if typ == "multi-turn":
        if len(hist) not in (2, 4):
            errs.append(f"multi-turn history must hold 1-2 turns (2 or 4 messages), has {len(hist)}")
        roles = [t.get("role") for t in hist if isinstance(t, dict)]
        expected = ["user", "assistant"] * (len(hist) // 2)
        if roles != expected:
            errs.append(f"multi-turn history roles must alternate user/assistant, got {roles}")
    elif hist:
        errs.append(f"type {typ} must have empty history")
    return errs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--seeds", type=Path, default=None)
    args = ap.parse_args()

    seed_dir = args.seeds or next((d for d in SEED_CANDIDATES if d.is_dir() and any(d.glob("*.txt"))), None)
    if seed_dir is None:
        print("ERROR: no seed directory found (use --seeds)", file=sys.stderr)
        return 1
    seeds = load_seeds(seed_dir)
    if not seeds:
        print(f"ERROR: no *.txt files in {seed_dir}", file=sys.stderr)
        return 1

    failures: list[str] = []
    warnings: list[str] = []
    counts: Counter[str] = Counter()
    ids: dict[str, int] = {}
    gold_total = gold_ok = 0
    files_hit: Counter[str] = Counter()

    lines = args.questions.read_text(encoding="utf-8").splitlines()
    for ln, raw in enumerate(lines, 1):
        if not raw.strip():
            failures.append(f"line {ln}: empty line")
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            failures.append(f"line {ln}: invalid JSON ({e})")
            continue
        if not isinstance(obj, dict):
            failures.append(f"line {ln}: not a JSON object")
            continue
        errs: list[str] = []
        missing, extra = FIELDS - set(obj), set(obj) - FIELDS
        if missing:
            errs.append(f"missing fields {sorted(missing)}")
        if extra:
            errs.append(f"unexpected fields {sorted(extra)}")
        qid, typ = obj.get("id"), obj.get("type")
        if not isinstance(qid, str) or not re.fullmatch(r"q\d{3,}", qid or ""):
            errs.append(f"bad id {qid!r}")
        elif qid in ids:
            errs.append(f"duplicate id {qid} (first on line {ids[qid]})")
        else:
            ids[qid] = ln
        if typ not in MIN_COUNTS:
            errs.append(f"unknown type {typ!r}")
        else:
            counts[typ] += 1
        if not isinstance(obj.get("question"), str) or not obj.get("question", "").strip():
            errs.append("empty question")
        errs += check_history(obj.get("history"), typ)

        answerable, gold = obj.get("answerable"), obj.get("gold")
        if not isinstance(answerable, bool):
            errs.append("answerable must be true/false")
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            errs.append("gold must be a list of strings")
            gold = []
        if typ == "unanswerable":
            if answerable is not False:
                errs.append("unanswerable item must have answerable false")
            if gold:
                errs.append("unanswerable item must have empty gold")
        elif typ in MIN_COUNTS:
            if answerable is not True:
                errs.append(f"type {typ} must have answerable true")
            if not gold:
                errs.append("answerable item needs at least one gold string")
            if typ == "multi-passage" and len(gold) < 2:
                errs.append("multi-passage item needs one gold string per place (>= 2)")
        if len(set(gold)) != len(gold):
            errs.append("duplicate gold strings")

        for g in gold:
            gold_total += 1
            if not GOLD_RE.match(g):
                errs.append(f"gold {g!r}: must be 4-20 chars of Chinese/letters/digits only (len {len(g)})")
                continue
            hits = occurrences(g, seeds)
            if not hits:
                errs.append(f"gold {g!r}: NOT FOUND in seeds")
                continue
            gold_ok += 1
            for name, _ in hits:
                files_hit[name] += 1
            if len(hits) > 3:
                warnings.append(f"line {ln} ({qid}): gold {g!r} occurs {len(hits)} times")
        if (
            typ not in ("multi-passage", "unanswerable")
            and len(gold) > 1
            and all(GOLD_RE.match(g) and occurrences(g, seeds) for g in gold)
            and not fits_one_window(gold, seeds)
        ):
            warnings.append(f"line {ln} ({qid}): gold strings not within one {WINDOW}-char window")

        for e in errs:
            failures.append(f"line {ln} ({qid}): {e}")

    total = sum(counts.values())
    for typ, need in MIN_COUNTS.items():
        if counts[typ] < need:
            failures.append(f"type {typ}: {counts[typ]} items, need >= {need}")
    if total < MIN_TOTAL:
        failures.append(f"total {total} items, need >= {MIN_TOTAL}")

    print(f"seeds: {seed_dir} ({len(seeds)} files); questions: {args.questions} ({len(lines)} lines)")
    print("counts by type:")
    for typ in MIN_COUNTS:
        print(f"  {typ:14s} {counts[typ]:4d}  (min {MIN_COUNTS[typ]})")
    print(f"  {'total':14s} {total:4d}  (min {MIN_TOTAL})")
    print(f"gold strings found: {gold_ok}/{gold_total}")
    print("gold hits per seed file:")
    for name in seeds:
        print(f"  {name}: {files_hit[name]}")
    for w in warnings:
        print(f"WARN  {w}")
    for f in failures:
        print(f"FAIL  {f}")
    print("OK" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
