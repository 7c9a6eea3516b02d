"""Outputs: the PDF (laid out, imposed) and the EPUB, each read back before it may replace the last good one."""

from publish.outputs.system_libraries import find_libraries_in_linker_cache

# Before anything here imports WeasyPrint, which looks its libraries up as it is imported.
find_libraries_in_linker_cache()
