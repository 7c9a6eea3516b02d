"""Writing the tool was not designed around: a book of pieces in the shapes real books take.

tests/books/anthology holds a dozen pieces written for these tests: fiction
that opens with dialogue (quotes, guillemets, dashes, a bracket), an
epigraph, verse, notes that hold quotes and lists, a captioned table, links
between pieces, invisible characters, a one-word first paragraph, a piece
in German. The book is built once, for real, and read back.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pypdf
import pytest

from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.pipeline.build import BuildRequest, build
from publish.read.config import DEFAULT_THEME
from publish.read.manuscript import load_manuscript

from .conftest import (
    XHTML_NS,
    BuiltBook,
    build_book,
    drawn_runs,
    one_piece_manuscript,
    pdf_page_texts,
    rotated_runs,
    words,
)
from .test_epub_reveals import REVEALS, assert_a_marker_per_page_between_words, spine, text

ANTHOLOGY = Path(__file__).parent / "books" / "anthology"


@pytest.fixture(scope="module")
def anthology(tmp_path_factory: pytest.TempPathFactory):
    return build_book(ANTHOLOGY, tmp_path_factory.mktemp("anthology"))


def pdftotext(pdf: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    """Text with hyphenation at line ends undone and every run of white space one space."""
    return re.sub(r"\s+", " ", re.sub(r"[\u00ad\u2010-]\n", "", text))


def first_words(piece_body: str) -> str:
    """The first three words of a piece's first paragraph of text, as the reader sees them."""
    paragraphs = [p for p in re.split(r"\n\s*\n", piece_body) if p.strip() and not p.lstrip().startswith((">", ":::"))]
    return " ".join(paragraphs[0].split()[:3])


def test_the_anthology_is_a_valid_epub(anthology):
    problems = [f"{m.level} {m.id} {m.location} {m.message}" for m in epubcheck_messages(anthology.epub)]
    assert problems == []


def test_every_word_of_every_piece_is_in_both_editions(anthology):
    pdf_words = words(pdftotext(anthology.pdf)) & words("\n".join(anthology.pdf_pages()))  # Poppler's and pypdf's
    epub_words = words(" ".join(" ".join(doc.itertext()) for doc in anthology.epub_documents().values()))
    for piece in load_manuscript(ANTHOLOGY).pieces:
        # Markup and smart-punctuation sources are not words of the text.
        body = re.sub(r"\{[^}]*\}|\]\([^)]*\)|^:::.*$|\[\^\w+\]:?|^Table:", " ", piece.body, flags=re.M)
        expected = words(body) - {"verse", "md", "after"}
        assert expected <= pdf_words, (piece.path.name, sorted(expected - pdf_words))
        assert expected <= epub_words, (piece.path.name, sorted(expected - epub_words))


def word_list(text: str) -> list[str]:
    """Words in order, as ``words`` reads them (a zero-width space joins)."""
    text = re.sub(r"[-\u2010]\n", "", text.replace("\u00ad", "").replace("\u200b", "").replace("’", "'"))
    return [w.lower() for w in re.findall(r"\w+", text)]


def missing_from_order(wanted: list[str], text: list[str]) -> list[str]:
    """The words of ``wanted`` that do not come, in order, in ``text`` (other words may come between)."""
    position = 0
    for index, word in enumerate(wanted):
        try:
            position = text.index(word, position) + 1
        except ValueError:
            return wanted[index : index + 8]
    return []


def test_every_piece_reads_in_order_in_both_editions(anthology):
    """Each piece's running text, notes aside, comes in the order written (running heads and notes may come between)."""
    pdf_text = word_list(pdftotext(anthology.pdf))
    documents = anthology.epub_documents()
    for piece in load_manuscript(ANTHOLOGY).pieces:
        # Notes and hidden spoilers each edition places elsewhere; the running text around them keeps its order.
        body = re.sub(r"^\[\^\w+\]:.*?(?=^\S|\Z)|^::: spoiler.*?^:::$|>!.*?!<", "", piece.body, flags=re.M | re.S)
        body = re.sub(r"\{[^}]*\}|\]\([^)]*\)|^:::.*$|\[\^\w+\]|^:\s|^Table:", " ", body, flags=re.M)
        wanted = word_list(body)
        assert missing_from_order(wanted, pdf_text) == [], piece.path.name
        epub_text = word_list(" ".join(documents[f"{piece.id}.xhtml"].itertext()))
        assert missing_from_order(wanted, epub_text) == [], piece.path.name


