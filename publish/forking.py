"""What a process forked to do part of a build needs: to die with its parent, to send its errors back, and to
send a result in two parts (``Followed``).

Used by the pipeline's second process and by the print edition's layout
processes (which that second process forks).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
First = TypeVar("First")
Rest = TypeVar("Rest")


@dataclass(frozen=True)
class Followed(Generic[First, Rest]):
    """A result sent back as soon as it is made (``first``), and what the work makes once it is sent: ``rest``
    makes that where the work runs, and waits for it where the result is awaited."""

    first: First
    rest: Callable[[], Rest]


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies, even by SIGKILL (when none of the parent's clean-up
    runs)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the request: too late for the kernel to tell
            os._exit(1)


def rebuilds(error: Exception) -> bool:
    """Whether the parent can rebuild ``error`` from its pickle: one whose constructor wants more than its
    ``args`` pickles, but fails to unpickle, which would end the parent's wait in a TypeError of its own."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return True
