"""A piece's YAML front matter read, or recalled from the memo.

PyYAML is slow to import and to run, and a piece's front matter rarely
changes between builds: what was read before is kept as plain JSON (dates
tagged, since JSON has none) and read back without YAML. What the keys
mean is config.py's; this module only turns the block into Python values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any

from publish.errors import PublishError
from publish.read.remembering import Remembering


def read_yaml(block: str, path: Path, memo: Remembering | None = None) -> Any:
    """The front matter ``block`` (between its ``---`` lines) as Python values; with a ``memo``, a block read
    before is not parsed again."""
    return _read_yaml(block, path) if memo is None else _remembered(block, path, memo)


def _remembered(block: str, path: Path, memo: Remembering) -> Any:
    """Front matter read before, as plain JSON (dates tagged), or read now; what JSON cannot carry as it is
    (a key that is not a string, a set, bytes) is not remembered, so that it is refused the same way every time."""
    key = memo.key("front matter", block)
    stored = memo.get(key, f"front matter:{path.name}")
    if stored is not None:
        return json.loads(stored, object_hook=_untagged)
    data = _read_yaml(block, path)
    with contextlib.suppress(ValueError):
        memo.put(key, json.dumps(_tagged(data), allow_nan=False).encode("utf-8"))
    return data


DATE_TAG = "\0date"
DATETIME_TAG = "\0datetime"


def _tagged(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {DATETIME_TAG: value.isoformat()}
    if isinstance(value, dt.date):
        return {DATE_TAG: value.isoformat()}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("a key that is not a string")
        return {key: _tagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_tagged(item) for item in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError(f"not JSON: {type(value).__name__}")


def _untagged(mapping: dict[str, Any]) -> Any:
    if DATETIME_TAG in mapping:
        return dt.datetime.fromisoformat(mapping[DATETIME_TAG])
    if DATE_TAG in mapping:
        return dt.date.fromisoformat(mapping[DATE_TAG])
    return mapping


def _read_yaml(block: str, path: Path) -> Any:
    """YAML's mapping, or a PublishError naming the line. PyYAML is imported here, only for front matter the
    memo has not seen: a rebuild that changed no front matter never loads it. Its C parser (libyaml, in
    PyYAML's wheels) reads the same YAML about ten times as fast as its Python one."""
    import yaml

    try:
        return yaml.load(block, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise PublishError(f"invalid YAML front matter: {problem}", path, line) from None
    except ValueError as error:  # a date that is no date, a number too long to read
        raise PublishError(f"invalid YAML front matter: {error}", path) from None
