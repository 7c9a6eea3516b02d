"""Word documents as pieces: what survives into both editions, what is dropped with a warning, where the title
comes from, the sidecar, broken files, and the store.

One book of several small .docx pieces (written by tests/word_files.py) is built
once per worker and asserted on from its EPUB's XHTML and its PDF's text.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest

from publish.errors import PublishError
from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.pipeline.build import BuildRequest, build, remembered_work
from publish.read.config import DEFAULT_THEME
from publish.read.manuscript import load_manuscript
from publish.read.readers.docx import read_word
from publish.render.assemble import assemble
from publish.render.theme import Theme
from publish.targets import Target

from .conftest import (
    STAMP,
    XHTML_NS,
    BuiltBook,
    assert_fails_cleanly,
    build_over_last_good,
    once_per_run,
    one_piece_manuscript,
)
from .word_files import WordFile, png, run, tracked, without_core_properties

BOOK_TOML = (
    'title = "Harbour Lights"\nauthors = ["A. Writer"]\nlanguage = "en"\n'
    'pieces = ["harbour.docx", "low-tide.docx", "lighthouse.docx", "field_notes.docx", "renamed.docx"]\n'
)


def harbour() -> WordFile:
    """Every feature at once, with a title and author in its properties."""
    word = WordFile(title="The Harbour", author="Ada Lane")
    word.heading("Morning", 1)
    word.xml(
        run("The gulls were ")
        + "<w:r><w:rPr><w:i/></w:rPr><w:t>very</w:t></w:r>"
        + run(" loud and ")
        + "<w:r><w:rPr><w:b/></w:rPr><w:t>quite</w:t></w:r>"
        + run(" early")
        + word.note("footnotes", "Before six, by the harbour clock.")
        + run(", so we looked at ")
        + word.link("https://example.org/harbour?tide=low&amp;day=1", "the tide table")
        + run(" and at ")
        + word.link("javascript:alert(1)", "a trick link")
        + run(".")
    )
    word.xml(
        run("Later")
        + word.note("endnotes", "Written down the next evening.")
        + run(" the boats ")
        + tracked(inserted="sailed", deleted="drifted lazily")
        + run(" out of port, ")
        + word.comment("slowly", "Is slowly the right word here?")
        + run(" and in a line.")
    )
    word.paragraph("The sea keeps what it is given.", "Quote")
    word.paragraph("And gives back what it likes.", "Intense Quote")
    word.xml('<w:bookmarkStart w:id="7" w:name="_Toc7"/>' + run("Inventory") + '<w:bookmarkEnd w:id="7"/>', "Heading 2")
    word.paragraph("ropes", "List Bullet")
    word.paragraph("lanterns", "List Bullet")
    word.paragraph("untie the boat", "List Number")
    word.paragraph("row", "List Number")
    table = word.document.add_table(rows=2, cols=2)
    for (row, column), text in {(0, 0): "Boat", (0, 1): "Crew", (1, 0): "Marigold", (1, 1): "Three"}.items():
        table.cell(row, column).text = text
    word.paragraph("A chart of the bay follows.")
    word.picture(png(40, 30, (30, 90, 160)), "A blue chart of the bay")
    word.paragraph("And a flourish.")
    word.picture(png(20, 4, (160, 40, 40)), None)
    word.paragraph("The end of the morning.")
    word.xml(
        '<w:hyperlink w:anchor="_Toc7">'
        + run("Back to the inventory")
        + '</w:hyperlink><w:hyperlink w:anchor="_Gone">'
        + run(", or a lost bookmark.")
        + "</w:hyperlink>"
    )
    return word


def untitled(first_heading: str) -> WordFile:
    word = WordFile()
    word.heading(first_heading, 1)
    word.paragraph("The water went out further than anyone had seen.")
    return word


@pytest.fixture(scope="module")
def word_book(tmp_path_factory, worker_id) -> tuple[BuiltBook, list[str], Path]:
    """The book, built once for the whole run: the first worker to ask builds it, the other waits and reads it."""
    root = once_per_run(tmp_path_factory, worker_id, "word-book", write_word_book)
    out = root / "out"
    warnings = json.loads((root / "warnings.json").read_text(encoding="utf-8"))
    return BuiltBook(pdf=out / "harbour-lights.pdf", epub=out / "harbour-lights.epub"), warnings, root


def write_word_book(root: Path) -> None:
    root.mkdir()
    (root / "book.toml").write_text(BOOK_TOML, encoding="utf-8")
    harbour().save(root / "harbour.docx")
    without_core_properties(untitled("Low Tide").save(root / "low-tide.docx"))
    lighthouse = WordFile()
    lighthouse.paragraph("The Lighthouse", "Title")
    lighthouse.paragraph("Bo Reed", "Author")
    lighthouse.paragraph("Its lamp turned all night.")
    lighthouse.save(root / "lighthouse.docx")
    nameless = WordFile(author="Microsoft Office User")
    nameless.paragraph("Notes with no title anywhere.")
    nameless.save(root / "field_notes.docx")
    renamed = WordFile(title="The Wrong Title", author="Nobody")
    renamed.heading("The Right Title", 1)
    renamed.paragraph("A piece whose sidecar names it.")
    renamed.save(root / "renamed.docx")
    (root / "renamed.docx.yaml").write_text(
        "title: The Right Title\nauthor: Cy Moss\nkind: letter\nsummary: Named beside the document.\n",
        encoding="utf-8",
    )
    result = build(root, DEFAULT_THEME, root / "out", BuildRequest(), lambda stage, seconds: None)
    assert [path.name for path in result.written] == ["harbour-lights.pdf", "harbour-lights.epub"]
    warnings = [f"{warning.path.name if warning.path else ''}: {warning.message}" for warning in result.warnings]
    (root / "warnings.json").write_text(json.dumps(warnings), encoding="utf-8")


def body_text(book: BuiltBook, name: str) -> str:
    body = book.epub_documents()[name].find(".//x:div[@class='piece-body']", XHTML_NS)
    return " ".join("".join(body.itertext()).split())


def pdf_text(book: BuiltBook) -> str:
    return " ".join(" ".join(book.pdf_pages()).split())


def test_text_formatting_lists_quotes_and_tables_survive(word_book):
    book, _, _ = word_book
    page = book.epub_documents()["harbour.xhtml"]
    assert [h.text for h in page.findall(".//x:div[@class='piece-body']/x:h2", XHTML_NS)] == ["Morning"]
    assert ["".join(h.itertext()) for h in page.findall(".//x:h3", XHTML_NS)] == ["Inventory"]
    assert page.find(".//x:em", XHTML_NS).text == "very"
    assert page.find(".//x:strong", XHTML_NS).text == "quite"
    quote = page.find(".//x:blockquote", XHTML_NS)
    assert [p.text for p in quote.findall("x:p", XHTML_NS)] == [
        "The sea keeps what it is given.",
        "And gives back what it likes.",
    ]
    assert [li.text for li in page.findall(".//x:ul/x:li", XHTML_NS)] == ["ropes", "lanterns"]
    assert [li.text for li in page.findall(".//x:ol/x:li", XHTML_NS)] == ["untie the boat", "row"]
    assert [td.text for td in page.findall(".//x:table//x:td", XHTML_NS)] == ["Boat", "Crew", "Marigold", "Three"]
    printed = pdf_text(book)
    for words in ("The gulls were very loud and quite early", "The sea keeps what it is given.", "lanterns"):
        assert words in printed
    assert "Marigold" in printed and "untie the boat" in printed


def test_footnotes_and_endnotes_are_the_books_notes(word_book):
    book, _, _ = word_book
    page = book.epub_documents()["harbour.xhtml"]
    calls = page.findall(".//x:a[@class='noteref']", XHTML_NS)
    assert [call.text for call in calls] == ["1", "2"]
    notes = page.findall(".//x:aside[@epub:type='footnote']", XHTML_NS)
    assert [" ".join("".join(note.itertext()).split()) for note in notes] == [
        "1. Before six, by the harbour clock.",
        "2. Written down the next evening.",
    ]
    assert [call.get("href") for call in calls] == ["#" + note.get("id") for note in notes]
    # In print a note sits at the foot of the page that calls it, as a Markdown footnote does.
    pages = [" ".join(text.split()) for text in book.pdf_pages()]
    calling = next(text for text in pages if "The gulls were" in text)
    assert "Before six, by the harbour clock." in calling
    assert "Written down the next evening." in calling


def test_links_survive_and_a_script_link_is_made_safe(word_book):
    book, warnings, _ = word_book
    page = book.epub_documents()["harbour.xhtml"]
    links = {link.text: link.get("href") for link in page.iter(f"{{{XHTML_NS['x']}}}a") if link.text}
    assert links["the tide table"] == "https://example.org/harbour?tide=low&day=1"
    assert links["a trick link"] is None  # the sanitizer took its address, as from raw HTML in Markdown
    assert any("harbour.docx" in w and "javascript" in w for w in warnings), warnings
    uris = [
        annotation.get_object()["/A"]["/URI"]
        for page in pypdf.PdfReader(book.pdf).pages
        for annotation in page.get("/Annots") or []
        if "/URI" in annotation.get_object().get("/A", {})
    ]
    assert set(uris) == {"https://example.org/harbour?tide=low&day=1"}  # one box per line the link runs over


def test_links_to_bookmarks_lead_to_them_and_a_lost_one_is_unlinked(word_book):
    book, warnings, _ = word_book
    page = book.epub_documents()["harbour.xhtml"]
    ids = {element.get("id") for element in page.iter() if element.get("id")}
    [back] = [link for link in page.iter(f"{{{XHTML_NS['x']}}}a") if link.text == "Back to the inventory"]
    assert back.get("href")[1:] in ids
    assert "Back to the inventory, or a lost bookmark." in body_text(book, "harbour.xhtml")
    assert not [link for link in page.iter(f"{{{XHTML_NS['x']}}}a") if "lost" in (link.text or "")]
    assert "harbour.docx: the link “, or a lost bookmark.” leads to a bookmark the document does not have" in " ".join(
        warnings
    )
    assert "Back to the inventory, or a lost bookmark." in pdf_text(book)


def test_pictures_are_described_or_decorative(word_book):
    book, warnings, _ = word_book
    page = book.epub_documents()["harbour.xhtml"]
    described, flourish = page.findall(".//x:img", XHTML_NS)
    assert described.get("alt") == "A blue chart of the bay"
    assert (flourish.get("alt"), flourish.get("role")) == ("", "presentation")
    with zipfile.ZipFile(book.epub) as archive:
        names = archive.namelist()
    assert {f"EPUB/{img.get('src')}" for img in (described, flourish)} <= set(names)
    [missing] = [w for w in warnings if "no description" in w]
    assert missing.startswith("harbour.docx: ")
    assert "picture 2" in missing and "And a flourish." in missing
    printed = pypdf.PdfReader(book.pdf)
    assert sum(len(page.images) for page in printed.pages if "A chart of the bay" in page.extract_text()) == 2


def test_tracked_changes_are_accepted_and_comments_dropped_with_warnings(word_book):
    book, warnings, _ = word_book
    for text in (body_text(book, "harbour.xhtml"), pdf_text(book)):
        assert "the boats sailed out of port, slowly and in a line." in text
        assert "drifted" not in text and "right word" not in text
    [changes] = [w for w in warnings if "tracked changes" in w]
    assert "harbour.docx" in changes and "kept “sailed”" in changes and "dropped “drifted lazily”" in changes
    assert "(“Later the boats" in changes
    [comment] = [w for w in warnings if "comment" in w]
    assert "An Editor" in comment and "“slowly”" in comment and "Is slowly the right word here?" in comment


def test_titles_and_authors_come_from_the_properties_or_are_found(word_book):
    book, warnings, _ = word_book
    documents = book.epub_documents()
    found = {}
    for name in ("harbour", "low-tide", "lighthouse", "field-notes", "renamed"):
        header = documents[f"{name}.xhtml"].find(".//x:header", XHTML_NS)
        author = header.find("x:p[@class='piece-author']", XHTML_NS)
        found[name] = (header.find("x:h1", XHTML_NS).text, author.text if author is not None else None)
    assert found == {
        "harbour": ("The Harbour", "Ada Lane"),
        "low-tide": ("Low Tide", None),
        "lighthouse": ("The Lighthouse", "Bo Reed"),
        "field-notes": ("field notes", None),
        "renamed": ("The Right Title", "Cy Moss"),
    }
    # A heading that opens the document with its title, and the Title and Author paragraphs, are not printed again.
    assert "Low Tide" not in body_text(book, "low-tide.xhtml")
    assert body_text(book, "lighthouse.xhtml") == "Its lamp turned all night."
    assert body_text(book, "renamed.xhtml") == "A piece whose sidecar names it."
    said = [w for w in warnings if "took" in w]
    assert sorted(said) == sorted(
        [
            "low-tide.docx: the document's properties give no title: took “Low Tide” from its first heading "
            "(give one in Word under File, Info, Title, or as title: in low-tide.docx.yaml)",
            "lighthouse.docx: the document's properties give no title: took “The Lighthouse” from its Title "
            "paragraph (give one in Word under File, Info, Title, or as title: in lighthouse.docx.yaml)",
            "lighthouse.docx: the document's properties name no author: took “Bo Reed” from its Author paragraph",
            "field_notes.docx: the document's properties give no title: took “field notes” from its file name "
            "(give one in Word under File, Info, Title, or as title: in field_notes.docx.yaml)",
        ]
    ), said
    assert [w for w in warnings if "a name Word fills in" in w] == [
        "field_notes.docx: the document's properties name “Microsoft Office User” as the author, a name Word fills "
        "in: the piece has no author (give one in Word under File, Info, Author, or as author: in "
        "field_notes.docx.yaml)"
    ]
    contents = pdf_text(book)
    for title in ("The Harbour", "Low Tide", "The Lighthouse", "The Right Title"):
        assert title in contents
    assert "The Wrong Title" not in contents


def test_the_sidecar_gives_any_front_matter_key(word_book):
    book, _, _ = word_book
    header = book.epub_documents()["renamed.xhtml"].find(".//x:header", XHTML_NS)
    assert "letter" in " ".join(header.itertext()).lower()


def test_a_word_pieces_book_passes_epubcheck(word_book):
    book, _, _ = word_book
    assert epubcheck_messages(book.epub) == []


def encrypted() -> bytes:
    """The start of an OLE compound file holding an encrypted package, as Word saves a document with a password."""
    return bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(512)


def cut_short(path: Path) -> bytes:
    return path.read_bytes()[:1500]


def bad_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"][:-40]
    out = path.with_suffix(".broken")
    with zipfile.ZipFile(out, "w") as written:
        for name, data in parts.items():
            written.writestr(name, data)
    return out.read_bytes()


def too_much_text(path: Path) -> bytes:
    """A small file whose text would unpack to more than a piece may hold."""
    with zipfile.ZipFile(path) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts["word/document.xml"] += b" " * 16_000_000
    out = path.with_suffix(".long")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as written:
        for name, data in parts.items():
            written.writestr(name, data)
    return out.read_bytes()


def bad_crc(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 20 : start + 30] = bytes(10)
    return bytes(data)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda good: b"Just some text, saved with the wrong name.\n", "is not a Word document"),
        (cut_short, "damaged"),
        (bad_xml, "word/document.xml is not well-formed XML"),
        (bad_crc, "damaged"),
        (lambda good: encrypted(), "password-protected"),
        (too_much_text, "more than one piece may hold"),
        (lambda good: WordFile(title="Blank").save(good.with_name("blank.docx")).read_bytes(), "is empty"),
        (lambda good: bytes.fromhex("d0cf11e0a1b11ae1") + bytes(1024), "Word 97–2003"),
    ],
    ids=["not-a-zip", "cut-short", "bad-xml", "bad-crc", "encrypted", "too-much-text", "empty", "old-doc"],
)
def test_a_broken_word_file_is_one_clear_error(tmp_path, make, words):
    good = WordFile(title="Fine")
    good.paragraph("Fine words.")
    good.save(tmp_path / "good.docx")
    manuscript = one_piece_manuscript(tmp_path / "m", make(tmp_path / "good.docx"), name="story.docx")
    out = tmp_path / "out"
    result = build_over_last_good(manuscript, out, ("small-hours.pdf", "small-hours.epub"))
    assert_fails_cleanly(result, out, "story.docx: ", words)


def test_a_sidecar_mistake_names_the_sidecar_and_line(tmp_path):
    word = WordFile(title="Fine")
    word.paragraph("Fine words.")
    manuscript = one_piece_manuscript(tmp_path / "m", b"", name="story.docx")
    word.save(manuscript / "story.docx")
    (manuscript / "story.docx.yaml").write_text("author: Di\ntitel: Oops\n", encoding="utf-8")
    out = tmp_path / "out"
    result = build_over_last_good(manuscript, out, ("small-hours.pdf", "small-hours.epub"))
    assert_fails_cleanly(result, out, "story.docx.yaml:2", "titel")


def test_the_store_redoes_a_changed_word_piece_only(tmp_path):
    """Pieces are remembered by their text: a Word piece's is its converted text, pictures' digests included."""
    root = one_piece_manuscript(tmp_path / "m", "---\ntitle: Plain\n---\nPlain words.\n", name="plain.md")
    (root / "book.toml").write_text(
        'title = "Small Hours"\nauthors = ["A. Writer"]\nlanguage = "en"\npieces = ["plain.md", "boat.docx"]\n'
    )

    def write(words: str, colour: tuple[int, int, int] = (10, 10, 10)) -> None:
        word = WordFile(title="Boat")
        word.paragraph(words)
        word.picture(png(4, 4, colour), "A square")
        word.save(root / "boat.docx")

    theme = Theme.load(DEFAULT_THEME)

    def rendered() -> list[str]:
        memo = remembered_work(root, DEFAULT_THEME, tmp_path / "out")  # salted as a build salts it
        assemble(load_manuscript(root, memo), theme, STAMP, targets=(Target.EPUB,), memo=memo)
        memo.save()
        return [label for label in memo.missed if label.startswith("epub:")]

    write("Oars.")
    assert rendered() == ["epub:plain", "epub:boat"]
    shutil.copy(root / "boat.docx", tmp_path / "same.docx")
    write("Oars.")  # written again, byte for byte what it was
    assert rendered() == []
    write("Oars and a sail.")
    assert rendered() == ["epub:boat"]
    write("Oars and a sail.", colour=(200, 10, 10))
    assert rendered() == ["epub:boat"]
    (root / "boat.docx.yaml").write_text("kind: sketch\n", encoding="utf-8")
    assert rendered() == ["epub:boat"]  # a sidecar is read into its piece's text, not salted into every entry


def test_a_picture_e_readers_cannot_show_is_left_out_with_a_warning(tmp_path):
    word = WordFile(title="Clip Art")
    word.paragraph("Before the drawing.")
    word.picture(png(), "A drawing")
    path = word.save(tmp_path / "clip.docx")
    with zipfile.ZipFile(path) as original:  # as Word keeps an EMF drawing: the same part, another type
        parts = {name: original.read(name) for name in original.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b'ContentType="image/png"', b'ContentType="image/x-emf"'
    )
    with zipfile.ZipFile(path, "w") as written:
        for name, data in parts.items():
            written.writestr(name, data)
    text = read_word(path)
    assert "<img" not in text and "Before the drawing." in text
    assert [warning.message for warning in text.warnings] == [
        "left out picture 1 (after “…Before the drawing.”): it is image/x-emf, which e-readers cannot show; "
        "insert it as a PNG or JPEG picture"
    ]


def test_a_word_piece_sharing_a_title_is_named_without_a_line(tmp_path):
    root = one_piece_manuscript(tmp_path / "m", "---\ntitle: Boat\n---\nWords.\n", name="a.md")
    (root / "book.toml").write_text(
        'title = "Small Hours"\nauthors = ["A. Writer"]\nlanguage = "en"\npieces = ["a.md", "b.docx"]\n'
    )
    word = WordFile(title="Boat")
    word.paragraph("Other words.")
    word.save(root / "b.docx")
    with pytest.raises(PublishError) as raised:
        load_manuscript(root)
    assert (raised.value.message, raised.value.path, raised.value.line) == (
        "two pieces have the title 'Boat' (a.md and b.docx)",
        root / "b.docx",
        None,
    )
