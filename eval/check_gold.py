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

With --sets eval/sets.toml it checks every set named there against its own knowledge base instead
(see check_sets): the item format, each gold string present in the set's KB files, the per-type
minimums, and that the dev and test sets of a pair share neither files nor questions.

Usage: python eval/check_gold.py [--questions PATH] [--seeds DIR]
       python eval/check_gold.py --sets eval/sets.toml
Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
import unicodedata
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



def _report(warnings: list[str], failures: list[str]) -> int:
    """Print the warnings and failures of a check; its exit status (1 when anything failed)."""
    for w in warnings:
        print(f"WARN  {w}")
    for f in failures:
        print(f"FAIL  {f}")
    print("OK" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0

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


# ---------------------------------------------------------------- --sets: every set against its own KB
SET_TYPES = {"factual", "paraphrase", "list", "permission", "definition", "comparison", "multi-turn",
             "multi-passage", "drafting", "unanswerable"}
KB_SUFFIXES = {".txt", ".md", ".html", ".htm", ".docx", ".pdf"}
GOLD_MIN, GOLD_MAX = 2, 40  # characters; a gold is a clause copied from one provision, not a paragraph


def norm(text: str) -> str:
    """Width- and whitespace-insensitive form (NFKC folds full-width letters, digits and brackets)."""
    return WS.sub("", unicodedata.normalize("NFKC", text))


def kb_files(kb: dict, root: Path, name: str) -> list[Path]:
    """The files of a [kb.NAME] table: every text file under `corpus`, or `files` under `dir`."""
    if "corpus" in kb:
        base = root / kb["corpus"]
        return sorted(p for p in base.rglob("*") if p.is_file() and p.suffix.lower() in KB_SUFFIXES
                      and not any(part.startswith(".") for part in p.relative_to(base).parts))
    if "dir" in kb and isinstance(kb.get("files"), list):
        return [root / kb["dir"] / f for f in kb["files"]]
    raise ValueError(f"[kb.{name}] needs `corpus = DIR` or `dir = DIR` with `files = [...]`")


def read_kb(files: list[Path]) -> tuple[dict[str, str], list[str]]:
    """name -> normalised text of every readable .txt/.md file, and the problems met (missing files)."""
    texts, problems = {}, []
    for f in files:
        if not f.is_file():
            problems.append(f"{f}: file not found")
        elif f.suffix.lower() in {".txt", ".md"}:
            texts[f.name] = norm(f.read_text(encoding="utf-8"))
    return texts, problems


def check_set_item(obj: object, ln: int) -> list[str]:
    """Format problems of one decoded line of a set (the runner's format plus the type vocabulary)."""
    if not isinstance(obj, dict):
        return ["not a JSON object"]
    errs = []
    missing, extra = FIELDS - set(obj), set(obj) - FIELDS
    if missing:
        errs.append(f"missing fields {sorted(missing)}")
    if extra:
        errs.append(f"unexpected fields {sorted(extra)}")
    typ = obj.get("type")
    if typ not in SET_TYPES:
        errs.append(f"unknown type {typ!r}; known: {', '.join(sorted(SET_TYPES))}")
    if not isinstance(obj.get("question"), str) or not obj["question"].strip():
        errs.append("empty question")
    errs += check_history(obj.get("history"), typ)
    gold, answerable = obj.get("gold"), obj.get("answerable")
    if not isinstance(gold, list) or not all(isinstance(g, str) and g.strip() for g in gold):
        return errs + ["gold must be a list of non-empty strings"]
    if (typ == "unanswerable") != (answerable is False):
        errs.append("answerable must be false exactly for type unanswerable")
    if answerable is False and gold:
        errs.append("an unanswerable item has no gold")
    if answerable is True and not gold:
        errs.append("an answerable item needs at least one gold string")
    if len(set(gold)) != len(gold):
        errs.append("duplicate gold strings")
    for g in gold:
        if not GOLD_MIN <= len(norm(g)) <= GOLD_MAX:
            errs.append(f"gold {g!r}: {len(norm(g))} characters, keep it {GOLD_MIN}-{GOLD_MAX}")
    return errs


def check_one_set(name: str, spec: dict, texts: dict[str, str], root: Path) -> tuple[list[str], list[str], Counter]:
    """(failures, warnings, counts per type) of one [sets.NAME]."""
    failures: list[str] = []
    warnings: list[str] = []
    counts: Counter[str] = Counter()
    path = root / spec["questions"]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return [f"{name}: cannot read {path} ({exc.strerror})"], [], counts
    ids: dict[str, int] = {}
    for ln, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        where = f"{name} {path.name}:{ln}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as e:
            failures.append(f"{where}: invalid JSON ({e.msg})")
            continue
        errs = check_set_item(obj, ln)
        if isinstance(obj, dict):
            qid = obj.get("id")
            if not isinstance(qid, str) or not qid.strip():
                errs.append("empty id")
            elif qid in ids:
                errs.append(f"duplicate id {qid} (first on line {ids[qid]})")
            else:
                ids[qid] = ln
                where += f" ({qid})"
            counts[obj.get("type", "?")] += 1
            golds = [g for g in obj.get("gold", []) if isinstance(g, str)] if isinstance(obj.get("gold"), list) else []
            for g in golds:
                found = sum(t.count(norm(g)) for t in texts.values())
                if not found:
                    errs.append(f"gold {g!r}: NOT FOUND in the files of kb {spec['kb']}")
                elif found > 3:
                    warnings.append(f"{where}: gold {g!r} occurs {found} times in kb {spec['kb']}")
            found_all = golds and all(any(norm(g) in t for t in texts.values()) for g in golds)
            if found_all and len(golds) > 1 and obj.get("type") not in ("comparison", "multi-passage"):
                if not fits_one_window([norm(g) for g in golds], texts):
                    warnings.append(f"{where}: gold strings not within one {WINDOW}-character window")
        failures += [f"{where}: {e}" for e in errs]
    for typ, need in (spec.get("min_count") or {}).items():
        have = sum(counts.values()) if typ == "total" else counts[typ]
        if have < need:
            failures.append(f"{name}: {have} {typ} items, need >= {need}")
    return failures, warnings, counts


def check_sets(sets_file: Path) -> int:
    """Every set of sets.toml against its own KB; dev and test of one pair share no KB file and no question."""
    root = sets_file.resolve().parent.parent
    try:
        config = tomllib.loads(sets_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"FAIL  {sets_file}: {exc}")
        return 1
    kbs, sets = config.get("kb", {}), config.get("sets", {})
    failures: list[str] = []
    warnings: list[str] = []
    kb_texts: dict[str, dict[str, str]] = {}
    kb_names: dict[str, set[str]] = {}
    for name, kb in kbs.items():
        try:
            files = kb_files(kb, root, name)
        except ValueError as exc:
            failures.append(str(exc))
            continue
        kb_texts[name], problems = read_kb(files)
        kb_names[name] = {f.name for f in files}
        failures += [f"kb {name}: {p}" for p in problems]
        if not files:
            failures.append(f"kb {name}: no files")
    questions: dict[str, dict[str, str]] = {}
    for name, spec in sets.items():
        missing = [k for k in ("questions", "kb", "split") if k not in spec]
        if missing or spec.get("kb") not in kbs or spec.get("split") not in ("dev", "test"):
            failures.append(f"{name}: needs questions, kb (one of {sorted(kbs)}) and split = dev|test")
            continue
        f, w, counts = check_one_set(name, spec, kb_texts.get(spec["kb"], {}), root)
        failures += f
        warnings += w
        print(f"{name} ({spec['split']}, kb {spec['kb']}: {len(kb_names.get(spec['kb'], ()))} files): "
              + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())) + f"; total {sum(counts.values())}")
        try:
            questions[name] = {json.loads(line)["question"]: name for line in (root / spec["questions"]).read_text(encoding="utf-8").splitlines() if line.strip()}
        except (OSError, ValueError, KeyError, TypeError):
            questions[name] = {}
    pairs: dict[str, list[str]] = {}
    for name, spec in sets.items():
        if "pair" in spec:
            pairs.setdefault(spec["pair"], []).append(name)
    for pair, names in pairs.items():
        devs = [n for n in names if sets[n].get("split") == "dev"]
        tests = [n for n in names if sets[n].get("split") == "test"]
        for d in devs:
            for t in tests:
                kd, kt = sets[d].get("kb"), sets[t].get("kb")
                if kd != kt and kb_names.get(kd, set()) & kb_names.get(kt, set()):
                    failures.append(f"pair {pair}: {d} and {t} share KB files {sorted(kb_names[kd] & kb_names[kt])}")
                shared = set(questions.get(d, {})) & set(questions.get(t, {}))
                if shared:
                    failures.append(f"pair {pair}: {len(shared)} question(s) in both {d} and {t}")
    return _report(warnings, failures)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--seeds", type=Path, default=None)
    ap.add_argument("--sets", type=Path, default=None, help="eval/sets.toml: check every set against its own KB")
    args = ap.parse_args()
    if args.sets is not None:
        return check_sets(args.sets)

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
    return _report(warnings, failures)


if __name__ == "__main__":
    sys.exit(main())
