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


def chapters_for_pandoc(manuscript: Path, target: Path) -> list[Path]:
    """The anthology's pieces as pandoc is to read them: each a file of its own that opens with its title as a
    level-one heading (its front matter taken off), so that pandoc builds what this project builds, a chapter a
    piece, not one long chapter with every piece's metadata merged."""
    target.mkdir(parents=True, exist_ok=True)
    chapters = []
    for name in tomlkit.parse((manuscript / "book.toml").read_text(encoding="utf-8"))["pieces"]:
        text = (manuscript / name).read_text(encoding="utf-8")
        front = re.match(r"---\n(.*?)\n---\n", text, re.S)
        title = re.search(r"^title: *[\"']?(.*?)[\"']?$", front.group(1), re.M) if front else None
        body = text[front.end() :] if front else text
        chapter = target / (Path(name).stem + ".md")
        chapter.write_text(f"# {title.group(1) if title else Path(name).stem}\n\n{body}", encoding="utf-8")
        chapters.append(chapter)
    return chapters


def _numbered(title: str, number: int) -> str:
    quote = title[0] if title[:1] in "\"'" else ""
    bare = title.strip("\"'")
    return f"{quote}{bare} {number}{quote}"


if __name__ == "__main__":
    make_anthology(int(sys.argv[1]), Path(sys.argv[2]))
