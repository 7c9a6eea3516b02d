"""Books in other languages, built for real: the words the book prints itself, dates, typography, hyphenation."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zipfile
from pathlib import Path

import pyphen
import pytest
from click.testing import CliRunner
from lxml import etree

from publish.cli import cli
from publish.markup.convert import inline
from publish.markup.typography import typeset
from publish.outputs.epubcheck_jvm import epubcheck_messages
from publish.read.config import DEFAULT_THEME
from publish.read.manuscript import add_piece, load_manuscript
from publish.read.wording import load_wording
from publish.render.assemble import PrintLayout, assemble
from publish.render.theme import Theme, class_token

from .conftest import STAMP, XHTML_NS, build_book, one_piece_manuscript

NNBSP = "\u202f"
# Words the English locale prints that a French book must not ("Colophon" is French too).
ENGLISH_WORDS = (
    "Contents",
    "Spoiler warning",
    "reveals what happens",
    "Skip to",
    "Published by",
    "Set in",
    "Typeset from",
    "Built on",
    "December",
    "Read on",
    "Essay",
    "Story",
    "spoilers)",
)

FRENCH_BOOK = (
    'title = "Le Phare du bout du quai"\nauthors = ["Maud Lenoir", "Ilan Roux"]\nlanguage = "fr"\n'
    'publisher = "Éditions de la Jetée"\ndate = 2026-12-01\nspoils = ["Le Rayon vert (1986)"]\n'
    'pieces = ["ouverture.md", "la-fin.txt", "apres.md"]\n'
)
OPENING = """---
title: "Ouverture"
author: "Maud Lenoir"
kind: foreword
---
Pourquoi écrire sur un phare ? Parce qu'on le voit de partout ; parce qu'il clignote : "toujours là !"

-- Tu viens ? demanda-t-elle.

Il répondit « oui » sans lever les yeux.
"""
ENDING = """---
title: "La fin du film"
author: "Ilan Roux"
kind: story
---
--contains spoilers--

À la dernière minute, le ciel devient ||vert, et Delphine pleure de joie||.