@pytest.mark.parametrize("extract", ["pdftotext", "pypdf"])
def test_each_piece_opens_with_its_first_words_whole(anthology, extract):
    """The raised initial and the small-caps lead-in must not split the first words in the text layer."""
    text = squash(pdftotext(anthology.pdf) if extract == "pdftotext" else "\n".join(anthology.pdf_pages()))
    for piece in load_manuscript(ANTHOLOGY).pieces:
        opening = first_words(piece.body).replace('"', "“").replace("--", "—").replace("'", "’")
        opening = re.sub(r"“(\w+)“", r"“\1”", opening)
        assert opening in text, (piece.path.name, opening)


def test_the_opening_word_is_one_word_for_a_screen_reader(anthology):
    page = anthology.epub_documents()["the-kettle.xhtml"]
    opening = page.find(".//x:p[@class='opening']", XHTML_NS)
    lead_in = opening.find("x:span[@class='lead-in']", XHTML_NS)
    assert lead_in.text == "“You left the kettle" and len(lead_in) == 0


def test_the_flourish_goes_to_the_first_paragraph_after_an_epigraph(anthology):
    page = anthology.epub_documents()["after-the-flood.xhtml"]
    epigraph = page.find(".//x:blockquote[@class='epigraph']", XHTML_NS)
    assert epigraph is not None
    assert epigraph.find("x:p[@class='attribution']", XHTML_NS).text.replace("\xa0", " ").startswith("— Margit Sallow")
    assert page.find(".//x:p[@class='opening']", XHTML_NS).find("x:span", XHTML_NS).text == "When the water went"


def word_boxes(pdf: Path, page: int) -> list[tuple[str, float]]:
    """(word, top) for every word on a page, from pdftotext's bounding boxes."""
    xhtml = pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page))
    return [
        (m.group(2), float(m.group(1))) for m in re.finditer(r'<word [^>]*yMin="([\d.]+)"[^>]*>([^<]*)</word>', xhtml)
    ]


def page_holding(pdf: Path, phrase: str) -> int:
    for number, page in enumerate(pdf_page_texts(pdf), start=1):
        if phrase in squash(page):
            return number
    raise AssertionError(f"{phrase!r} is on no page")


def test_body_text_after_a_note_call_stays_above_the_notes(anthology):
    """A note holding a quote or a list must not carry the rest of its paragraph to the page foot."""
    page = page_holding(anthology.pdf, "As one librarian put it")
    boxes = word_boxes(anthology.pdf, page)
    top_of = {word: top for word, top in reversed(boxes)}
    notes_begin = top_of["librarian"]
    for body_word in ("lands.", "expects", "past", "ends"):
        assert top_of[body_word] < notes_begin, body_word
    # The note's own blocks come in order, below the rule.
    assert top_of["librarian"] < top_of["Leave"] < top_of["She"] < top_of["tick,"] < top_of["essay."]


def test_epub_notes_open_with_their_number_and_hold_no_empty_elements(anthology):
    page = anthology.epub_documents()["marginalia.xhtml"]
    asides = page.findall(".//x:aside[@epub:type='footnote']", XHTML_NS)
    assert len(asides) == 3
    for aside in asides:
        first_block = aside[0]
        assert first_block.tag.endswith("}p") and first_block[0].get("class") == "note-number"
    quote_note, list_note, _ = asides
    assert quote_note.find("x:blockquote", XHTML_NS) is not None
    assert len(list_note.findall(".//x:li", XHTML_NS)) == 3
    empty = [
        el for el in page.iter() if el.tag.endswith(("}p", "}li", "}blockquote")) and not "".join(el.itertext()).strip()
    ]
    assert empty == []


