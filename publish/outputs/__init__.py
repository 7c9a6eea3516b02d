"""Outputs: the PDF (laid out, imposed) and the EPUB, each read back before it may replace the last good one."""
