"""WeasyPrint 70's ``target-counter()`` as it was designed: a page that prints another page's number is laid out
again only when that number changes.

Its branch for ``target-counter()`` in ``compute_content_list`` has two slips:

- It names the target of ``attr(href)`` None, so a target, once laid out,
  finds no box to tell its page number to.
- It rebinds the name of the box's own missing counters to the target's
  list, so every box that prints another element's page number counts as
  printing its own page's. Each page that holds one (a contents page, a
  spoiler warning's "skip to page") is laid out, then laid out again at
  once: that second layout is what put the right numbers there in the end.

Mended, the target is named as ``lookup_target`` names it and the lists are
kept apart. A page that refers to a later one is laid out again when that
page is laid out, as before; a part laid out on its own, which knows the
pages of the anchors in other parts beforehand (weasyprint_parts.py), lays
its contents out once. A long anthology's contents took twice as long
without it. tests/test_parts.py compares the book page by page with a
layout in one document.
"""

from __future__ import annotations

import weasyprint

from publish.outputs.weasyprint_source import recompiled

TARGETS_MISSING = """\
                anchor_name = targets.anchor_name_from_token(anchor_token)
                missing_counters = missing_target_counters.setdefault(
                    anchor_name, [])
                if counter_name not in missing_counters:
                    missing_counters.append(counter_name)
"""
# The anchor named as TargetCollector.lookup_target finds it, and the target's list under a name of its own.
TARGETS_MISSING_MENDED = """\
                named = anchor_token
                if anchor_token[0] == 'attr()':
                    attr_name, attr_type, fallback = anchor_token[1]
                    attr_value = parent_box.element.get(attr_name, fallback)
                    named = ('url', targets.get_url_tuple(attr_value, parent_box.style.base_url)) if (
                        attr_type == 'url') else ('string', attr_value)
                anchor_name = targets.anchor_name_from_token(named)
                target_missing = missing_target_counters.setdefault(anchor_name, [])
                if counter_name not in target_missing:
                    target_missing.append(counter_name)
"""


def number_targets_once() -> None:
    build = weasyprint.formatting_structure.build
    mended = recompiled(build.compute_content_list, TARGETS_MISSING, TARGETS_MISSING_MENDED)
    if mended is not None:
        build.compute_content_list = mended
