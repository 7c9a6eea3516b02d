"""WeasyPrint functions recompiled from their own source with a few words changed, where a mend has no smaller place
to hook (weasyprint_footnotes.py, weasyprint_targets.py)."""

from __future__ import annotations

import inspect
import sys
import textwrap
from collections.abc import Callable
from typing import Any


def recompiled(function: Callable[..., Any], old: str, new: str) -> Callable[..., Any] | None:
    """``function`` with ``old`` in its source replaced by ``new``, compiled in its own module's namespace; None if
    its source does not hold ``old`` (a WeasyPrint this was not written for)."""
    source = textwrap.dedent(inspect.getsource(function))
    if old not in source:
        return None
    module = sys.modules[function.__module__]
    namespace: dict[str, Any] = {}
    exec(compile(source.replace(old, new), module.__file__ or function.__module__, "exec"), module.__dict__, namespace)
    return namespace[function.__name__]
