"""Markdown pieces: read as UTF-8 text, converted by Python-Markdown with the book's extensions (markup/)."""

from __future__ import annotations

from publish.read.piece_readers import PieceReader, register

MARKDOWN = register(PieceReader(format="markdown", suffixes=(".md", ".markdown"), label="Markdown"))
