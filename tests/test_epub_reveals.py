"""The EPUB's spoiler reveals: one document out of the reading order, linked both ways from the text."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from publish.errors import PublishError
from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.outputs.pages import PageStart, _visible, place_page_markers
from publish.request import Edition

from .conftest import PIECE_HEAD, XHTML_NS, build_book, one_piece_manuscript

OPF_NS = {"opf": "http://www.idpf.org/2007/opf"}
REVEALS = "spoilers-revealed.xhtml"
# What the pieces below hide; none of it may be met reading straight through.
HIDDEN = [
    "the lighthouse keeper was the heron all along",
    "the ferry never sails again",
    "Marguerite burns the ledger",
    "the harbour floods at midnight",
    "the tide tables were forged by the mayor",
]

GULLS = """---
title: "Counting Gulls"
spoilers: ["The Harbour Trilogy"]
---
Every chapter of the trilogy opens on the quay, and the second ends with a
twist: >!the lighthouse keeper was the heron all along!<. Readers argued for
weeks.[^1]

## Tides

The last page turns on one line, ||the ferry never sails again||, and on a
scene the author kept short.

::: spoiler "the last scene"
Marguerite burns the ledger in the harbour master's stove.

Then the harbour floods at midnight.[^2] See [the tides](#tides).
:::

The trilogy ends where it began.

[^1]: Mostly in the letters page of the town paper.
[^2]: A footnote called from inside a spoiler.
"""

QUAY = """---
title: "Notes from the Quay"
---
A quieter piece about boats, with one secret: ||the tide tables were forged by
the mayor||. Nothing else here is hidden.
"""

PLAIN = """---
title: "Harbour Lights"
---
A piece with nothing hidden, about the colour of the water at dusk.
"""


def manuscript(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "book.toml").write_text(
        'title = "Tide Tables"\nauthors = ["A. Writer"]\nlanguage = "en"\ndescription = "Three pieces."\n'
        'spoils = ["The Harbour Trilogy"]\npieces = ["lights.md", "gulls.md", "quay.md"]\n'
    )
    for name, text in (("lights.md", PLAIN), ("gulls.md", GULLS), ("quay.md", QUAY)):
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("reveals")
    return build_book(manuscript(root / "manuscript"), root / "out")


def spine(epub: Path) -> list[tuple[str, str | None]]:
    """(file name, linear) for each itemref, in spine order."""
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    hrefs = {item.get("id"): item.get("href") for item in opf.xpath("//opf:manifest/opf:item", namespaces=OPF_NS)}
    return [
        (hrefs[ref.get("idref")], ref.get("linear")) for ref in opf.xpath("//opf:spine/opf:itemref", namespaces=OPF_NS)
    ]


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_reveals_are_one_document_out_of_the_reading_order_after_the_colophon(book):
    order = spine(book.epub)
    assert order[-1] == (REVEALS, "no")
    assert order[-2] == ("colophon.xhtml", None)
    assert [name for name, linear in order if linear == "no"] == [REVEALS]


def test_no_linear_document_holds_a_reveals_words(book):
    documents = book.epub_documents()
    reveals = documents[REVEALS]
    asides = reveals.xpath("//x:aside[@epub:type='footnote']", namespaces=XHTML_NS)
    assert len(asides) == 4
    # Each reveal's own words, without its numbered back-link.
    revealed = [text(aside).split(". ", 1)[1] for aside in asides]
    for hidden in HIDDEN:
        assert any(hidden in words for words in revealed), hidden
    for name, linear in spine(book.epub):
        if linear != "no":
            reading = text(documents[name])
            for words in revealed + HIDDEN:
                assert words not in reading, (name, words)


def test_spoiler_refs_and_reveals_link_both_ways(book):
    documents = book.epub_documents()
    refs = [
        (name, ref)
        for name in ("gulls.xhtml", "quay.xhtml")
        for ref in documents[name].xpath("//x:a[@class='spoiler-ref']", namespaces=XHTML_NS)
    ]
    assert [ref.text for _, ref in refs] == ["[spoiler 1]", "[spoiler 2]", "[spoiler 3: the last scene]", "[spoiler 1]"]
    for name, ref in refs:
        assert ref.get("{http://www.idpf.org/2007/ops}type") == "noteref" and ref.get("role") == "doc-noteref"
        target_file, _, target = ref.get("href").partition("#")
        assert target_file == REVEALS
        aside = documents[REVEALS].xpath(f"//x:aside[@id='{target}']", namespaces=XHTML_NS)[0]
        assert aside.get("role") == "doc-footnote"
        assert aside.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=XHTML_NS) == [f"{name}#{ref.get('id')}"]


def test_reveals_document_groups_reveals_under_their_pieces(book):
    reveals = book.epub_documents()[REVEALS]
    assert [text(h) for h in reveals.xpath("//x:h1", namespaces=XHTML_NS)] == ["Spoilers revealed"]
    assert [text(h) for h in reveals.xpath("//x:h2", namespaces=XHTML_NS)] == ["Counting Gulls", "Notes from the Quay"]
    assert text(reveals.xpath("//x:title", namespaces=XHTML_NS)[0]) == "Spoilers revealed"


def test_links_from_inside_a_reveal_reach_the_piece(book):
    documents = book.epub_documents()
    reveals, gulls = documents[REVEALS], documents["gulls.xhtml"]
    to_heading = reveals.xpath("//x:a[text()='the tides']/@href", namespaces=XHTML_NS)
    assert to_heading == ["gulls.xhtml#gulls-tides"] and gulls.xpath("//*[@id='gulls-tides']")
    # A note called from inside a spoiler is part of it: its words are in the reveal, not in the piece.
    assert "A footnote called from inside a spoiler." in text(
        reveals.xpath("//x:span[@class='note-in-spoiler']", namespaces=XHTML_NS)[0]
    )
    assert "called from inside a spoiler" not in text(gulls)
    assert len(gulls.xpath("//x:aside[@epub:type='footnote']", namespaces=XHTML_NS)) == 1


def test_reveals_are_in_no_contents_or_landmarks(book):
    documents = book.epub_documents()
    listed = documents["nav.xhtml"].xpath(
        "//x:nav[@epub:type='toc' or @epub:type='landmarks']//x:a/@href", namespaces=XHTML_NS
    )
    assert listed and not [href for href in listed if href.startswith(REVEALS)]
    assert not documents["contents.xhtml"].xpath(f"//x:a[starts-with(@href, '{REVEALS}')]", namespaces=XHTML_NS)


def test_print_page_list_is_complete_and_in_reading_order(book):
    documents = book.epub_documents()
    pages = documents["nav.xhtml"].xpath("//x:nav[@epub:type='page-list']//x:a/@href", namespaces=XHTML_NS)
    assert [href.rsplit("#page-", 1)[1] for href in pages] == [str(n) for n in range(1, len(book.pdf_pages()) + 1)]
    assert not [href for href in pages if href.startswith(REVEALS)]
    markers = [
        marker.get("id")
        for name, linear in spine(book.epub)
        if linear != "no"
        for marker in documents[name].xpath("//x:span[@epub:type='pagebreak']", namespaces=XHTML_NS)
    ]
    assert markers == [href.rsplit("#", 1)[1] for href in pages]


def test_ids_are_unique_across_the_book(book):
    ids = [
        element.get("id")
        for name, document in book.epub_documents().items()
        if name != "nav.xhtml"
        for element in document.iter()
        if element.get("id")
    ]
    assert len(ids) == len(set(ids))


def test_epubcheck_reports_nothing(book):
    assert epubcheck_messages(book.epub) == []


def test_spoiler_free_edition_has_no_reveals_document(tmp_path):
    built = build_book(manuscript(tmp_path / "manuscript"), tmp_path / "out", Edition(spoiler_free=True, redact=True))
    assert REVEALS not in built.epub_documents()
    assert REVEALS not in [name for name, _ in spine(built.epub)]
    everything = " ".join(text(document) for document in built.epub_documents().values())
    assert "[spoiler removed]" in everything
    for hidden in HIDDEN:
        assert hidden not in everything


# ---- Print page numbers at word boundaries --------------------------------------

# Long words (hyphenated across page ends on a small page) and what a count of characters trips on:
# soft hyphens, zero-width spaces, word joiners, combining accents, a ligature character, ß and İ
# (whose case the print layout may change), and words a font sets with ligatures.
WORDS = [
    "incomprehensibilities",
    "counterrevolutionaries",
    "institutionalisation",
    "characteristically",
    "extra\u00adordinarily",
    "super\u200bcalifragilistic",
    "office",
    "fluffy",
    "affine",
    "re\u0301sume\u0301",
    "cafe\u0301",
    "\ufb01nal",
    "word\u2060\u2014\u2060word",
    "disproportionately",
    "uncharacteristically",
    "telecommunications",
    "Stra\u00dfe",
    "misunderstandings",
    "overenthusiastically",
    "nevertheless",
]
INVISIBLE = ("Cf", "Mn")


def long_piece() -> str:
    paragraphs = ["\u0130stanbul harbours were quiet that winter, and the ferries ran late."]
    for number in range(40):
        paragraphs.append(" ".join(WORDS[(number * 7 + n) % len(WORDS)] for n in range(23 + number % 7)) + ".")
    return '---\ntitle: "A Long Night"\n---\n' + "\n\n".join(paragraphs) + "\n"


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("pages")
    manuscript = root / "manuscript"
    manuscript.mkdir()
    (manuscript / "book.toml").write_text(
        'title = "Small Hours"\nauthors = ["A. Writer"]\nlanguage = "en"\npage_size = "a6"\n'
        'description = "A long night on small pages."\npieces = ["long.md"]\n'
    )
    (manuscript / "long.md").write_text(long_piece())
    return build_book(manuscript, root / "out")


def visible(text: str) -> str:
    """Text as it reads: invisible characters and combining accents dropped, ligatures spelled out."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if unicodedata.category(ch) not in INVISIBLE)


def around(marker: etree._Element) -> tuple[str, str]:
    """The visible text just before and just after a page marker."""
    return (
        visible("".join(marker.xpath("preceding::text()"))[-40:]),
        visible("".join(marker.xpath("following::text()"))[:40]),
    )


def markers(book) -> list[etree._Element]:
    documents = book.epub_documents()
    return [
        marker
        for name, linear in spine(book.epub)
        if linear != "no"
        for marker in documents[name].xpath("//x:span[@epub:type='pagebreak']", namespaces=XHTML_NS)
    ]


def test_no_page_marker_stands_inside_a_word(small_pages):
    found = markers(small_pages)
    assert len(found) == len(small_pages.pdf_pages()) > 12
    for marker in found:
        before, after = around(marker)
        assert not (before[-1:].isalnum() and after[:1].isalnum()), (marker.get("id"), before, after)


def assert_a_marker_per_page_between_words(book) -> None:
    found = markers(book)
    assert len(found) == len(book.pdf_pages())
    for marker in found:
        before, after = around(marker)
        assert not (before[-1:].isalnum() and after[:1].isalnum()), (marker.get("id"), before, after)


def test_no_page_marker_stands_inside_a_word_in_the_sample_book(sample_book):
    assert_a_marker_per_page_between_words(sample_book)


def test_page_list_is_complete_and_in_order_on_small_pages(small_pages):
    pages = small_pages.epub_documents()["nav.xhtml"].xpath(
        "//x:nav[@epub:type='page-list']//x:a/@href", namespaces=XHTML_NS
    )
    assert [href.rsplit("#", 1)[1] for href in pages] == [
        f"page-{n}" for n in range(1, len(small_pages.pdf_pages()) + 1)
    ]
    assert [marker.get("id") for marker in markers(small_pages)] == [href.rsplit("#", 1)[1] for href in pages]


def body(page: str) -> str:
    """A printed page's text without the running head and folio that follow it."""
    lines = page.splitlines()
    while lines and (lines[-1].isdigit() or lines[-1] in ("small hours", "A Long Night")):
        lines.pop()
    return "\n".join(lines)


def test_each_page_marker_is_before_the_word_its_printed_page_begins_with(small_pages):
    """Exact, not near: the word after each marker is the printed page's first word, or the one broken onto it."""
    printed = [[visible(token) for token in body(text).split()] for text in small_pages.pdf_pages()]
    broken = 0
    for marker in markers(small_pages):
        if not marker.xpath("ancestor::x:div[@class='piece-body']", namespaces=XHTML_NS):
            continue
        number = int(marker.get("id").removeprefix("page-"))
        word = around(marker)[1].split()[0]
        first = printed[number - 1][0]
        last = printed[number - 2][-1]
        if last.endswith("\u2010"):
            broken += 1
            assert word == last.removesuffix("\u2010") + first, (number, last, first, word)
        else:
            assert word in (first, last + first), (number, last, first, word)
    assert broken >= 2


def chapter(body: str) -> str:
    return (
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>'
        f'<section id="s" data-section="">{body}</section></body></html>'
    )


@pytest.mark.parametrize(
    ("body", "offset", "expected"),
    [
        ("<p>Ink p\u00adlumes</p>", 4, "<p>Ink |p\u00adlumes</p>"),
        ("<p>Ink <em>p</em>lumes rise</p>", 4, "<p>Ink <em>|p</em>lumes rise</p>"),
        ("<p>word\u2060\u2014\u2060word again</p>", 7, "<p>word\u2060\u2014\u2060|word again</p>"),
        ("<p>cafe\u0301 noir</p>", 3, "<p>|cafe\u0301 noir</p>"),
        ("<p>\ufb01ne day</p>", 4, "<p>\ufb01ne |day</p>"),
        ("<p>Stra\u00dfe end</p>", 7, "<p>Stra\u00dfe |end</p>"),
        ("<p>zero\u200bwidth</p>", 4, "<p>|zero\u200bwidth</p>"),
        ("<p>sea</p><p>wall</p>", 4, "<p>sea</p><p>|wall</p>"),
        ("<p>sea<br/>wall</p>", 4, "<p>sea<br/>|wall</p>"),
    ],
    ids=[
        "soft-hyphen",
        "across-inline-tags",
        "word-joiner-dash",
        "combining-accent",
        "ligature",
        "eszett",
        "zero-width-space",
        "next-block",
        "line-break",
    ],
)
def test_a_page_marker_goes_before_the_word_its_page_begins_in(body, offset, expected):
    """``offset`` counts as the print layout does: each letter once, ligatures as their letters, no invisible marks."""
    documents, page_list = place_page_markers({"a.xhtml": chapter(body)}, [PageStart(1, "s", offset)])
    section = etree.fromstring(documents["a.xhtml"].split("\n", 2)[2].encode()).find(
        ".//{http://www.w3.org/1999/xhtml}section"
    )
    marked = "".join(etree.tostring(child, encoding="unicode", with_tail=True) for child in section)
    marked = re.sub(r"<span [^>]*pagebreak[^>]*/>", "|", re.sub(r' xmlns(:epub)?="[^"]+"', "", marked))
    assert marked == expected and page_list == [("1", "a.xhtml#page-1")]


def test_pages_that_begin_in_one_long_word_are_marked_before_it_in_order():
    documents, _ = place_page_markers(
        {"a.xhtml": chapter("<p>Ink " + "a" * 90 + " dries</p>")},
        [PageStart(1, "s", 0), PageStart(2, "s", 30), PageStart(3, "s", 60)],
    )
    ids = re.findall(r'id="(page-\d)"', documents["a.xhtml"])
    assert ids == ["page-1", "page-2", "page-3"]
    assert re.search(r"Ink <span[^>]*page-2[^>]*/><span[^>]*page-3[^>]*/>a{90} dries", documents["a.xhtml"])


def test_print_and_epub_count_the_same_whatever_the_layout_does_to_the_text():
    text = (
        "\u0130stanbul Stra\u00dfe o\ufb03ce cafe\u0301 extra\u00adordinary word\u2060\u2014\u2060word zero\u200bwidth"
    )
    counted = _visible(text)
    assert counted == len("istanbul strasse office cafe extraordinary word—word zerowidth".replace(" ", ""))
    # What WeasyPrint may hand over instead: another case, a line broken with its hyphen, soft hyphens removed.
    for printed in (
        text.upper(),
        text.lower(),
        text.replace("extra\u00ad", "extra\u00ad\u2010"),
        text.replace("\u00ad", ""),
    ):
        assert _visible(printed) == counted, printed


def test_raw_html_may_not_take_the_class_reveals_are_cut_at(tmp_path):
    """A piece is cut where its reveals begin: a writer's section with their class would cut it elsewhere."""
    root = one_piece_manuscript(
        tmp_path / "manuscript",
        PIECE_HEAD + 'Opening ||hidden||.\n\n<section class="spoiler-reveals">Not a reveal.</section>\n\nAfter.\n',
    )
    with pytest.raises(PublishError, match=r"note\.md:6: the class 'spoiler-reveals' is the book's own"):
        build_book(root, tmp_path / "out")
