"""How long the sample book takes to build, and how much memory it needs.

Targets live here, not in the tests: a slow machine should not fail CI.
Run with `make bench`.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from publish.pipeline.build import BuildRequest, build
from publish.read.config import DEFAULT_THEME

MANUSCRIPT = Path(__file__).resolve().parent.parent / "manuscript"
RUNS = 3
TARGETS = {
    "full build (pdf + epub), seconds": 8.0,
    "zine imposition on top, seconds": 3.0,
    "peak memory, MiB": 600.0,
}


def timed(request: BuildRequest) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        build(MANUSCRIPT, DEFAULT_THEME, Path(out), request, lambda *args: None)
        return time.perf_counter() - start


def main() -> int:
    timed(BuildRequest())  # warm caches: fonts, imports
    # WeasyPrint loaded here, as publish serve loads it, so each build's layout process inherits it: the
    # warm-up alone loads it only in the process it forks.
    from publish.outputs.print_edition import load_layout_modules

    load_layout_modules()

    full = statistics.median(timed(BuildRequest()) for _ in range(RUNS))
    zine = statistics.median(timed(BuildRequest(formats=("pdf",), impose="saddle")) for _ in range(RUNS))
    pdf_only = statistics.median(timed(BuildRequest(formats=("pdf",))) for _ in range(RUNS))
    # The print edition is laid out in a second process: the peak is the larger of the two.
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    measured = {
        "full build (pdf + epub), seconds": full,
        "zine imposition on top, seconds": zine - pdf_only,
        "peak memory, MiB": peak,
    }
    failed = 0
    for name, value in measured.items():
        target = TARGETS[name]
        ok = value <= target
        failed += not ok
        print(f"{'ok  ' if ok else 'SLOW'}  {name:<36} {value:8.2f}  (target ≤ {target})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
