"""The print edition as a PDF: laid out and written in the second process (see outputs/print_edition.py)."""

from __future__ import annotations

from publish.outputs.registry import OutputFormat, register

PDF = register(OutputFormat(name="pdf", suffix=".pdf", target="print", printed=True))
