"""Where the default theme is: the installed package's copy, or the repository's ``styles/`` in a checkout.

The theme's source stays at the repository's top, where a designer looks
for it; a wheel carries it inside the package as ``publish/styles/`` (see
pyproject.toml), since a normal install has no repository beside it. An
editable install or a checkout has no ``publish/styles/``, and reads the
repository's folder, so that a change to the theme shows at the next build.
Standard library only: the no-op rebuild's fingerprint (pipeline/sources.py)
reads this too.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED_THEME = Path(__file__).resolve().parent.parent / "styles"
CHECKOUT_THEME = PACKAGED_THEME.parent.parent / "styles"
# The theme this project ships (another is a folder given with --styles), whose locales every theme falls back to.
DEFAULT_THEME = PACKAGED_THEME if PACKAGED_THEME.is_dir() else CHECKOUT_THEME
