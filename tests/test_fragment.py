"""The last pass over a piece's HTML, on tiny fragments: ids, links, images, attribute values, direction, breaks.

Each case runs markup/fragment.py's ``finish_fragment`` alone (no build) on a
piece in a temporary book folder, and asserts on the exact XHTML it writes,
the images and warnings it returns, or the error it raises and its line.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image as PILImage

from publish.errors import PublishError
from publish.markup.fragment import Image, finish_fragment, link_across
from publish.read.config import PieceMeta
from publish.read.manuscript import Piece
from publish.read.resources import ResourcePolicy


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A book folder with a real PNG, a file that only says it is one, and a BMP."""
    root = tmp_path / "book"
    root.mkdir()
    png = io.BytesIO()
    PILImage.new("RGB", (4, 4)).save(png, "PNG")
    (root / "dot.png").write_bytes(png.getvalue())
    (root / "fake.png").write_bytes(b"not an image")
    (root / "dot.bmp").write_bytes(png.getvalue())
    return root


def finish(book: Path, html: str, target: str = "epub", body: str | None = None):
    """The XHTML, images, images still to decode (src, line) and warnings (message, line) for ``html``.

    The piece's body is ``body`` (or ``html`` itself) from line 1 of book/p.md; the book has one other piece,
    other.md.
    """
    piece = Piece(
        id="p", path=book / "p.md", format="markdown", meta=PieceMeta(title="T"), body=body or html, body_line=1
    )
    xhtml, images, checks, warnings = finish_fragment(
        html, piece, target, ResourcePolicy(roots=(book,)), {str(book / "other.md"): "other"}
    )
    return xhtml, images, [(c.src, c.line) for c in checks], [(w.message, w.line) for w in warnings]


def refusal(book: Path, html: str, body: str | None = None) -> tuple[str, int | None]:
    with pytest.raises(PublishError) as error:
        finish(book, html, body=body)
    return error.value.message, error.value.line


def epub_name(book: Path, name: str) -> str:
    """An image's name inside the EPUB: its stem and a digest of its path."""
    path = book / name
    return f"images/{path.stem}-{hashlib.sha256(str(path).encode()).hexdigest()[:8]}{path.suffix}"


def test_ids_are_prefixed_with_the_piece_and_made_unique(book):
    assert finish(book, '<h2 id="a">A</h2><p id="a">x</p>')[0] == '<h2 id="p-a">A</h2><p id="p-a-2">x</p>'


def test_a_link_to_a_heading_of_the_piece_follows_its_prefixed_id(book):
    assert finish(book, '<h2 id="h">H</h2><p><a href="#h">back</a></p>')[0] == (
        '<h2 id="p-h">H</h2><p><a href="#p-h">back</a></p>'
    )


def test_a_link_to_no_id_is_an_error_naming_the_ids_there_are(book):
    assert refusal(book, '<p><a href="#nowhere">l</a></p>\n<h2 id="h">x</h2>') == (
        "the link to '#nowhere' goes nowhere: no heading or anchor in this piece has that id (this piece has #h)",
        1,
    )


def test_a_link_to_another_piece_leads_to_its_file_in_the_epub_and_its_id_in_print(book):
    html = '<p><a href="other.md#sec">l</a></p>'
    marks = 'class="piece-link" data-link-source="other.md#sec" data-link-piece="other"'
    assert finish(book, html)[0] == f'<p><a href="other.xhtml#other-sec" {marks}>l</a></p>'
    assert finish(book, html, "print")[0] == f'<p><a href="#other-sec" {marks}>l</a></p>'
    assert finish(book, html, "web")[0] == f'<p><a href="other.html#other-sec" {marks}>l</a></p>'


def test_a_link_to_a_file_outside_the_book_keeps_its_words_with_a_warning(book):
    assert finish(book, '<p><a href="page.html">l</a></p>') == (
        "<p>l</p>",
        [],
        [],
        [
            (
                "the link to 'page.html' leads to a web page, not into the book: its words are kept as plain text "
                "(link to a web address, https://…, another piece, other.md, or a heading, #…)",
                1,
            )
        ],
    )


def test_web_and_mail_addresses_stay_as_written(book):
    html = '<p><a href="https://example.org/a?b=c">w</a> <a href="mailto:a@b.example">m</a></p>'
    assert finish(book, html)[0] == html


