"""Gold matching shared by the retrieval bench and the eval runner (whitespace- and width-insensitive)."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.text import zh


def contains_all(text: str, gold: Sequence[str]) -> bool:
    """True when every gold substring occurs in text, ignoring whitespace and punctuation width."""
    flat = zh.compact(text)
    return all(zh.compact(g) in flat for g in gold)


def gold_rank(texts: Sequence[str], gold: Sequence[str], single_passage: bool = True) -> int | None:
    """1-based rank of the first passage holding all gold strings.

    When no stored passage can hold them together (`single_passage=False`, multi-passage questions), the
    rank at which the passages so far first cover every gold string.
    """
    if not gold:
        return None
    if single_passage:
        for rank, text in enumerate(texts, start=1):
            if contains_all(text, gold):
                return rank
        return None
    missing = {zh.compact(g) for g in gold}
    for rank, text in enumerate(texts, start=1):
        flat = zh.compact(text)
        missing = {g for g in missing if g not in flat}
        if not missing:
            return rank
    return None


def retrieval_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """hit@1, hit@5 and MRR@10 over items' gold ranks (None = not found)."""
    n = len(ranks) or 1
    return {
        "hit@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None and r <= 10) / n,
    }
