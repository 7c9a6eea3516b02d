"""The second process: warmed up before the work arrives, and never left behind."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from publish.errors import PublishError
from publish.forking import Followed
from publish.pipeline.parallel import second_process

from .conftest import ROOT

warmed_in: list[int] = []


def warm_up() -> None:
    warmed_in.append(os.getpid())


def where_and_warmed(text: str) -> tuple[str, int, list[int]]:
    return text.upper(), os.getpid(), list(warmed_in)


def refuse(path: str) -> None:
    raise PublishError("no such piece", path)


def test_the_work_runs_in_the_warmed_second_process():
    with second_process(warm_up) as hand_over:
        result, pid, warmed = hand_over(where_and_warmed, "pages")()
    assert result == "PAGES"
    assert pid != os.getpid() and warmed == [pid]
    assert not warmed_in and not multiprocessing.active_children()


def test_disabled_it_runs_here_without_warming_up():
    with second_process(warm_up, enabled=False) as hand_over:
        result, pid, warmed = hand_over(where_and_warmed, "pages")()
    assert (result, pid, warmed) == ("PAGES", os.getpid(), [])


def test_the_works_error_reaches_this_process_as_itself():
    with second_process(warm_up) as hand_over, pytest.raises(PublishError, match="no such piece") as raised:
        hand_over(refuse, "ghost.md")()
    assert raised.value.path.name == "ghost.md"


class NeedsTwo(Exception):
    def __init__(self, first: str, second: str):
        super().__init__(f"{first} and {second}")


def fail_oddly() -> None:
    raise NeedsTwo("a library's", "own exception")


def test_an_error_that_cannot_be_rebuilt_here_arrives_as_its_traceback():
    with (
        second_process(warm_up) as hand_over,
        pytest.raises(RuntimeError, match="second build process failed") as raised,
    ):
        hand_over(fail_oddly)()
    assert "NeedsTwo: a library's and own exception" in str(raised.value)


@pytest.mark.parametrize("ending", ["no work handed over", "this process fails"])
def test_the_second_process_is_stopped_however_the_block_ends(ending):
    try:
        with second_process(warm_up):
            assert len(multiprocessing.active_children()) == 1
            if ending == "this process fails":
                raise PublishError("bad piece")
    except PublishError:
        pass
    assert not multiprocessing.active_children()


def sleep_long() -> None:
    time.sleep(60)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("when", ["before handing the work over", "while the work runs"])
def test_the_second_process_ends_when_this_one_is_killed(when):
    """Killed (SIGKILL: no clean-up runs), this process leaves a second one that must not wait or work for ever."""
    hand_over = "    hand_over(sleep_long)\n    time.sleep(0.5)\n" if when == "while the work runs" else ""
    program = (
        "import multiprocessing, os, signal, time\n"
        "from publish.pipeline.parallel import second_process\n"
        "from tests.test_parallel import sleep_long\n"
        "with second_process(lambda: time.sleep(0.5)) as hand_over:\n"
        "    print(multiprocessing.active_children()[0].pid, flush=True)\n"
        f"{hand_over}"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=20, cwd=ROOT)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    orphan = int(killed.stdout)
    deadline = time.monotonic() + 10
    while running(orphan) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(orphan), "the second process outlived this one"


def running(pid: int) -> bool:
    """Whether the process is there and not a zombie (a container's first process may never reap an orphan)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_second_process_that_dies_is_one_line_not_a_traceback():
    with (
        second_process(lambda: os._exit(3)) as hand_over,
        pytest.raises(PublishError, match="stopped with exit code 3"),
    ):
        hand_over(where_and_warmed, "pages")()


def first_then_waiting(signal_file: str) -> Followed[int, str]:
    """A result whose rest is made only once this test's process has seen the first part."""

    def rest() -> str:
        deadline = time.monotonic() + 10
        while not Path(signal_file).exists():
            if time.monotonic() > deadline:
                return "the first part was not seen before the rest was made"
            time.sleep(0.01)
        return f"rest made in {os.getpid()}"

    return Followed(os.getpid(), rest)


def failing_rest() -> Followed[int, None]:
    return Followed(1, lambda: refuse("late.md"))


@pytest.mark.timeout(30)
def test_a_followed_result_comes_back_in_two_parts_the_first_before_the_rest_is_made(tmp_path):
    """The print edition's PDF comes back before the store's record of its parts is made (print_edition.py)."""
    seen = tmp_path / "first part seen"
    with second_process(warm_up) as hand_over:
        followed = hand_over(first_then_waiting, str(seen))()
        seen.touch()
        assert followed.rest() == f"rest made in {followed.first}"
    assert followed.first != os.getpid() and not multiprocessing.active_children()
    with second_process(warm_up) as hand_over, pytest.raises(PublishError, match="no such piece"):
        hand_over(failing_rest)().rest()


done_ahead: list[str] = []


def note_ahead(text: str) -> None:
    done_ahead.append(text)


def fail_ahead(text: str) -> None:
    raise ValueError(text)


def what_was_done_ahead() -> tuple[list[str], int]:
    return list(done_ahead), os.getpid()


def test_work_handed_ahead_runs_first_in_the_second_process_and_its_failure_is_ignored():
    with second_process(warm_up) as hand_over:
        hand_over.ahead(note_ahead, lambda: "fonts")
        hand_over.ahead(fail_ahead, lambda: "a theme WeasyPrint cannot draw")
        hand_over.ahead(note_ahead, lambda: "hyphenation")
        done, pid = hand_over(what_was_done_ahead)()
    assert done == ["fonts", "hyphenation"] and pid != os.getpid()
    assert not done_ahead


def test_disabled_nothing_is_done_ahead_nor_its_argument_made():
    with second_process(warm_up, enabled=False) as hand_over:
        hand_over.ahead(note_ahead, lambda: pytest.fail("the argument made for nothing"))
        done, pid = hand_over(what_was_done_ahead)()
    assert (done, pid) == ([], os.getpid())
