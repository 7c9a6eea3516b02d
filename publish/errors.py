"""The one error type of the pipeline: bad input, reported as a single line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class PublishError(Exception):
    """A problem with the writer's input, located by file and, where known, line.

    The CLI prints ``str(error)`` and exits 1; it never shows a traceback for
    these unless ``--debug`` is given.
    """

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        return located(self.message, self.path, self.line)

    def __reduce__(self) -> tuple:
        """Keep file and line when the error crosses from the print process to the main one."""
        return (PublishError, (self.message, self.path, self.line))


@dataclass(frozen=True)
class PublishWarning:
    """Something the build changed or left out of the writer's input, and where.

    The build goes on; the CLI prints each warning on a line of its own.
    """

    message: str
    path: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        return located(self.message, self.path, self.line)


def located(message: str, path: Path | None, line: int | None) -> str:
    """``file:line: message``, as compilers say it."""
    if path is None:
        return message
    where = display_path(path)
    if line is not None:
        where = f"{where}:{line}"
    return f"{where}: {message}"


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it lies under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def line_of_key(text: str, key: str) -> int | None:
    """The 1-based line on which ``key`` is assigned in a TOML or YAML text."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped.startswith(key):
            rest = stripped[len(key) :].lstrip()
            if rest.startswith(("=", ":")):
                return number
    return None
