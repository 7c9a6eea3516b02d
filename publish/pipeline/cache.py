"""The record of the last build in a folder: what it was made from, and what it wrote.

A rebuild whose inputs have the same fingerprint (see pipeline/sources.py), and whose
outputs are still there unchanged, has nothing to do. Standard library only,
so that finding this out costs no more than hashing the inputs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

# What a build keeps beside its outputs: the store of remembered work and this record.
CACHE = Path(".cache")
RECORD = CACHE / "last-build.json"


@dataclass(frozen=True)
class Recorded:
    """What the last build wrote and said."""

    written: list[Path]
    guide: list[str]
    warnings: list[str]


def fresh_outputs(out_dir: Path, key: str) -> Recorded | None:
    """The last build's outputs, if it had this fingerprint and they are all still as it wrote them.

    A record that cannot be read, or is not what a build writes, means "not fresh": never an error.
    """
    record = _last_record(out_dir)
    if record is None or record["key"] != key:
        return None
    for name, digest in record["outputs"].items():
        path = out_dir / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return None
    return Recorded(
        named_outputs(out_dir, [out_dir / name for name in record["outputs"]]), record["guide"], record["warnings"]
    )


def named_outputs(out_dir: Path, paths: list[Path]) -> list[Path]:
    """What a build wrote, as a writer names it: each file in ``out_dir``, and each folder in it once (the web
    edition's), not every file inside."""
    return list(dict.fromkeys(out_dir / path.relative_to(out_dir).parts[0] for path in paths))


def last_outputs_size(out_dir: Path) -> int:
    """How many bytes the last build's outputs take (0 when there is no readable record): about what the next will."""
    record = _last_record(out_dir)
    if record is None:
        return 0
    paths = [out_dir / name for name in record["outputs"]]
    return sum(path.stat().st_size for path in paths if path.is_file())


def _last_record(out_dir: Path) -> dict | None:
    """The last build's record, or None if it cannot be read or is not what a build writes."""
    try:
        record = json.loads((out_dir / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if _well_formed(record) else None


def _inside(name: object) -> bool:
    """A name in the output folder, or in a folder of it: never one that leads out of it."""
    return isinstance(name, str) and bool(name) and not name.startswith("/") and ".." not in name.split("/")


def _well_formed(record: object) -> bool:
    def strings(value: object) -> bool:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    return (
        isinstance(record, dict)
        and isinstance(record.get("key"), str)
        and isinstance(record.get("outputs"), dict)
        and all(_inside(name) and isinstance(digest, str) for name, digest in record["outputs"].items())
        and strings(record.get("guide"))
        and strings(record.get("warnings"))
    )


def build_record(out_dir: Path, key: str, outputs: dict[Path, bytes], guide: list[str], warnings: list[str]) -> bytes:
    """The record to write beside ``outputs`` (files in ``out_dir``, or in a folder of it), in the same atomic
    step."""
    digests = {path.relative_to(out_dir).as_posix(): hashlib.sha256(data).hexdigest() for path, data in outputs.items()}
    return json.dumps({"key": key, "outputs": digests, "guide": guide, "warnings": warnings}, indent=1).encode("utf-8")
