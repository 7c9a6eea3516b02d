"""The sanitizer on tiny pieces of raw HTML: what it removes, what it keeps, and what it tells the writer.

Each case runs markup/sanitize.py alone (no build), and asserts on its exact
output and warnings, line numbers included.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from publish.markup.sanitize import sanitize, sanitize_inline, strip_bidi_overrides, svg_problem, xhtml_content
from publish.read.config import PieceMeta
from publish.read.manuscript import Piece

# The piece's body starts on line 3 of its file, as after two lines of front matter.
BODY_LINE = 3


def piece(body: str) -> Piece:
    return Piece(
        id="p", path=Path("/nowhere/p.md"), format="markdown", meta=PieceMeta(title="T"), body=body, body_line=BODY_LINE
    )


def cleaned(html: str) -> tuple[str, list[tuple[str, int | None]]]:
    """The sanitized HTML, and each warning as (message, line)."""
    out, warnings = sanitize(html, piece(html))
    return out, [(warning.message, warning.line) for warning in warnings]


CODE = "pieces cannot run code or embed other documents"


@pytest.mark.parametrize(
    ("raw", "kept", "warning"),
    [
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>", f"removed <script> and its content: {CODE}"),
        ("<p>a<SCRIPT>b</SCRIPT>c</p>", "<p>ac</p>", f"removed <script> and its content: {CODE}"),
        ("<iframe src='x'></iframe><p>after</p>", "<p>after</p>", f"removed <iframe> and its content: {CODE}"),
        ("<p><svg><script>1</script></svg>z</p>", "<p>z</p>", f"removed <svg> and its content: {CODE}"),
        ("<p><math><mi>x</mi></math>y</p>", "<p>y</p>", f"removed <math> and its content: {CODE}"),
        ("<p><br/>x<meta/>y</p>", "<p><br>xy</p>", f"removed <meta>: {CODE}"),
    ],
)
def test_active_and_embedding_elements_go_with_their_content(raw, kept, warning):
    assert cleaned(raw) == (kept, [(warning, BODY_LINE)])


def test_an_unknown_tag_is_unwrapped_and_its_words_kept():
    assert cleaned("<p><blink>hi</blink></p>") == (
        "<p>hi</p>",
        [("removed the <blink> tag (its text is kept): it is not allowed in a book", BODY_LINE)],
    )


def test_an_event_handler_goes_and_the_element_stays():
    assert cleaned('<p onclick="x()" class="c">t</p>') == (
        '<p class="c">t</p>',
        [("removed the onclick event handler of <p>: pieces cannot run code", BODY_LINE)],
    )


def test_attributes_not_allowed_go_one_warning_each():
    assert cleaned('<p><a href="#x" title="t" target="_blank" rel="x">a</a></p>') == (
        '<p><a href="#x" title="t">a</a></p>',
        [
            ("removed the target attribute of <a>: it is not allowed in a book", BODY_LINE),
            ("removed the rel attribute of <a>: it is not allowed in a book", BODY_LINE),
        ],
    )


@pytest.mark.parametrize(
    ("raw", "kept", "scheme"),
    [
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>", "javascript"),
        ('<img src="data:image/png;base64,AAAA" alt="x">', '<img alt="x">', "data"),
    ],
)
def test_addresses_in_a_scheme_a_book_cannot_follow_are_removed(raw, kept, scheme):
    tag = "a" if raw.startswith("<a") else "img"
    warning = f"removed a {scheme}: address from <{tag}>: pieces cannot run code or load it"
    assert cleaned(raw) == (kept, [(warning, BODY_LINE)])


def test_web_and_file_addresses_pass_for_the_resource_policy_to_judge():
    """file: is kept here so that the policy refuses it later with the piece and line, not silently."""
    assert cleaned('<a href="https://example.org/">x</a><a href="file:///etc/passwd">y</a>') == (
        '<a href="https://example.org/">x</a><a href="file:///etc/passwd">y</a>',
        [],
    )


def test_the_one_inline_style_kept_is_a_table_columns_alignment():
    assert cleaned('<table><tr><td style="text-align: center; color: red">x</td></tr></table>') == (
        '<table><tbody><tr><td style="text-align:center">x</td></tr></tbody></table>',
        [],
    )


def test_comments_go_silently():
    assert cleaned("<p>a<!-- secret -->b</p>") == ("<p>ab</p>", [])


def test_notes_ruby_and_semantic_attributes_are_kept_as_written():
    raw = (
        '<aside epub:type="footnote" role="doc-footnote" id="n1">n</aside>'
        "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>"
    )
    assert cleaned(raw) == (raw, [])


def test_a_removal_is_reported_on_its_own_line():
    assert cleaned("<p>one</p>\n<form><input name=a></form>\n<p>two</p>") == (
        "<p>one</p>\n\n<p>two</p>",
        [(f"removed <form> and its content: {CODE}", BODY_LINE + 1)],
    )


def test_metadata_keeps_inline_formatting_and_a_language_only():
    assert (
        sanitize_inline('A <em>b</em> <a href="x">c</a> <script>d</script><span lang="fr" class="x">e</span>')
        == 'A <em>b</em> c <span lang="fr">e</span>'
    )


def test_bidi_overrides_are_stripped_with_a_warning_on_their_line():
    body = "ab\nc\u202ed\ne"
    text, warnings = strip_bidi_overrides(body, piece(body))
    assert text == "ab\ncd\ne"
    assert [warning.line for warning in warnings] == [BODY_LINE + 1]


def test_xhtml_content_writes_xml_and_never_a_self_closed_span():
    container = lxml.html.fragment_fromstring("<p>a&nbsp;b<br>c<span></span></p>", create_parent="div")
    assert xhtml_content(container) == "<p>a\u00a0b<br/>c<span></span></p>"


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"{}>{}</svg>'


@pytest.mark.parametrize(
    ("attributes", "inside", "problem"),
    [
        ("", '<rect width="1" height="1" fill="url(#g)"/>', None),
        ("", "<script>x</script>", "contains <script>, which a book cannot carry: remove it from the SVG"),
        (' onload="x()"', "", "has script in its onload attribute, which a book cannot carry: remove it from the SVG"),
        (
            "",
            '<image xlink:href="http://e/x.png"/>',
            "refers to 'http://e/x.png': an SVG in a book must carry its images inside it, as PNG or JPEG data",
        ),
        (
            "",
            '<rect fill="url(other.svg#g)"/>',
            "refers to another file in its fill attribute: an SVG in a book must be self-contained",
        ),
    ],
)
def test_an_svg_must_be_self_contained_and_inert(attributes, inside, problem):
    assert svg_problem(SVG.format(attributes, inside).encode()) == problem


def test_an_svg_with_a_doctype_or_cut_short_is_refused():
    doctype = b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>'
    assert svg_problem(doctype) == "has a DOCTYPE, which may load other files: remove it from the SVG"
    assert (svg_problem(b"<svg") or "").startswith("is not a well-formed SVG file (")
