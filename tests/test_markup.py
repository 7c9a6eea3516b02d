"""Markdown and plain text to HTML fragments, per medium."""

from __future__ import annotations

from pathlib import Path

from publish.markup.convert import inline, plain_text_paragraphs, render_piece
from publish.read.config import PieceMeta
from publish.read.manuscript import Piece


def piece(body: str, fmt: str = "markdown", piece_id: str = "demo") -> Piece:
    return Piece(
        id=piece_id,
        path=Path("/nowhere") / f"{piece_id}.md",
        format=fmt,
        meta=PieceMeta(title="Demo"),
        body=body,
        body_line=1,
    )


def test_plain_text_keeps_its_words_and_curls_its_quotes():
    html = render_piece(
        piece(
            'Opening.\n\nHe said "it\'s *fine*" - [really] #1 <b>\\o/ & co\n\n1. not a list\n\n> nor a quote', "text"
        ),
        "epub",
        "notes",
    ).html
    assert "“it’s *fine*”—[really] #1 &lt;b&gt;\\o/ &amp; co" in html
    assert "<p>1. not a list</p>" in html and "<p>&gt; nor a quote</p>" in html
    assert "<ol>" not in html and "<em>" not in html and "<blockquote>" not in html


def test_plain_text_recurls_a_misturned_quote_and_closes_up_a_loose_dash():
    html = render_piece(
        piece("Opening.\n\npromises (”I’m always going to love you.”) a movie- or by anything", "text"), "epub", "notes"
    ).html
    assert "(“I’m always going to love you.”)" in html
    assert "movie—or by anything" in html


def test_plain_text_paragraphs_split_on_blank_lines():
    html = render_piece(piece("one\nline\n\n\ntwo\n", "text"), "print", "foot").html
    assert html.count("<p") == 2 and "ne</span> line" in html


def test_inline_metadata_sets_quotes_dashes_and_emphasis():
    assert inline('It\'s "here" -- now...') == "It’s “here” – now…"
    title = inline("The ending of *La La Land* & after")
    assert title == title.plain == "The ending of La La Land & after"
    assert title.__html__() == "The ending of <em>La La Land</em> &amp; after"


def test_print_notes_float_in_the_text_flow():
    html = render_piece(piece("Text.[^a] More.\n\n[^a]: The note.\n"), "print", "foot").html
    assert '<span class="footnote">The note.</span> More.' in html
    assert "footnote-ref" not in html and "<hr" not in html


def test_epub_notes_are_noteref_and_aside_linked_both_ways():
    html = render_piece(piece("Text.[^a]\n\n[^a]: The note.\n"), "epub", "notes").html
    assert 'epub:type="noteref"' in html and 'href="#demo-note-1"' in html and 'id="demo-noteref-1"' in html
    assert 'epub:type="footnote"' in html and 'id="demo-note-1"' in html
    assert 'href="#demo-noteref-1" role="doc-backlink"' in html


def test_headings_start_at_h2_with_piece_unique_ids():
    html = render_piece(piece("Intro.\n\n### A section\n\nText.\n\n#### Sub\n"), "epub", "notes").html
    assert '<h2 id="demo-a-section">A section</h2>' in html
    assert '<h3 id="demo-sub">Sub</h3>' in html


def test_first_letter_is_marked_for_the_opening_flourish():
    html = render_piece(piece("“Almost there,” she said.\n\nNext.\n"), "print", "foot").html
    assert html.startswith(
        '<p class="opening"><span class="lead-in"><span class="opening-word"><span class="opening-punctuation">“</span>'
        '<span class="initial">A</span>lmost</span> there</span>,”'
    )
    epub = render_piece(piece("“Almost there,” she said.\n\nNext.\n"), "epub", "notes").html
    assert epub.startswith('<p class="opening"><span class="lead-in">“Almost there</span>,”')


def test_tables_definition_lists_and_attributes():
    source = "| a | b |\n|---|---|\n| 1 | 2 |\n\nTerm\n: Definition\n\nA paragraph.\n{: .aside }\n"
    html = render_piece(piece(source), "epub", "notes").html
    assert "<table>" in html and "<dl>" in html and '<p class="aside">' in html


def test_titles_converted_one_after_another_share_nothing():
    """Every title goes through one converter: what one title leaves behind must not reach the next."""
    first = inline('"Mia\'s" *La La Land* -- <b>x</b>')
    assert inline("Plain words").markup == "Plain words"
    assert inline('"Mia\'s" *La La Land* -- <b>x</b>').markup == first.markup
    inline("[ending]: https://example.com/")  # a link reference, in one title…
    assert inline("The [ending]").markup == "The [ending]"  # …is not the next one's


def test_a_note_that_opens_with_a_quote_has_its_number_inside_the_quote_and_no_empty_paragraph():
    html = render_piece(
        piece("Text.[^q] After.\n\n[^q]:\n    > Quoted words.\n\n    - an item\n"), "epub", "notes"
    ).html
    assert (
        '<blockquote>\n<p><a class="note-number" href="#demo-noteref-1" role="doc-backlink">1.</a> Quoted words.</p>'
        in html
    )
    assert "<p/>" not in html and "<p></p>" not in html


def test_a_heading_or_epigraph_first_leaves_the_flourish_to_the_first_paragraph_of_text():
    html = render_piece(
        piece("## Part one\n\n> Words of another.\n>\n> — Someone\n\nThe story begins here, slowly.\n"), "epub", "notes"
    ).html
    assert '<p class="opening"><span class="lead-in">The story begins here</span>, slowly.</p>' in html
    html = render_piece(piece("> Words of another.\n>\n> — Someone\n\nThe story begins.\n"), "epub", "notes").html
    assert '<blockquote class="epigraph">' in html and '<p class="attribution">' in html


def test_plain_text_dialogue_lines_follow_a_finished_sentence():
    text = plain_text_paragraphs(
        "-- Where to? she asked.\n-- Out.\n\nShe always did as she\n-- or so she said -- always\ndid.\n"
    )
    assert text == "--- Where to? she asked.\n\n--- Out.\n\nShe always did as she---or so she said---always did.\n"


def test_a_right_to_left_opening_keeps_its_first_word_whole_in_print():
    html = render_piece(piece("בראשית ברא אלהים את השמים.\n"), "print", "foot").html
    assert '<span class="lead-in">בראשית ברא אלהים</span>' in html and "initial" not in html


def test_plain_text_dialogue_set_close_to_its_words_stays_close():
    text = plain_text_paragraphs("—¿Quién fue? —preguntó.\n—Fue el viento.\n")
    assert text == "---¿Quién fue? —preguntó.\n\n---Fue el viento.\n"  # "---" is Smarty's em dash, with no space added


def test_every_kind_of_piece_file_has_a_way_into_markup():
    """A reader registered in read/readers/ whose format markup cannot convert would fail only on a user's book."""
    from publish.markup.convert import MARKDOWN_SOURCES
    from publish.read.piece_readers import piece_readers

    assert {reader.format for reader in piece_readers().values()} <= set(MARKDOWN_SOURCES)
