"""Run one slow step in a second process while this one goes on with another.

A forked child inherits what it works on (nothing is pickled on the way in);
only its result comes back, through a pipe. If this process is interrupted
or fails, the child is stopped with it.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from .signals import release_held, signals_held

Result = TypeVar("Result")


@contextmanager
def in_parallel(work: Callable[..., Result], *args: object, enabled: bool = True) -> Iterator[Callable[[], Result]]:
    """Start ``work(*args)`` in a forked process; yield a function that waits for its result.

    With ``enabled`` false, or where fork is unavailable, the work runs
    here, at once, and the function returns its result.
    """
    if not enabled or "fork" not in multiprocessing.get_all_start_methods():
        result = work(*args)
        yield lambda: result
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_and_send, args=(sender, work, args), daemon=True)

    def wait() -> Result:
        try:
            outcome, value = receiver.recv()
        except EOFError:
            raise RuntimeError(f"the second build process died (exit code {child.exitcode})") from None
        child.join()
        if outcome == "error":
            raise value
        if outcome == "crash":
            raise RuntimeError(f"the second build process failed:\n{value}")
        return value

    try:
        with signals_held():
            child.start()
        sender.close()
        yield wait
    finally:
        if child.pid is not None:
            if child.is_alive():
                child.terminate()
            child.join()
        receiver.close()


def _run_and_send(sender, work: Callable[..., object], args: tuple) -> None:
    """The child's whole life: do the work, send the outcome, leave without running the parent's exit handlers."""
    try:
        release_held()
        try:
            message = ("ok", work(*args))
        except Exception as error:
            message = ("error", error)
        try:
            sender.send(message)
        except Exception:
            sender.send(("crash", traceback.format_exc()))
    except BaseException:
        os._exit(1)
    os._exit(0)