- Enfin, dit-elle.
"""
AFTER = """---
title: "Après la séance"
author: "Maud Lenoir"
---
On sort dans la nuit ; le quai est mouillé. Qui parle le premier ?
"""


@pytest.fixture(scope="module")
def french(tmp_path_factory):
    root = tmp_path_factory.mktemp("fr") / "manuscript"
    root.mkdir()
    (root / "book.toml").write_text(FRENCH_BOOK, encoding="utf-8")
    for name, text in (("ouverture.md", OPENING), ("la-fin.txt", ENDING), ("apres.md", AFTER)):
        (root / name).write_text(text, encoding="utf-8")
    return build_book(root, root.parent / "build")


def epub_text(book, name: str) -> str:
    return "".join(book.epub_documents()[name].itertext())


def pdf_text(book) -> str:
    """The PDF's text on one line: hyphenated words joined, runs of spaces and line ends one space (thin and
    no-break spaces kept: they are what is tested)."""
    return flat("\n".join(book.pdf_pages()))


def flat(text: str) -> str:
    return re.sub(r"[ \n]+", " ", text.replace("\u2010\n", ""))


def test_a_french_book_prints_its_own_words_in_french(french):
    text = pdf_text(french)
    assert "sommaire" in text.lower()
    assert "Publié par Éditions de la Jetée, le 1er décembre 2026." in text
    assert "La fin du film révèle ce qui se passe dans Le Rayon vert (1986)." in text
    # EB Garamond's italic has no U+202F: Pango sets a thin space in its place, which reads back as a space.
    assert re.search(f"Vous préférez ne pas savoir encore[{NNBSP} ]\\? Passez à la page", text)
    assert "Composé en EB Garamond, sous licence SIL Open Font License." in text
    assert "Mis en pages à partir de 3 fichiers de manuscrit avec" in text
    assert "Contient des révélations sur Le Rayon vert (1986)" in text
    assert (
        "[révélation\u00a01]" in text.replace(" ", "") and "Révélation 1." in text
    )  # the call is set in small capitals
    for english in ENGLISH_WORDS:
        assert english.lower() not in text.lower(), english


def test_the_french_skip_line_points_past_the_spoilers(french):
    pages = french.pdf_pages()
    warning = next(number for number, page in enumerate(pages, start=1) if "Passez à la page" in page)
    target = int(re.search(r"Passez à la page\s+(\d+)", pages[warning - 1]).group(1))
    assert "Après la séance" in pages[target - 1] and target > warning


def test_a_french_epub_speaks_french_and_passes_epubcheck(french):
    documents = french.epub_documents()
    everything = " ".join(flat("".join(document.itertext())) for document in documents.values())
    assert "Sommaire" in epub_text(french, "contents.xhtml")
    warning = epub_text(french, "warning-la-fin.xhtml")
    assert "Attention, révélations" in warning and f"Vous préférez ne pas savoir encore{NNBSP}?" in warning
    assert "Passez à Après la séance" in warning and "Poursuivre la lecture" in warning
    nav = documents["nav.xhtml"]
    labels = [a.text for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=XHTML_NS)]
    assert "La fin du film (révélations)" in labels
    landmarks = [a.text for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=XHTML_NS)]
    assert landmarks == ["Couverture", "Page de titre", "Sommaire", "Début du texte"]
    svg = {"svg": "http://www.w3.org/2000/svg"}
    (cover,) = documents["cover.xhtml"].xpath("//svg:svg", namespaces=svg)
    alt = f"Couverture{NNBSP}: Le Phare du bout du quai, par Maud Lenoir et Ilan Roux"
    assert cover.get("aria-label") == alt and cover.xpath("string(svg:title)", namespaces=svg) == alt
    assert "Révélation 1." in epub_text(french, "spoilers-revealed.xhtml")
    assert "Achevé de composer le" in everything and "1er décembre 2026" in everything
    with zipfile.ZipFile(french.epub) as archive:
        package = archive.read("EPUB/content.opf").decode("utf-8")
    assert "Contient des révélations sur Le Rayon vert (1986)." in package and "Tout le contenu est du texte" in package
    for english in ENGLISH_WORDS:
        assert english not in everything, english
    assert epubcheck_messages(french.epub) == []


def test_french_spacing_and_guillemets_in_both_editions(french):
    for text in (pdf_text(french), flat(epub_text(french, "ouverture.xhtml"))):
        assert (
            f"un phare{NNBSP}? Parce qu’on le voit de partout{NNBSP}; parce qu’il clignote{NNBSP}: "
            f"«{NNBSP}toujours là{NNBSP}!{NNBSP}»" in text
        )
        assert f"«{NNBSP}oui{NNBSP}»" in text
    page = epub_text(french, "apres.xhtml")
    assert f"mouillé. Qui parle le premier{NNBSP}?" in page and f"la nuit{NNBSP};" in page


def test_dialogue_dashes_open_paragraphs_in_markdown_and_plain_text(french):
    opening = french.epub_documents()["ouverture.xhtml"]
    paragraphs = ["".join(p.itertext()) for p in opening.xpath("//x:div[@class='piece-body']/x:p", namespaces=XHTML_NS)]
    assert paragraphs[1].startswith(f"—\u00a0Tu viens{NNBSP}? demanda")
    ending = french.epub_documents()["la-fin.xhtml"]
    paragraphs = ["".join(p.itertext()) for p in ending.xpath("//x:div[@class='piece-body']/x:p", namespaces=XHTML_NS)]
    assert paragraphs[-1].startswith("—\u00a0Enfin, dit-elle.")


def test_kinds_are_translated_and_an_untyped_piece_has_no_label(french):
    documents = french.epub_documents()
    kinds = {
        name: [p.text for p in documents[name].xpath("//x:p[@class='piece-kind']", namespaces=XHTML_NS)]
        for name in ("ouverture.xhtml", "la-fin.xhtml", "apres.xhtml")
    }
    assert kinds == {"ouverture.xhtml": ["Avant-propos"], "la-fin.xhtml": ["Nouvelle"], "apres.xhtml": []}
    assert documents["la-fin.xhtml"].xpath("//x:body/@class", namespaces=XHTML_NS) == ["kind-story"]
    page = next(page for page in french.pdf_pages() if "Après la séance\nMaud Lenoir" in page)
    assert not page.lower().startswith(("essai", "e s s a i"))


GERMAN_PIECE = """---
title: "Die Haltestelle"
author: "Jonas Weber"
kind: story
language: de
---
Die Straßenbahnhaltestelle gegenüber der Stadtbibliothek war an jenem Novemberabend menschenleer. Sie las
die Fahrplanänderungen, die Baustellenumleitungen und die Sonderveranstaltungen der Kulturgemeinschaft,
bis die Bahn endlich kam. Unterwegs dachte sie an Briefmarkensammlungen, Geburtstagsgeschenke,
Versicherungsunterlagen und Steuererklärungen, die noch ungeöffnet auf dem Küchentisch lagen.