def test_verse_keeps_its_lines_and_stanzas(anthology):
    page = anthology.epub_documents()["two-stanzas.xhtml"]
    quotes = page.findall(".//x:div[@class='piece-body']/x:blockquote", XHTML_NS)
    assert [len(quote.findall("x:p[@class='lines']/x:span[@class='line']", XHTML_NS)) for quote in quotes] == [4, 3]
    stanzas = page.findall(".//x:div[@class='verse']/x:p", XHTML_NS)
    assert [len(stanza.findall("x:span", XHTML_NS)) for stanza in stanzas] == [3, 1]
    assert stanzas[0].findall("x:span", XHTML_NS)[1].get("class") == "line i1"
    lines = pdftotext(
        anthology.pdf, "-f", str(page_holding(anthology.pdf, "Here is a second poem")), "-l", "99"
    ).splitlines()
    starts = [
        line
        for line in lines
        if line.startswith(("Here is a second", "with an indented", "and a last line", "And a stanza"))
    ]
    assert len(starts) == 4, starts


def test_a_caption_under_a_table_becomes_its_caption(anthology):
    page = anthology.epub_documents()["inventory.xhtml"]
    table = page.find(".//x:table", XHTML_NS)
    assert table[0].tag.endswith("caption") and table[0].text == "What the water left behind"
    for dl in page.iterfind(".//x:dl", XHTML_NS):
        assert dl[0].tag.endswith("dt")


def test_links_between_pieces_lead_to_them_in_both_editions(anthology):
    page = anthology.epub_documents()["inventory.xhtml"]
    hrefs = [a.get("href") for a in page.iterfind(".//x:a[@class='piece-link']", XHTML_NS)]
    assert hrefs == [
        "the-kettle.xhtml#the-kettle",
        "after-the-flood.xhtml#after-the-flood",
        "inventory.xhtml#inventory-after",
    ]
    reader = pypdf.PdfReader(anthology.pdf)
    assert {"the-kettle", "after-the-flood", "inventory-after"} <= set(reader.named_destinations)


def test_a_spoiler_block_holding_a_quote_and_a_list_stays_hidden_at_the_page_foot(anthology):
    """Blocks inside a hidden spoiler must not end the paragraph that hides it and spill into the text."""
    page = page_holding(anthology.pdf, "The rest of this note is safe to read")
    top_of = {word: top for word, top in reversed(word_boxes(anthology.pdf, page))}
    last_body_line = top_of["long."]
    for hidden in ("church.", "without", "carry", "uneaten,", "beach"):
        assert top_of[hidden] > last_body_line, hidden


def test_no_linear_document_of_the_anthology_holds_a_spoilers_words(anthology):
    documents = anthology.epub_documents()
    for name, linear in spine(anthology.epub):
        if linear != "no":
            reading = text(documents[name])
            for hidden in ("never reach the sea", "turn back at the church", "went on without us", "bread, uneaten"):
                assert hidden not in reading, (name, hidden)
    assert "bread, uneaten" in text(documents[REVEALS])


def test_no_page_marker_of_the_anthology_stands_inside_a_word(anthology):
    assert_a_marker_per_page_between_words(anthology)


def test_an_opening_word_longer_than_a_line_is_in_the_text_once(tmp_path):
    """A script written without spaces makes the whole first sentence one "word", laid out over several lines."""
    sentence = (
        "雨が降っていたので私たちは駅まで歩いて行きましたがそこには誰もいませんでしたそして電車は来ませんでした。"
    )
    manuscript = one_piece_manuscript(
        tmp_path / "m", f"---\ntitle: 雨\nlanguage: ja\n---\n\n{sentence}\n\n二番目の段落。\n"
    )
    book = build_book(manuscript, tmp_path / "out")
    text = re.sub(r"[\s\u200b]", "", pdftotext(book.pdf))
    assert text.count(sentence) == 1


def test_no_markup_is_printed_as_text(anthology):
    """Inline Markdown in the book's metadata (an italic word in the subtitle) is set, never shown as tags."""
    assert not re.search(r"</?(em|i|span)\b", pdftotext(anthology.pdf))
    for name, document in anthology.epub_documents().items():
        assert not re.search(r"</?(em|i|span)\b", " ".join(document.itertext())), name
    title_page = anthology.epub_documents()["title.xhtml"]
    assert title_page.find(".//x:p[@class='imprint-title']/x:em", XHTML_NS).text == "shapes"


TROUBLES = Path(__file__).parent / "books" / "troubles"


