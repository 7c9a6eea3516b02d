"""Raw HTML fitted to HTML's content model, on tiny trees: every word kept, every element where it may stand.

Each case parses its HTML as XML (so the tree is exactly as written, with no
parser's repairs), runs markup/structure.py alone, and asserts on the exact
result and on what it reports as misplaced.
"""

from __future__ import annotations

import pytest
from lxml import etree

from publish.markup.sanitize import xhtml_content
from publish.markup.structure import add_class, first_words, fit_content_model


def fit(html: str) -> tuple[str, list[tuple[str, str, bool, str]]]:
    """The fitted HTML, and each misplaced element as (tag, parent's tag, at the top level, first words)."""
    container = etree.fromstring(f"<div>{html}</div>")
    misplaced = fit_content_model(container)
    return xhtml_content(container), [(m.tag, m.parent_tag, m.at_top_level, m.first_words) for m in misplaced]


def test_a_list_item_outside_a_list_becomes_a_div_keeping_its_words():
    assert fit("<li>stray item</li>") == ("<div>stray item</div>", [("li", "div", True, "stray item")])


def test_a_neutral_element_keeps_only_neutral_attributes():
    assert fit('<li class="c" value="3" id="i" lang="fr">z</li>') == (
        '<div class="c" id="i" lang="fr">z</div>',
        [("li", "div", True, "z")],
    )


def test_a_block_inside_a_line_becomes_a_span_with_a_space_after_it():
    """Its last word would otherwise run into the next one."""
    assert fit("<p><em><p>inner</p></em>after</p>") == (
        "<p><em><span>inner</span> </em>after</p>",
        [("p", "em", False, "inner")],
    )


def test_a_transparent_link_takes_its_parents_content_model():
    assert fit('<div><a href="#x"><p>d</p></a></div>') == ('<div><a href="#x"><p>d</p></a></div>', [])
    assert fit('<p><a href="#x"><div>d</div></a></p>') == (
        '<p><a href="#x"><span>d</span> </a></p>',
        [("div", "a", False, "d")],
    )


def test_loose_content_in_a_list_is_wrapped_in_items():
    assert fit("<ul>loose<li>a</li><p>para</p>between<li>b</li></ul>") == (
        "<ul><li>loose</li><li>a</li><li><p>para</p></li><li>between</li><li>b</li></ul>",
        [],
    )


def test_a_cell_loose_in_a_table_gets_its_row():
    assert fit("<table><td>x</td></table>") == ("<table><tr><td>x</td></tr></table>", [])


def test_a_row_outside_a_table_becomes_divs_inside_out():
    assert fit("<tr><td>x</td></tr>") == (
        "<div><div>x</div></div>",
        [("tr", "div", True, "x"), ("td", "div", False, "x")],
    )


def test_a_list_inside_a_heading_becomes_spans():
    assert fit("<h2>t<ul><li>x</li></ul></h2>") == (
        "<h2>t<span><span>x</span> </span> </h2>",
        [("ul", "h2", False, "x"), ("li", "span", False, "x")],
    )


def test_a_caption_moves_to_the_top_of_its_table():
    assert fit("<table><tr><td>a</td></tr><caption>cap</caption></table>") == (
        "<table><caption>cap</caption><tr><td>a</td></tr></table>",
        [],
    )


def test_a_second_caption_is_neutral_and_wrapped_as_the_table_needs():
    assert fit("<table><caption>a</caption><caption>b</caption><tr><td>1</td></tr></table>") == (
        "<table><caption>a</caption><tr><td><div>b</div></td></tr><tr><td>1</td></tr></table>",
        [("caption", "table", False, "b")],
    )


def test_a_figure_caption_in_the_middle_moves_to_the_end():
    assert fit("<figure><p>p</p><figcaption>c</figcaption><p>q</p></figure>") == (
        "<figure><p>p</p><p>q</p><figcaption>c</figcaption></figure>",
        [],
    )


def test_a_figure_caption_first_or_last_stays_and_a_second_one_is_neutral():
    assert fit("<figure><figcaption>1</figcaption><p>p</p><figcaption>2</figcaption></figure>") == (
        "<figure><figcaption>1</figcaption><p>p</p><div>2</div></figure>",
        [("figcaption", "figure", False, "2")],
    )


def test_definitions_with_no_term_before_them_leave_the_list():
    assert fit("<dl><dd>no term</dd><dt>t</dt><dd>d</dd></dl>") == (
        '<div class="definition">no term</div><dl><dt>t</dt><dd>d</dd></dl>',
        [],
    )


def test_a_list_of_only_untermed_definitions_is_gone_and_its_words_and_tail_kept():
    assert fit("<p>x</p><dl><dd>only</dd></dl>after") == ('<p>x</p><div class="definition">only</div>after', [])


def test_valid_markup_is_left_exactly_as_it_was():
    valid = '<p>a <em>b</em></p><ol start="3"><li><p>c</p></li></ol><dl><dt>t</dt><dd>d</dd></dl><hr/>'
    assert fit(valid) == (valid, [])


@pytest.mark.parametrize(("before", "after"), [(None, "x"), ("aside", "aside x")])
def test_add_class_keeps_the_writers_classes(before, after):
    element = etree.Element("p", **({"class": before} if before else {}))
    add_class(element, "x")
    assert element.get("class") == after


def test_first_words_are_the_first_text_cut_to_forty_letters():
    element = etree.fromstring("<p> <b> </b>  hello world " + "x" * 60 + "</p>")
    assert first_words(element) == "hello world " + "x" * 28