"Kommst du mit?", fragte der Schaffner. Sie antwortete: 'Geht's auch später?' und lachte über die
Unterhaltungsmöglichkeiten einer Nachtfahrt durch Wohnsiedlungen, Gewerbegebiete und Kleingartenanlagen.
"""


@pytest.fixture(scope="module")
def english_with_german(tmp_path_factory):
    root = tmp_path_factory.mktemp("de")
    before = '---\ntitle: "Before"\nkind: story\n---\nFirst words.\n\nA short "English" opening.\n'
    manuscript = one_piece_manuscript(root / "manuscript", before, "before.md")
    (manuscript / "haltestelle.md").write_text(GERMAN_PIECE, encoding="utf-8")
    config = manuscript / "book.toml"
    config.write_text(config.read_text().replace('pieces = ["before.md"]', 'pieces = ["before.md", "haltestelle.md"]'))
    return build_book(manuscript, root / "build")


def test_a_german_piece_in_an_english_book_has_german_quotes_and_lang(english_with_german):
    documents = english_with_german.epub_documents()
    section = documents["haltestelle.xhtml"].xpath("//x:section[@class='piece']", namespaces=XHTML_NS)[0]
    assert section.get("lang") == "de" and section.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    (entry,) = [
        span
        for document in documents.values()
        for span in document.xpath("//x:span[@class='entry-title']", namespaces=XHTML_NS)
        if span.text == "Die Haltestelle"
    ]
    assert entry.get("lang") == "de" and entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    text = epub_text(english_with_german, "haltestelle.xhtml")
    assert "„Kommst du mit?“, fragte" in text and "‚Geht’s auch später?‘ und" in text
    assert "A short “English” opening." in epub_text(english_with_german, "before.xhtml")
    assert [
        p.text for p in documents["haltestelle.xhtml"].xpath("//x:p[@class='piece-kind']", namespaces=XHTML_NS)
    ] == ["Story"]
    pdf = pdf_text(english_with_german)
    assert "„Kommst du mit?“, fragte" in pdf and "A short “English” opening." in pdf
    assert epubcheck_messages(english_with_german.epub) == []


def test_the_german_piece_is_hyphenated_as_german_in_the_pdf(english_with_german):
    pages = [page for page in english_with_german.pdf_pages() if "Straßenbahn" in page]
    breaks = re.findall(r"(\w+)[\u2010-]\n(\w+)", "\n".join(pages))
    assert breaks, "the German piece has no hyphenated line ends"
    german, english = pyphen.Pyphen(lang="de_DE"), pyphen.Pyphen(lang="en_US")
    for before, after in breaks:
        assert len(before) in german.positions(before + after), (before, after)
    assert any(len(before) not in english.positions(before + after) for before, after in breaks), breaks


def test_the_print_article_carries_the_piece_language(tmp_path):
    root = one_piece_manuscript(tmp_path / "m", GERMAN_PIECE, "haltestelle.md")
    html = assemble(load_manuscript(root), Theme.load(DEFAULT_THEME), STAMP, targets=("print",)).print_html(
        PrintLayout("A5", "a5")
    )
    article = etree.HTML(html.encode("utf-8")).xpath("//article")[0]
    assert article.get("lang") == "de" and article.get("class") == "piece kind-story"


def test_the_web_edition_gives_the_german_piece_its_language_wherever_its_words_are(tmp_path):
    """Its page, its line in the contents and the link to it from the page before: a screen reader reads "Die
    Haltestelle" in a German voice, and a browser hyphenates and quotes it as German."""
    root = one_piece_manuscript(tmp_path / "m", '---\ntitle: "Before"\n---\nFirst words.\n', "before.md")
    (root / "haltestelle.md").write_text(GERMAN_PIECE, encoding="utf-8")
    config = root / "book.toml"
    config.write_text(config.read_text().replace('pieces = ["before.md"]', 'pieces = ["before.md", "haltestelle.md"]'))
    book = assemble(load_manuscript(root), Theme.load(DEFAULT_THEME), STAMP, targets=("web",))
    pages = {page.file_name: etree.HTML(page.content.encode("utf-8")) for page in book.web_pages}

    def language_of(element: etree._Element) -> str:
        return element.xpath("ancestor-or-self::*[@lang][1]/@lang")[0]

    assert pages["haltestelle.html"].get("lang") == "en"
    article = pages["haltestelle.html"].xpath("//article")[0]
    assert language_of(article) == "de" and "„Kommst du mit?“, fragte" in "".join(article.itertext())
    (entry,) = pages["index.html"].xpath("//nav[@class='contents']//a[@href='haltestelle.html']/span")
    assert entry.text == "Die Haltestelle" and language_of(entry) == "de"
    assert language_of(pages["index.html"].xpath("//a[@href='before.html']/span")[0]) == "en"
    (following,) = pages["before.html"].xpath("//a[@rel='next']//*[text()='Die Haltestelle']")
    assert language_of(following) == "de"
    (back,) = pages["colophon.html"].xpath("//a[@rel='prev']//*[text()='Die Haltestelle']")
    assert language_of(back) == "de"


