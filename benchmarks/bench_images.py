"""How much memory a build needs for huge images: refused from the header, or accepted and fitted.

Each build runs in a process of its own, so that its peak (with the print
edition's process) is its own, not the images' making. Targets live here,
not in the tests. Run with `make bench`; results go in NOTES.md.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

from PIL import Image

from publish.errors import PublishError
from publish.pipeline.build import BuildRequest, build
from publish.read.config import DEFAULT_THEME

TARGETS = {
    "the same book with no image, peak memory, MiB": 500.0,
    "12,000² PNG (refused), peak memory, MiB": 500.0,
    "49 MP PNG + 35 MP JPEG (fitted), peak memory, MiB": 500.0,
    "the same, rebuilt from the store, peak memory, MiB": 500.0,
}
PIECE = '---\ntitle: "Pictures"\n---\nOpening.\n\n{images}\n'


def streamed_png(path: Path, width: int, height: int) -> None:
    """An RGB PNG written a row at a time: a 12,000² picture without 430 MB in this process."""
    row = bytes(range(256)) * (width * 3 // 256 + 2)
    packer = zlib.compressobj(6)
    data = b"".join(packer.compress(b"\0" + row[y % 256 : y % 256 + width * 3]) for y in range(height)) + packer.flush()

    def chunk(name: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + name + body + zlib.crc32(name + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def book(root: Path, images: dict[str, str]) -> Path:
    root.mkdir()
    (root / "book.toml").write_text(
        'title = "Pictures"\nauthors = ["A. Writer"]\nlanguage = "en"\npieces = ["pictures.md"]\n'
    )
    (root / "pictures.md").write_text(
        PIECE.format(images="\n\n".join(f"![{alt}]({name})" for name, alt in images.items()))
    )
    return root


def measure(manuscript: str, out: str) -> None:
    """In the child: build, then print the outcome, the time and the peak memory as JSON."""
    start = time.perf_counter()
    try:
        build(Path(manuscript), DEFAULT_THEME, Path(out), BuildRequest(), lambda *args: None)
        outcome = "built"
    except PublishError as error:
        outcome = error.message
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - start, "peak": peak}))


def measured(manuscript: Path, out: Path) -> dict:
    run = subprocess.run(
        [sys.executable, __file__, "--measure", str(manuscript), str(out)], capture_output=True, text=True, check=True
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        refused = book(folder / "refused", {"huge.png": "a huge picture"})
        streamed_png(refused / "huge.png", 12_000, 12_000)
        accepted = book(folder / "accepted", {"square.png": "a large square", "photo.jpg": "a large photo"})
        streamed_png(accepted / "square.png", 7_000, 7_000)
        Image.linear_gradient("L").resize((7_000, 5_000)).convert("RGB").save(accepted / "photo.jpg", quality=90)
        print(
            f"12,000² PNG: {(refused / 'huge.png').stat().st_size / 1024:,.0f} KB; 7,000² PNG: "
            f"{(accepted / 'square.png').stat().st_size / 1e6:.1f} MB; 7,000 × 5,000 JPEG: "
            f"{(accepted / 'photo.jpg').stat().st_size / 1e6:.1f} MB"
        )
        runs = {
            "the same book with no image, peak memory, MiB": measured(book(folder / "plain", {}), folder / "out-plain"),
            "12,000² PNG (refused), peak memory, MiB": measured(refused, folder / "out-refused"),
            "49 MP PNG + 35 MP JPEG (fitted), peak memory, MiB": measured(accepted, folder / "out-accepted"),
            "the same, rebuilt from the store, peak memory, MiB": measured(accepted, folder / "out-accepted"),
        }
    failed = 0
    for name, run in runs.items():
        target = TARGETS[name]
        ok = run["peak"] <= target
        failed += not ok
        print(
            f"{'ok  ' if ok else 'OVER'}  {name:<52} {run['peak']:8.1f}  (target ≤ {target:g}; {run['seconds']:.2f} s: "
            f"{run['outcome'][:90]})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(*sys.argv[2:4])
        sys.exit(0)
    sys.exit(main())
