"""Run the next item's work on one background thread while the caller handles the current one.

Ingest parses file N+1 (its sandboxed extractor in a forked child, then cleaning, structure, chunks and jieba)
while the model embeds file N. One worker and `ahead` items in flight bound the memory held to a few parsed
files; results come back in the order of the items, so every decision after them is taken as without it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def prefetched(fn: Callable[[T], R], items: Iterable[T], ahead: int = 1) -> Iterator[tuple[T, R]]:
    """(item, fn(item)) in the items' order, fn running on one worker thread up to `ahead` items ahead of the
    consumer (ahead=0: fn runs on the caller's thread, one item at a time). fn's exceptions are raised here."""
    if ahead <= 0:
        for item in items:
            yield item, fn(item)
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-parse")
    pending: deque[tuple[T, Future[R]]] = deque()
    try:
        for item in items:
            pending.append((item, pool.submit(fn, item)))
            if len(pending) > ahead:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:  # an abandoned run (an error, Ctrl-C) starts no further parse; the one running ends in its limits
        pool.shutdown(wait=True, cancel_futures=True)
