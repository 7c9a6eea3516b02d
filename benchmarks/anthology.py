"""Synthetic anthologies: the sample pieces copied N times over, each copy with its own title.

Used by the benchmarks to measure how a build scales with the number of
pieces (N = 10, 100, 300), on text a real book has.

    python benchmarks/anthology.py 100 /tmp/anthology-100
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomlkit

SAMPLE = Path(__file__).resolve().parent.parent / "manuscript"


def make_anthology(pieces: int, target: Path, sample: Path = SAMPLE) -> Path:
    """Write a manuscript of ``pieces`` pieces into ``target`` (cycling through the sample's pieces)."""
    config = tomlkit.parse((sample / "book.toml").read_text(encoding="utf-8"))
    originals = list(config["pieces"])
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for number in range(1, pieces + 1):
        original = sample / originals[(number - 1) % len(originals)]
        name = f"{number:03d}-{original.name}"
        text = original.read_text(encoding="utf-8")
        # Distinct titles: the book refuses two pieces with one title.
        text = re.sub(
            r"^title: (.*)$",
            lambda m, number=number: f"title: {_numbered(m.group(1), number)}",
            text,
            count=1,
            flags=re.M,
        )
        (target / name).write_text(text, encoding="utf-8")
        names.append(name)
    config["pieces"] = names
    config["title"] = f"An Anthology of {pieces}"
    (target / "book.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    return target


def _numbered(title: str, number: int) -> str:
    quote = title[0] if title[:1] in "\"'" else ""
    bare = title.strip("\"'")
    return f"{quote}{bare} {number}{quote}"


if __name__ == "__main__":
    make_anthology(int(sys.argv[1]), Path(sys.argv[2]))
