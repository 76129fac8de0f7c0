"""Drafts a few topics over existing indexes and prints a table: sections supported, points, time per draft.

    python bench/draft.py --data-dir .data "集团化办学" "推进城乡教育共同体建设" [--type 实施方案] [--show]

The index must exist (policy-assistant ingest ... --data-dir DIR). Time is per draft in a warm process (models
loaded); the first draft of a process also pays for loading the POS tagger and filling the sentence cache.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.config import load_settings
from assistant.drafting import Drafter
from assistant.drafting.markdown import to_markdown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("topics", nargs="+")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--type", default="实施方案")
    parser.add_argument("--show", action="store_true", help="print each draft as Markdown")
    args = parser.parse_args()
    started = time.perf_counter()
    drafter = Drafter.open(load_settings(data_dir=args.data_dir))
    print(f"open: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    rows = []
    for topic in args.topics:
        t0 = time.perf_counter()
        draft = drafter.draft(topic, kind=args.type)
        seconds = time.perf_counter() - t0
        supported = sum(1 for s in draft.sections if s.points)
        points = sum(len(s.points) for s in draft.sections)
        rows.append((topic, draft.type, f"{supported}/{len(draft.sections)}", points, len(draft.references),
                     "yes" if draft.covered else "no", f"{seconds:.1f}"))
        if args.show:
            print(to_markdown(draft))
    header = ("topic", "type", "sections supported", "points", "references", "covered", "seconds")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