@pytest.mark.parametrize(
    ("href", "message"),
    [
        ("https://exa mple.org", "the link to 'https://exa mple.org' is not a valid web address"),
        (
            "ftp://example.org/f",
            "the link to 'ftp://example.org/f' leads out of the book: link to a web address (https://…), another piece "
            "(other.md) or a heading in this piece (#…)",
        ),
    ],
)
def test_a_link_no_book_can_follow_is_an_error_on_its_line(book, href, message):
    assert refusal(book, f'<p>x</p>\n<p><a href="{href}">l</a></p>') == (message, 2)


def test_attribute_values_an_epub_refuses_are_dropped_and_valid_ones_kept(book):
    html = '<p dir="sideways" lang="12" style="color:red">x</p><ol start="3" type="i"><li value="x">y</li></ol>'
    assert finish(book, html)[0] == '<p>x</p><ol start="3" type="i"><li>y</li></ol>'


def test_misplaced_elements_are_reported_on_their_line(book):
    assert finish(book, "<p>a</p>\n<li>stray</li>") == (
        "<p>a</p>\n<div>stray</div>",
        [],
        [],
        [("<li> may not stand at the top level: it was made a plain div or span, its words kept", 2)],
    )


def test_a_right_to_left_paragraph_is_marked_rtl(book):
    assert finish(book, "<p>שלום עולם</p><p>hello</p>")[0] == '<p dir="rtl">שלום עולם</p><p>hello</p>'


def test_a_long_run_gets_break_opportunities_in_print_only(book):
    html = "<p>" + "a" * 60 + "</p>"
    assert finish(book, html)[0] == html
    assert finish(book, html, "print")[0] == "<p>" + "<wbr/>".join(["a" * 24, "a" * 24, "a" * 12]) + "</p>"


def test_an_image_is_named_for_the_epub_and_given_to_print_by_its_file(book):
    html = '<p><img src="dot.png" alt="A dot"/></p>'
    name, source = epub_name(book, "dot.png"), (book / "dot.png").as_uri()
    assert finish(book, html) == (
        f'<p><img src="{name}" alt="A dot"/></p>',
        [Image(source=source, epub_name=name)],
        [("dot.png", 1)],
        [],
    )
    assert finish(book, html, "print")[0] == f'<p><img src="{source}" alt="A dot"/></p>'


def test_a_decorative_image_needs_no_description(book):
    assert finish(book, '<p><img src="dot.png" class="decorative"/></p>')[0] == (
        f'<p><img src="{epub_name(book, "dot.png")}" class="decorative" alt="" role="presentation"/></p>'
    )


@pytest.mark.parametrize(
    ("img", "message"),
    [
        (
            '<img src="dot.png"/>',
            "image 'dot.png' has no alt text: describe it, as in ![what it shows](dot.png), "
            "or mark it {: .decorative }",
        ),
        (
            '<img src="fake.png" alt="x"/>',
            "image 'fake.png' is not what its name says (not an image): rename or convert it",
        ),
        (
            '<img src="dot.bmp" alt="x"/>',
            "image 'dot.bmp' is not a JPEG, PNG, GIF, WebP or SVG file, which every e-reader shows",
        ),
        (
            '<img src="../outside.png" alt="x"/>',
            "image '../outside.png' lies outside the manuscript and styles folders",
        ),
        (
            '<img alt="x"/>',
            "an image has no source (a data: or other address a book cannot load is removed): "
            "keep the image as a file beside the piece",
        ),
    ],
)
def test_images_a_book_cannot_carry_are_refused_on_their_line(book, img, message):
    assert refusal(book, f"<p>text</p>\n<p>{img}</p>") == (message, 2)


def test_a_character_reference_no_xml_may_hold_is_refused_on_its_line(book):
    body = "first\n\na &#xFFFE; b"
    assert refusal(book, "<p>first</p><p>a &#xFFFE; b</p>", body=body) == (
        "the character reference for U+FFFE names a character no e-book may hold: remove it",
        3,
    )


def test_nesting_deeper_than_layout_can_take_is_refused(book):
    message, _ = refusal(book, "<p>" + "<b>" * 45 + "x" + "</b>" * 45 + "</p>")
    assert message == "lists, quotes or tags are nested more than 40 levels deep here: flatten them"


def test_links_across_a_cut_name_the_other_document():
    assert link_across(
        '<p id="x"><a href="#y">to y</a></p>',
        '<p id="y"><a href="#x">to x</a><a href="#z">z</a></p>',
        "a.xhtml",
        "b.xhtml",
    ) == ('<p id="x"><a href="b.xhtml#y">to y</a></p>', '<p id="y"><a href="a.xhtml#x">to x</a><a href="#z">z</a></p>')
