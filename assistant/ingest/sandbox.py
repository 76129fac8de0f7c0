"""Run one parser call in a forked child with a time and memory limit, so no file can hang or exhaust an ingest.

The child gets an address-space limit (its inherited size plus `memory_mb`) and a deep recursion limit; the parent
waits at most `timeout_s` for its pickled result and kills it otherwise. A crash, a timeout or a MemoryError in
the child comes back as `ParserLimit(reason)`; an exception the parser raised comes back as that exception.
"""

from __future__ import annotations

import gc
import os
import pickle
import resource
import selectors
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_RECURSION = 20_000  # deeply nested HTML is walked recursively; the child's crash would only reject that file


class ParserLimit(Exception):
    """The parser ran past its time or memory limit, or its process died."""


def _vm_bytes() -> int:
    """This process's current virtual size (the child's limit is on top of what it inherits)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def run_limited(fn: Callable[[Any], T], arg: Any, timeout_s: float, memory_mb: float) -> T:
    """fn(arg) in a forked child; raises ParserLimit when it exceeds timeout_s or memory_mb, else its result or
    the exception it raised (pickled back)."""
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    # no garbage collection may run in the child on objects it inherited: a library object's destructor (the
    # Chroma client's Rust side) waits for threads that do not exist after fork, and the child hangs until its
    # time limit. Collection is off across the fork and the child freezes what it inherited before turning it on.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pid = os.fork()
    finally:
        if collecting and os.getpid() == parent:
            gc.enable()
    if pid == 0:  # child: never returns
        gc.freeze()
        if collecting:
            gc.enable()
        os.close(read_fd)
        code = 0
        try:
            limit = _vm_bytes() + int(memory_mb * 1024 * 1024)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            sys.setrecursionlimit(_RECURSION)
            try:
                payload = pickle.dumps(("ok", fn(arg)), protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                payload = pickle.dumps(("limit", f"needs more than {memory_mb:g} MB of memory to parse"))
            except RecursionError:
                payload = pickle.dumps(("limit", "nested too deeply to parse"))
            except BaseException as exc:  # sent back to the parent, which raises it there
                try:
                    payload = pickle.dumps(("raise", exc))
                except Exception:
                    payload = pickle.dumps(("raise", ValueError(f"{type(exc).__name__}: {exc}")))
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view) :]
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    timed_out = False
    # a selector (epoll/poll), not select.select: a long-running process (the UI, a test session) may hold more
    # than FD_SETSIZE (1024) descriptors, and select() then fails on the pipe ('filedescriptor out of range')
    watch = selectors.DefaultSelector()
    watch.register(read_fd, selectors.EVENT_READ)
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready = watch.select(left)
            if not ready:
                continue
            data = os.read(read_fd, 1 << 20)
            if not data:
                break
            chunks.append(data)
    finally:
        watch.close()
        os.close(read_fd)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise ParserLimit(f"parsing took longer than {timeout_s:g} s")
    if not chunks:
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            raise ParserLimit(f"the parser crashed ({name}; memory limit {memory_mb:g} MB)")
        raise ParserLimit("the parser exited without a result")
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "limit":
        raise ParserLimit(value)
    raise value
