"""The print edition's parts laid out side by side, one run of consecutive parts per process, and joined.

Each run paginates its parts (most of the work) at once, guessing where it
begins; this process then places every part where the parts before it end,
chooses the economical openings from their lengths (economy.py, the choice
a second layout of the whole book used to make), has each run settle its
parts there and write them, again where a page number moved, and joins the
parts' PDFs (one a part). The first run is laid out in this process, the others in processes
forked from it, which share what it has imported. What was laid out is
remembered in the store (parts_memory.py): the next build lays out again
only what changed, where that is little (parts_again.py).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from publish.errors import PublishError
from publish.forking import die_with_parent, rebuilds
from publish.outputs import economy, parts_memory
from publish.outputs.parts import (
    GUESSED_FIRST_PAGE,
    MAX_SETTLINGS,
    InParts,
    Laid,
    Run,
    SettledRun,
    measured,
    placements,
    where_lengths_change,
)
from publish.outputs.parts_again import Again
from publish.outputs.parts_join import join
from publish.outputs.parts_memory import KeptBook, KeptPart, Recalled
from publish.outputs.parts_split import Part, split
from publish.outputs.print_edition import FROM_PIECES
from publish.outputs.weasyprint_parts import Placement
from publish.outputs.weasyprint_shared import Shared
from publish.read.resources import ResourcePolicy

# How much more the front matter weighs than its length says: its run lays it out twice where the contents do not
# fit on the title verso (parts.Run.paginate), and again where their page numbers fall; its HTML is mostly the
# contents' links, which cost little to lay out (benchmarks/NOTES.md has the runs' times).
FRONT_WEIGHT = 2.0


@dataclass(frozen=True)
class PartsJob:
    """What laying the book out in parts needs: its print HTML and settings, and how many processes to use."""

    html: str
    base_url: str
    resources: ResourcePolicy
    openings: str
    # 0: one per core.
    jobs: int


def default_jobs() -> int:
    """One process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def lay_out(job: PartsJob, shared: Shared) -> InParts | None:
    """The book laid out in parts, or None where one layout is the better: a book of fewer than ``FROM_PIECES``
    pieces, or one whose pieces do not each begin a page. Where the store has the last build's parts, only those
    that changed are laid out again, if they are few (parts_again.py)."""
    parts = split(job.html)
    if len(parts) - 2 < FROM_PIECES:
        return None
    store = job.resources.store
    earlier = parts_memory.recall(store, job.base_url) if store is not None else None
    if store is not None and earlier is not None:
        again = Again(parts, earlier, store, job.resources, shared, job.base_url).lay_out(job.openings)
        if again is not None:
            return again
    try:
        return _in_parts(job, parts, shared, earlier)
    except _Misjudged:
        return _in_parts(job, parts, shared, earlier, hold=False)


class _Misjudged(Exception):
    """A part held back was another length once set (SettledRun.misjudged): the book is laid out again, with
    nothing held."""


def _in_parts(
    job: PartsJob, parts: list[Part], shared: Shared, earlier: Recalled | None, hold: bool = True
) -> InParts | None:
    """The book laid out in parts, all of them, by as many runs as the job asks for."""
    store = job.resources.store
    spans = runs_of(parts, job.jobs or default_jobs())
    with _runs(job, parts, spans, shared, hold) as runs:
        laid = _flat(_each(runs, "paginate"))
        if not all(part.begins_page for part in laid[1:]):
            return None
        # Where the pieces open is chosen from the parts' lengths where they fall (a part whose length depends on
        # its side is settled there first), then the parts are settled until no page number moves.
        if any(changing := where_lengths_change(laid, placements(laid))):
            laid = _flat(_each(runs, "settle", *_by_run(changing, spans)))
        chosen_from = list(laid)
        choice = economy.economical(measured(laid, placements(laid)), job.openings)
        if choice.contents_apart:
            runs[0].send("set_contents_apart")
            laid[0] = runs[0].receive()
        moved = frozenset(index for index, part in enumerate(parts) if part.ids[0] in choice.right)
        booklet = [(index == len(runs) - 1,) for index in range(len(runs))]
        for _ in range(MAX_SETTLINGS):
            placed = placements(laid, moved)
            settled: list[SettledRun] = _each(
                runs, "settle_and_write", *[own + end for own, end in zip(_by_run(placed, spans), booklet, strict=True)]
            )
            if any(run.misjudged for run in settled):
                raise _Misjudged
            laid = [part for run in settled for part in run.laid]
            if placements(laid, moved) == placed:
                break
        else:
            return None
        written = [run.written for run in settled]
    parts_pdfs = [part for run in written for part in run.parts]
    programs = {face: data for run in written for face, data in run.programs.items()}
    pdf, cut = join([part.joinable for part in parts_pdfs], programs, earlier.book.cut_faces if earlier else {})
    for run in written:  # a forked run's entries for the store come back with it
        job.resources.new_entries.update(run.new_entries)
    if store is not None:
        last = len(parts) - 1
        book = [
            KeptPart.of(part, key, now, then, placement, index == last)
            for index, (key, now, then, placement, part) in enumerate(
                zip(parts_memory.part_keys(store, parts), laid, chosen_from, placed, parts_pdfs, strict=True)
            )
        ]
        kept = KeptBook(book, choice, cut)
        job.resources.later.append(lambda: parts_memory.remembered(store, job.base_url, kept, programs))
    return InParts(pdf, [start for part in parts_pdfs for start in part.page_starts])


