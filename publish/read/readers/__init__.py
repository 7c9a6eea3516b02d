"""One module per kind of piece file, each registering itself with ``read/piece_readers.py`` when imported."""
