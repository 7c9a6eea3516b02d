"""What a process forked to do part of a build needs: to die with its parent, and to send its errors back.

Used by the pipeline's second process and by the print edition's layout
processes (which that second process forks).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


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