def test_book_strings_override_the_locale(tmp_path):
    root = one_piece_manuscript(tmp_path / "m", '---\ntitle: "Alone"\nkind: interview\n---\nJust this.\n')
    config = root / "book.toml"
    config.write_text(
        config.read_text() + '\n[strings]\ncontents = "What is inside"\n\n[strings.kinds]\ninterview = "Conversation"\n'
    )
    book = build_book(root, tmp_path / "build")
    assert "what is inside" in pdf_text(book).lower() and "contents" not in pdf_text(book).lower()
    assert "What is inside" in epub_text(book, "contents.xhtml")
    assert [
        p.text for p in book.epub_documents()["note.xhtml"].xpath("//x:p[@class='piece-kind']", namespaces=XHTML_NS)
    ] == ["Conversation"]
    assert epubcheck_messages(book.epub) == []


def build_with_strings(tmp_path: Path, strings: str) -> tuple[Path, str]:
    """Build a one-piece book whose book.toml ends with ``strings``: its book.toml, and what the build said."""
    root = one_piece_manuscript(tmp_path / "m", "Just this.\n")
    config = root / "book.toml"
    config.write_text(config.read_text() + "\n[strings]\n" + strings)
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(root), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1
    return config, result.stderr.strip()


def test_an_unknown_strings_key_is_one_line_with_file_line_and_hint(tmp_path):
    config, said = build_with_strings(tmp_path, 'contents = "Inside"\ncolophn = "Notes on the making"\n')
    assert said == f"error: {config}:9: unknown key 'colophn' in [strings] — did you mean 'colophon'?", said


def test_a_theme_locale_may_change_one_word_and_fall_back_for_the_rest(theme_copy):
    (theme_copy / "locales").mkdir(exist_ok=True)
    for path in (theme_copy / "locales").iterdir():
        path.unlink()
    (theme_copy / "locales" / "fr.toml").write_text('contents = "Table des matières"\n', encoding="utf-8")
    words = load_wording([theme_copy, DEFAULT_THEME], "fr-CA", {"warning_read_on": "Lire la suite"})
    assert words.text("contents") == "Table des matières"
    assert words.text("colophon") == "Colophon" and words.text("warning_read_on") == "Lire la suite"
    assert words.kind("story") == "Nouvelle" and words.kind("zine review") == "zine review"
    assert load_wording([theme_copy, DEFAULT_THEME], "sv", {}).text("contents") == "Contents"


def test_every_shipped_locale_has_every_key_and_twelve_months():
    english = load_wording([DEFAULT_THEME], "en", {})
    keys = {key for key, _ in english.values}
    for path in sorted((DEFAULT_THEME / "locales").glob("*.toml")):
        own = tomllib.loads(path.read_text(encoding="utf-8"))
        assert keys - {"first_day"} <= set(own) | {"kinds"}, (path.name, keys - set(own))
        assert len(own["months"]) == 12 and set(own["kinds"]) == set(dict(english.values)["kinds"]), path.name


