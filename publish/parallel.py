"""Run one slow step in a second process, started early so that it is ready when the step is.

The second process is forked at once and warms up (imports a slow library)
while this one prepares the step's input; the input is then sent to it,
pickled, and its result comes back the same way. If this process is
interrupted or fails, or never hands the step over, the second process is
stopped with it.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from .signals import release_held, signals_held

Result = TypeVar("Result")


class HandOver(Protocol):
    def __call__(self, work: Callable[..., Result], *args: object) -> Callable[[], Result]: ...


@contextmanager
def second_process(warm_up: Callable[[], object], enabled: bool = True) -> Iterator[HandOver]:
    """Fork a process that runs ``warm_up``, then waits for one piece of work.

    Yields ``hand_over(work, *args)``, which sends the work (``work`` a
    module-level function, ``args`` picklable) and returns a function that
    waits for its result. With ``enabled`` false, or where fork is
    unavailable, ``hand_over`` does the work here, at once.
    """
    if not enabled or "fork" not in multiprocessing.get_all_start_methods():
        yield _here
        return
    context = multiprocessing.get_context("fork")
    work_receiver, work_sender = context.Pipe(duplex=False)
    result_receiver, result_sender = context.Pipe(duplex=False)
    parents_ends = (work_sender, result_receiver)
    child = context.Process(target=_warm_then_work, args=(warm_up, work_receiver, result_sender, parents_ends), daemon=True)

    def hand_over(work: Callable[..., Result], *args: object) -> Callable[[], Result]:
        work_sender.send((work, args))
        return wait

    def wait() -> Result:
        try:
            outcome, value = result_receiver.recv()
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
        work_receiver.close()
        result_sender.close()
        yield hand_over
    finally:
        work_sender.close()
        if child.pid is not None:
            if child.is_alive():
                child.terminate()
            child.join()
        result_receiver.close()


def _here(work: Callable[..., Result], *args: object) -> Callable[[], Result]:
    result = work(*args)
    return lambda: result


def _warm_then_work(warm_up: Callable[[], object], work_receiver, result_sender, parents_ends: tuple) -> None:
    """The second process's whole life: warm up, take the work, send the outcome, leave without the parent's exit handlers.

    The parent's ends of the pipes, inherited by the fork, are closed first:
    if the parent dies before handing the work over, waiting for it then
    ends (EOFError) instead of lasting for ever.
    """
    try:
        release_held()
        for end in parents_ends:
            end.close()
        try:
            warm_up()
        except Exception:
            pass  # the work meets the same failure (an import, say) and reports it
        try:
            work, args = work_receiver.recv()
        except EOFError:  # the build ended without needing this process
            os._exit(0)
        try:
            message = ("ok", work(*args))
        except Exception as error:
            message = ("error", error)
        try:
            result_sender.send(message)
        except Exception:
            result_sender.send(("crash", traceback.format_exc()))
    except BaseException:
        os._exit(1)
    os._exit(0)