def _by_run(placed: Sequence[Placement | None], spans: Sequence[tuple[int, int]]) -> list[tuple]:
    """Each run's arguments to settle: its parts' placements."""
    return [(placed[start:end],) for start, end in spans]


def runs_of(parts: Sequence[Part], jobs: int) -> list[tuple[int, int]]:
    """Consecutive parts in at most ``jobs`` runs of about as much text each: their index ranges. A part goes to
    the run its middle falls in."""
    weights = [len(part.inside) * (FRONT_WEIGHT if index == 0 else 1) for index, part in enumerate(parts)]
    share, start, held = sum(weights) / max(1, jobs), 0, 0.0
    spans: list[tuple[int, int]] = []
    for index, weight in enumerate(weights):
        if held + weight / 2 > share * (len(spans) + 1) and len(spans) < jobs - 1 and index > start:
            spans.append((start, index))
            start = index
        held += weight
    return [*spans, (start, len(parts))]


def _each(runs: Sequence[_Here | _Forked], method: str, *arguments: tuple) -> list[Any]:
    """``method`` called on every run at once (with each run's own arguments, if given): their results, in order."""
    for index in reversed(range(len(runs))):  # this process's run last, once the others are at work
        runs[index].send(method, *(arguments[index] if arguments else ()))
    return [run.receive() for run in runs]


def _flat(results: list[list[Laid]]) -> list[Laid]:
    """The runs' reports on their parts, as one list in the book's order."""
    return [laid for run in results for laid in run]


@contextmanager
def _runs(
    job: PartsJob, parts: Sequence[Part], spans: Sequence[tuple[int, int]], shared: Shared, hold: bool
) -> Iterator[list[_Here | _Forked]]:
    """The runs, the first in this process; they share ``shared`` as this process has it (a forked one, a copy)."""
    runs: list[_Here | _Forked] = []
    try:
        for index, (start, end) in enumerate(spans):
            first = 1 if index == 0 else GUESSED_FIRST_PAGE
            laying = Run(parts[start:end], job.base_url, job.resources, first, shared, hold=hold)
            runs.append(_Here(laying) if index == 0 else _Forked(laying))
        yield runs
    finally:
        for run in runs:
            run.close()


class _Here:
    """A run laid out in this process."""

    def __init__(self, run: Run):
        self.run = run

    def send(self, method: str, *arguments: Any) -> None:
        self.result = getattr(self.run, method)(*arguments)

    def receive(self) -> Any:
        return self.result

    def close(self) -> None:
        pass


class _Forked:
    """A run laid out in a process forked from this one, which calls its methods as this one asks."""

    def __init__(self, run: Run):
        self.pipe, theirs = multiprocessing.Pipe()
        parent = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:  # the forked process: it serves until this one closes the pipe, and leaves without exiting
            try:
                die_with_parent(parent)
                self.pipe.close()
                _serve(run, theirs)
            finally:
                os._exit(0)
        theirs.close()

    def send(self, method: str, *arguments: Any) -> None:
        self.pipe.send((method, arguments))

    def receive(self) -> Any:
        try:
            succeeded, result = self.pipe.recv()
        except EOFError:
            raise PublishError("a process laying out part of the print edition stopped before it finished") from None
        if not succeeded:
            raise result
        return result

    def close(self) -> None:
        self.pipe.close()
        with suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def _serve(run: Run, pipe: Any) -> None:
    while True:
        try:
            method, arguments = pipe.recv()
        except EOFError:
            return
        try:
            pipe.send((True, getattr(run, method)(*arguments)))
        except Exception as error:
            pipe.send((False, _sendable(error)))


def _sendable(error: Exception) -> Exception:
    """The error itself where it survives the pipe, else one that says what it was."""
    if rebuilds(error):
        return error
    return PublishError(f"WeasyPrint could not lay out the print edition ({type(error).__name__}: {error})")