def test_a_kind_is_any_short_label_and_new_accepts_one(tmp_path):
    root = one_piece_manuscript(tmp_path / "m", '---\ntitle: "Q"\nkind: Letter from abroad\n---\nDear you.\n')
    assert load_manuscript(root).pieces[0].meta.kind == "Letter from abroad"
    result = CliRunner().invoke(cli, ["new", "A Talk", "--kind", "interview", "--manuscript", str(root)])
    assert result.exit_code == 0, result.output
    assert load_manuscript(root).pieces[-1].meta.kind == "interview"
    path = add_piece(root, "Untyped", "", "A. Writer", dt.date(2026, 12, 1))
    assert "kind" not in path.read_text() and load_manuscript(root).pieces[-1].meta.kind == ""
    (root / "note.md").write_text('---\ntitle: "Q"\nkind: ' + "very " * 10 + "long\n---\nDear you.\n")
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(root), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1 and "note.md:3: 'kind' should be a short label" in result.stderr


def test_a_piece_language_must_be_a_language_tag(tmp_path):
    root = one_piece_manuscript(tmp_path / "m", '---\ntitle: "Q"\nlanguage: German\n---\nHallo.\n')
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(root), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1 and "note.md:3: 'language' is 'German', not a BCP 47 tag" in result.stderr


def test_dates_are_written_in_each_language_without_the_c_locale():
    day = dt.date(2026, 12, 1)
    expected = {
        "en": "1 December 2026",
        "fr": "1er décembre 2026",
        "de": "1. Dezember 2026",
        "es": "1 de diciembre de 2026",
        "it": "1º dicembre 2026",
        "pt": "1 de dezembro de 2026",
        "nl": "1 december 2026",
    }
    for language, written in expected.items():
        assert load_wording([DEFAULT_THEME], language, {}).date(day) == written
    assert load_wording([DEFAULT_THEME], "fr", {}).date(dt.date(2026, 3, 14)) == "14 mars 2026"
    assert load_wording([DEFAULT_THEME], "de", {}).join(["A", "B", "C"]) == "A, B und C"
    assert load_wording([DEFAULT_THEME], "fr", {}).join(["A", "B", "C"]) == "A, B et C"


def test_typography_leaves_code_and_attributes_alone():
    fragment = '<p title="a: b?">Quoi: <code>x = a ? b : c;</code> “oui” &amp; 12:30 http://x.fr</p><pre>-- y ?</pre>'
    assert typeset(fragment, "fr") == (
        f'<p title="a: b?">Quoi{NNBSP}: <code>x = a ? b : c;</code> «{NNBSP}oui{NNBSP}» '
        "&amp; 12:30 http://x.fr</p><pre>-- y ?</pre>"
    )


def test_swiss_german_takes_guillemets_and_an_apostrophe_stays_one():
    fragment = "<p>“Kommst du?” – ‘Geht’s nicht später?’</p>"
    assert typeset(fragment, "de-CH") == "<p>«Kommst du?» – ‹Geht’s nicht später?›</p>"
    assert typeset(fragment, "de") == "<p>„Kommst du?“ – ‚Geht’s nicht später?‘</p>"


def test_a_strings_override_may_only_use_the_fields_its_key_is_filled_in_with(tmp_path):
    config, said = build_with_strings(tmp_path, 'warning_skip_to = "Jump to {titel}"\n')
    assert said == f"error: {config}:8: 'warning_skip_to' in [strings] may only use the fields {{title}}", said


def test_titles_get_the_typography_of_their_language():
    title = inline('Qui parle "le premier" ?', "fr")
    assert title.plain == f"Qui parle «{NNBSP}le premier{NNBSP}»{NNBSP}?" and title.markup == title.plain
    assert inline('"Los" und so', "de").plain == "„Los“ und so"
    assert inline('"Go" and so', "en").plain == "“Go” and so"


def test_a_kind_becomes_a_class_name_of_its_own_words():
    assert [class_token(kind) for kind in ("story", "Letter from abroad", "Q&A", "réponse", "詩", "!!")] == [
        "story",
        "letter-from-abroad",
        "q-a",
        "réponse",
        "詩",
        "",
    ]
