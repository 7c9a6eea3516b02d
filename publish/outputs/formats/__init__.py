"""One module per output format, each registering itself with ``outputs/registry.py`` when imported."""