@pytest.fixture(scope="module")
def troubles(tmp_path_factory: pytest.TempPathFactory):
    """The troubles book, built once: its outputs and what the build warned of, as "file:line: message"."""
    out = tmp_path_factory.mktemp("troubles")
    result = build(TROUBLES, DEFAULT_THEME, out, BuildRequest(), lambda *args: None)
    return BuiltBook(*result.written), [f"{Path(w.path).name}:{w.line}: {w.message}" for w in result.warnings]


def test_the_troubles_book_is_a_valid_epub(troubles):
    book, _ = troubles
    assert [f"{m.level} {m.id} {m.location} {m.message}" for m in epubcheck_messages(book.epub)] == []


@pytest.mark.parametrize(
    "warning",
    [
        "trouble.md:5: the note call [^99] has no note",
        "trouble.md:17: the note [^lonely] is never called",
        "trouble.md:7: the link to '/about' leads to a web page, not into the book",
        "trouble.md:7: the link to '../other.html' leads to a web page, not into the book",
        "trouble.md:7: the link to 'other.md#nowhere' goes nowhere",
        "b.md:5: the link to 'b.md#c' goes nowhere",  # piece b-c's id starts like b's heading "c" would
        "b.md:5: the link to 'b-c.md#nope' goes nowhere",  # a link inside a spoiler
    ],
)
def test_each_problem_is_a_warning_naming_its_file_and_line(troubles, warning):
    _, warnings = troubles
    assert any(found.startswith(warning) for found in warnings), warnings


def test_the_words_of_a_problem_are_kept_and_nothing_literal_is_printed(troubles):
    book, _ = troubles
    page = book.epub_documents()["trouble.xhtml"]
    words_there = text(page)
    assert "A note nobody calls." in words_there and "[^99]" not in words_there
    assert "the about page" in words_there and "a heading" in words_there
    assert not [a for a in page.iterfind(".//x:a", XHTML_NS) if a.get("href") in ("/about", "../other.html")]
    assert not [a for a in page.iterfind(".//x:a", XHTML_NS) if "nowhere" in (a.get("href") or "")]
    assert "[^99]" not in pdftotext(book.pdf)


def test_every_table_and_list_shape_is_captioned_and_valid(troubles):
    """Captions before and after tables, empty cells, tables in lists and quotes, definitions with no term."""
    book, _ = troubles
    page = book.epub_documents()["shapes.xhtml"]
    captions = ["".join(caption.itertext()) for caption in page.iterfind(".//x:caption", XHTML_NS)]
    assert captions == ["A caption before", "caption right after"]
    assert "".join(book.epub_documents()["trouble.xhtml"].find(".//x:caption", XHTML_NS).itertext()) == "A caption"


def upright_runs(pdf: Path, page_number: int) -> list[str]:
    """Text drawn the right way up on a page."""
    return [text for text, cm, tm in drawn_runs(pdf, page_number) if text.strip() and cm[0] * tm[0] + cm[2] * tm[1] > 0]


def assert_notes_in_spoilers_hidden(book, spoiler_free: bool) -> None:
    page = page_holding(book.pdf, "A note that is a rule")
    upright = " ".join(upright_runs(book.pdf, page))
    for hidden in ("Jeeves", "shed"):
        assert hidden not in upright
        assert spoiler_free or hidden in " ".join(rotated_runs(book.pdf, page))
        for name, linear in spine(book.epub):
            if linear != "no":
                assert hidden not in text(book.epub_documents()[name]), (name, hidden)
    if spoiler_free:
        assert "Jeeves" not in pdftotext(book.pdf) and "shed" not in pdftotext(book.pdf)
    # Empty notes and a note that is only a rule do not swallow the body text after their calls.
    top_of = {word: top for word, top in reversed(word_boxes(book.pdf, page))}
    assert top_of["Words"] < top_of["1."] and top_of["page."] < top_of["1."]


def test_a_note_called_inside_a_spoiler_is_as_hidden_as_the_spoiler(troubles):
    """In print it stays in the upside-down reveal; in the EPUB, in the reveals document."""
    assert_notes_in_spoilers_hidden(troubles[0], spoiler_free=False)


def test_a_note_called_inside_a_removed_spoiler_goes_with_it(tmp_path):
    from publish.request import Edition

    book = build_book(TROUBLES, tmp_path, Edition(spoiler_free=True, redact=True))
    assert_notes_in_spoilers_hidden(book, spoiler_free=True)
