"""What the stages ask of the store of remembered work, without depending on the pipeline that keeps it.

The pipeline hands each stage its store (``pipeline.memo.Memo``); a stage
given none does all its work afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Remembering(Protocol):
    def key(self, *parts: str) -> str:
        """A key for work made from ``parts`` (and from everything else the store is salted with)."""

    def get(self, key: str, label: str) -> bytes | None:
        """What was stored under ``key``, if it is there and passes its check; ``label`` names it in reports."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` when the build ends."""

    def remember(self, key: str, label: str, make: Callable[[], bytes]) -> bytes:
        """What is stored under ``key``, or ``make()``'s, stored for next time."""
