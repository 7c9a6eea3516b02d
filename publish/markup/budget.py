"""A CPU-time budget for converting one piece: hostile text fails in seconds instead of running for hours."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


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
