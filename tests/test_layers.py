"""Imports run one way: the base (errors, targets) → read → markup → render → outputs → pipeline → tools → the CLI.

Each module's imports are read from its source (every import, at the top,
inside a function or for type checking only), so a stage cannot reach up into
a later one, and nothing but the pipeline, the tools and the CLI uses the
pipeline.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "publish"
# Lower stages first; a module may import its own stage and those before it.
STAGES = ("base", "read", "request", "markup", "render", "outputs", "pipeline", "tools", "cli")
# Modules at the top of the package, by the stage they sit at.
TOP = {"errors": "base", "targets": "base", "forking": "base", "request": "request", "cli": "cli", "__main__": "cli"}


def stage_of(module: str) -> str:
    parts = module.split(".")
    return TOP[parts[1]] if len(parts) == 2 else parts[1]


def imports_of(path: Path) -> set[str]:
    """The package's own modules that ``path`` imports, by absolute name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("publish."):
            folder = ROOT.joinpath(*node.module.split("."))
            # "from publish.outputs import pdf" names modules; "from publish.read.config import X" names one.
            found.update(f"{node.module}.{alias.name}" for alias in node.names) if folder.is_dir() else found.add(
                node.module
            )
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("publish."))
    return found


def modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path
        for path in PACKAGE.rglob("*.py")
        if path.name != "__init__.py"
    }


def test_every_module_sits_in_a_stage():
    for name in modules():
        assert stage_of(name) in STAGES, f"{name} is in no stage: put it in one of {STAGES}"


def test_imports_run_from_earlier_stages_to_later_ones():
    against = set()
    for name, path in modules().items():
        for imported in imports_of(path):
            if STAGES.index(stage_of(imported)) > STAGES.index(stage_of(name)):
                against.add((name, imported))
    assert against == set(), "imports against the stages' direction"


def test_the_stage_packages_hold_only_their_docstring():
    """A no-op rebuild imports only what it needs: no package runs code, or imports, when it is entered."""
    for init in PACKAGE.rglob("__init__.py"):
        body = ast.parse(init.read_text(encoding="utf-8")).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), init
