"""Run one slow step in a second process, started early so that it is ready when the step is.

The second process is forked at once and warms up (imports a slow library)
while this one prepares the step's input; the input is then sent to it,
pickled, and its result comes back the same way (a ``Followed`` result in
two messages: what the work made first, then the rest). The work runs in this
process's environment as it is when the work is handed over, not as it was
at the fork (the build dates its work by SOURCE_DATE_EPOCH, set once the
book is read). If this process is
interrupted or fails, or never hands the step over, the second process is
stopped with it.
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Protocol, TypeVar

from publish.errors import PublishError
from publish.forking import Followed, die_with_parent, rebuilds
from publish.pipeline.signals import release_held, signals_held

Result = TypeVar("Result")
Argument = TypeVar("Argument")
# What a message to the second process holds: the work whose result is waited for, or work to do before it.
WORK, AHEAD = "work", "ahead"


class HandOver(Protocol):
    def __call__(self, work: Callable[..., Result], *args: object) -> Callable[[], Result]: ...

    def ahead(self, work: Callable[[Argument], object], argument: Callable[[], Argument]) -> None:
        """Have ``work(argument())`` run in the second process before the work handed over next, with no result
        and any failure ignored: what the second process can do while it waits (and, where there is none, nothing,
        not even ``argument()``)."""


@contextmanager
def second_process(warm_up: Callable[[], object], enabled: bool = True) -> Iterator[HandOver]:
    """Fork a process that runs ``warm_up``, then waits for one piece of work.

    Yields ``hand_over(work, *args)``, which sends the work (``work`` a
    module-level function, ``args`` picklable) and returns a function that
    waits for its result; ``hand_over.ahead`` sends work to do before it.
    With ``enabled`` false, or where fork is unavailable, ``hand_over`` does
    the work here, at once, and nothing is done ahead.
    """
    if not enabled:
        yield _here
        return
    import multiprocessing  # spared by an EPUB rebuild that needs no second process

    if "fork" not in multiprocessing.get_all_start_methods():
        yield _here
        return
    context = multiprocessing.get_context("fork")
    work_receiver, work_sender = context.Pipe(duplex=False)
    result_receiver, result_sender = context.Pipe(duplex=False)
    parents_ends = (work_sender, result_receiver)
    child = context.Process(
        target=_warm_then_work, args=(warm_up, work_receiver, result_sender, parents_ends, os.getpid()), daemon=True
    )

    sending: list[threading.Thread] = []

    def send(kind: str, work: Callable[..., object], args: tuple) -> None:
        # A pipe holds 64 KB, and a book's HTML waits in it until the second process has warmed up: sent from a
        # thread, it does not hold this process up meanwhile. Each thread sends once the one before it has sent.
        message = (kind, work, args, dict(os.environ))
        before = sending[-1] if sending else None
        sending.append(threading.Thread(target=_send, args=(work_sender, message, before), daemon=True))
        sending[-1].start()

    class _HandOver:
        def __call__(self, work: Callable[..., Result], *args: object) -> Callable[[], Result]:
            send(WORK, work, args)
            return wait

        def ahead(self, work: Callable[[Argument], object], argument: Callable[[], Argument]) -> None:
            send(AHEAD, work, (argument(),))

    def wait() -> Any:  # whatever the work handed over returns: hand_over's signature says what that is
        try:
            outcome, value = result_receiver.recv()
        except EOFError:
            raise died() from None
        if outcome == "followed":
            return Followed(value, wait)
        child.join()
        if outcome == "error":
            raise value
        if outcome == "crash":
            raise RuntimeError(f"the second build process failed:\n{value}")
        return value

    def died() -> PublishError:
        child.join(timeout=5)
        return PublishError(
            f"the second build process (which lays out the print edition) stopped with exit code {child.exitcode}: "
            "killed, or out of memory? Nothing was written."
        )

    try:
        with signals_held():
            child.start()
        work_receiver.close()
        result_sender.close()
        yield _HandOver()
    finally:
        if child.pid is not None:
            if child.is_alive():
                child.terminate()
            child.join(timeout=5)
            if child.is_alive():
                child.kill()
                child.join()
        for thread in sending:  # ended: the process it was sending to is gone
            thread.join()
        work_sender.close()
        result_receiver.close()


def _send(connection, message: object, after: threading.Thread | None) -> None:
    if after is not None:
        after.join()
    with suppress(OSError):  # the second process died before taking the work: waiting for its result says so
        connection.send(message)


class _Here:
    """The work done in this process, at once."""

    def __call__(self, work: Callable[..., Result], *args: object) -> Callable[[], Result]:
        result = work(*args)
        return lambda: result

    def ahead(self, work: Callable[[Argument], object], argument: Callable[[], Argument]) -> None:
        pass


_here = _Here()


def _warm_then_work(
    warm_up: Callable[[], object], work_receiver, result_sender, parents_ends: tuple, parent: int
) -> None:
    """The second process's whole life: warm up, take the work, send the outcome, leave without the parent's exit
    handlers.

    The parent's ends of the pipes, inherited by the fork, are closed first:
    if the parent dies before handing the work over, waiting for it then
    ends (EOFError) instead of lasting for ever. If it dies later, the
    kernel stops this process too (on Linux).
    """
    try:
        release_held()
        die_with_parent(parent)
        for end in parents_ends:
            end.close()
        with suppress(Exception):  # the work meets the same failure (an import, say) and reports it
            warm_up()
        kind = AHEAD
        while kind == AHEAD:
            try:
                kind, work, args, environment = work_receiver.recv()
            except EOFError:  # the build ended without needing this process
                os._exit(0)
            os.environ.clear()
            os.environ.update(environment)
            if kind == AHEAD:
                with suppress(Exception):
                    work(*args)
        message = _outcome(work, *args)
        if message[0] == "ok" and isinstance(message[1], Followed):
            if not _send_result(result_sender, ("followed", message[1].first)):
                os._exit(0)  # the first part could not be sent, and the parent stops at what was sent instead
            message = _outcome(message[1].rest)
        _send_result(result_sender, message)
    except BaseException:
        os._exit(1)
    os._exit(0)


def _outcome(work: Callable[..., object], *args: object) -> tuple[str, object]:
    """What the work returned, or the failure it raised, as the message that says so."""
    try:
        return "ok", work(*args)
    except Exception as error:
        return ("error", error) if rebuilds(error) else ("crash", "".join(traceback.format_exception(error)))


def _send_result(result_sender, message: tuple[str, object]) -> bool:
    """Send ``message``, or what stopped it being sent; whether it was sent."""
    try:
        result_sender.send(message)
    except Exception:  # a result that cannot be pickled: send what happened as text
        result_sender.send(("crash", traceback.format_exc()))
        return False
    return True
