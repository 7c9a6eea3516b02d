"""Ctrl-C and SIGTERM held back for the moments that must not be cut in half."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

HELD = {signal.SIGINT, signal.SIGTERM}


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C or SIGTERM that came once the new outputs were in place: the build did write them."""


@contextmanager
def signals_held() -> Iterator[None]:
    """Block Ctrl-C and SIGTERM inside the block; one that came meanwhile is delivered at its end.

    For renaming a set of outputs into place, and for forking: a signal that
    lands inside a fork handler is reported as "ignored" and lost.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def release_held() -> None:
    """In a child forked inside ``signals_held``: take signals again."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)


class OverBudget(Exception):
    """Raised inside ``cpu_budget`` when its CPU time is spent."""


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise ``OverBudget`` in the block once it has used ``seconds`` of CPU time.

    A hostile piece can make a pure-Python parser take hours (Python-Markdown
    scans twenty thousand ``[`` quadratically); a budget turns that into one
    clear error. CPU time, not wall time, so that a busy machine is not
    mistaken for a slow piece and pytest-timeout's SIGALRM is left alone.
    The timer counts the whole process; the budget is this thread's, so
    time other threads took (the preview server's) is given back.
    Outside the main thread (where no handler can be set) there is no budget.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    start = time.thread_time()

    def spent(signum, frame):
        left = seconds - (time.thread_time() - start)
        if left > 0.01:
            signal.setitimer(signal.ITIMER_VIRTUAL, left)
            return
        raise OverBudget

    previous = signal.signal(signal.SIGVTALRM, spent)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
