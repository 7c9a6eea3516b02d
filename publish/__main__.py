"""``python -m publish``: the same command as ``publish``."""

from publish.cli import main

main()
