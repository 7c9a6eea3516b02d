"""Plain-text pieces: read as UTF-8 text, whose paragraphs and dialogue lines markup/ sets without Markdown."""

from __future__ import annotations

from publish.read.piece_readers import PieceReader, register

TEXT = register(PieceReader(format="text", suffixes=(".txt",), label="plain text"))
