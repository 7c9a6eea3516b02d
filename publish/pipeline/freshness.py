"""Whether a build has anything to do, decided in one place for ``publish build`` and ``publish serve``.

Light to import: finding that nothing changed costs hashing the inputs
(pipeline/sources.py) and reading the last record (pipeline/cache.py); the
rest of the pipeline is imported only when there is something to build.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from publish.pipeline.cache import Recorded, fresh_outputs
from publish.pipeline.sources import fingerprint
from publish.request import BuildRequest

if TYPE_CHECKING:
    from publish.outputs.print_edition import StageReport
    from publish.pipeline.build import BuildResult, Preview


def build_if_stale(
    manuscript_dir: Path,
    theme_dir: Path,
    out_dir: Path,
    request: BuildRequest,
    report: StageReport,
    fresh: bool = False,
    preview: Preview | None = None,
) -> BuildResult | Recorded:
    """What the last build into ``out_dir`` recorded, if its outputs are still those these inputs make; else a
    new build's result. ``fresh`` builds whatever is there, using nothing earlier builds stored; a ``preview`` is
    shown a new build's pages and PDF as they come (build.Preview)."""
    key = fingerprint(manuscript_dir, theme_dir, out_dir, request)
    recorded = None if fresh else fresh_outputs(out_dir, key)
    if recorded:
        return recorded
    from publish.pipeline.build import build

    return build(manuscript_dir, theme_dir, out_dir, request, report, key, fresh=fresh, preview=preview)
