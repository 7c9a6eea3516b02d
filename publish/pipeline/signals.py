"""Ctrl-C and SIGTERM held back for the moments that must not be cut in half."""

from __future__ import annotations

import signal
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
