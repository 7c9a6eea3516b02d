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


def interrupt_on_signals() -> None:
    """Ctrl-C and SIGTERM raise KeyboardInterrupt, and are remembered until the next command.

    Python swallows an exception raised where it runs a weakref callback
    (its import machinery has one): it prints "Exception ignored" and goes
    on. Remembered, such a signal still stops the build before it writes.
    """
    _received.clear()
    for signum in HELD:
        signal.signal(signum, _interrupt)


def stop_if_interrupted() -> None:
    """Raise the KeyboardInterrupt of a Ctrl-C or SIGTERM that came since the command began, if it was lost."""
    if _received:
        raise KeyboardInterrupt


_received: list[int] = []


def _interrupt(signum: int, frame: object) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


def release_held() -> None:
    """In a child forked inside ``signals_held``: take signals again."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)
