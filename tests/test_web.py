"""The web edition (``--format html``): a folder of static pages and its zip, read back as files and parsed.

What a browser shows (spoilers hidden until opened, no sideways scrolling) is for the browser tests; these read
the pages as a static host serves them.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import urldefrag

import lxml.html
import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image

from publish.cli import cli
from publish.outputs.registry import requested
from publish.read.default_theme import find_theme
from publish.render.theme import Theme
from publish.request import BuildRequest

from .conftest import MANUSCRIPT, BuiltBook, assert_fails_cleanly, build_over_last_good, one_piece_manuscript, words


def build_site(out: Path, *extra: str) -> Path:
    result = CliRunner().invoke(cli, ["build", "--format", "html", "--out", str(out), "--quiet", *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def site(web_site: Path) -> Path:
    return web_site


def pages(site: Path) -> dict[str, lxml.html.HtmlElement]:
    return {path.name: lxml.html.parse(str(path)).getroot() for path in sorted(site.glob("*.html"))}


def test_the_site_is_a_folder_and_a_zip_of_the_same_files(site):
    with zipfile.ZipFile(site.with_name(site.name + ".zip")) as archive:
        zipped = {name: archive.read(name) for name in archive.namelist()}
    written = {path.relative_to(site).as_posix(): path.read_bytes() for path in site.rglob("*") if path.is_file()}
    assert zipped == written
    assert {"index.html", "colophon.html", "style.css", "fonts/fonts.css"} <= set(written)


def test_every_page_is_reached_from_the_index_and_every_link_lands(site):
    found = pages(site)
    reached, queue = {"index.html"}, ["index.html"]
    while queue:
        page = found[queue.pop()]
        for href in page.xpath("//a/@href"):
            file_name, anchor = urldefrag(href)
            target = file_name or next(name for name, root in found.items() if root is page)
            assert target in found, (href, "no such page")
            if anchor:
                assert found[target].xpath(f'//*[@id="{anchor}"]'), (href, "no such id")
            if target not in reached:
                reached.add(target)
                queue.append(target)
    assert reached == set(found)


def test_every_page_names_its_language_and_asks_for_nothing_outside_its_folder(site):
    for name, page in pages(site).items():
        assert page.get("lang") == "en", name
        references = page.xpath("//@href | //@src")
        assert not [ref for ref in references if re.match(r"[a-z]+:|//", ref)], name
    css = b"".join(path.read_bytes() for path in site.rglob("*.css")).decode()
    assert not re.findall(r"url\(\s*['\"]?(?:[a-z]+:|//)", css)


def test_the_fonts_are_the_themes_cut_to_the_letters_the_pages_use_as_woff2(site):
    css = (site / "fonts" / "fonts.css").read_text()
    named = re.findall(r'url\("([^"]+)"\)', css)
    assert named and all((site / "fonts" / name).is_file() for name in named), named
    fonts = sorted((site / "fonts").glob("*"))
    assert [path.name for path in fonts if path.suffix not in (".css", ".woff2")] == []
    # Only the faces web.css names: not the 8-point ones classic prints its notes and heads in.
    assert sorted(named) == sorted(path.name for path in fonts if path.suffix == ".woff2")
    assert not [path.name for path in fonts if "08" in path.name]
    body = TTFont(site / "fonts" / "EBGaramond12-Regular.woff2")
    assert body.flavor == "woff2"
    text = "".join(page.xpath("string(//body)") for page in pages(site).values())
    letters = {character for character in text if character.isalpha()}
    assert letters and not letters - {chr(code) for code in body.getBestCmap()}
    assert len(body.getBestCmap()) < 1000  # the face itself holds several thousand


def test_every_word_of_every_piece_is_on_its_page(site, sample_book: BuiltBook):
    documents = sample_book.epub_documents()
    revealed = words(" ".join(documents["spoilers-revealed.xhtml"].xpath("//text()")))
    for name, page in pages(site).items():
        epub_name = name.replace(".html", ".xhtml")
        if name.startswith(("index", "warning")) or epub_name not in documents:
            continue
        on_page = words(" ".join(page.xpath("//main//text()")))
        in_epub = words(" ".join(documents[epub_name].xpath("//text()")))
        missing = in_epub - on_page
        assert not missing, (name, sorted(missing)[:10])
        hidden = words(" ".join(page.xpath("//details//text()")))
        assert hidden <= revealed | in_epub, name


def test_a_spoiler_is_a_closed_disclosure_out_of_search_snippets_and_out_of_the_text_around_it(site):
    page = pages(site)["foreword.html"]
    (details,) = page.xpath("//details")
    assert details.get("open") is None and details.get("data-nosnippet") is not None
    assert details.xpath("string(summary)") == "[spoiler 1]"
    assert "dreamed" in details.xpath("string(.)")
    outside = " ".join(text for text in page.xpath("//main//text()") if not text.getparent().xpath("ancestor::details"))
    assert "dreamed" not in outside and "[spoiler 1]" in outside
    marker = page.xpath('//a[@class="spoiler-ref"]')[0]
    assert marker.get("href") == "#" + details.get("id")


def test_the_contents_give_each_pieces_kind_author_and_reading_time(site):
    found = pages(site)
    entries = found["index.html"].xpath("//nav[@class='contents']//li[.//span[@class='entry-time']]")
    assert len(entries) == 3
    for entry in entries:
        href = entry.xpath(".//a/@href")[0].removeprefix("warning-")
        words_on_page = len(" ".join(found[href].xpath("//article//text()")).split())
        minutes = int(entry.xpath("string(.//span[@class='entry-time'])").split()[0])
        assert abs(minutes - words_on_page / 230) <= 1, (href, minutes, words_on_page)
        assert entry.xpath(".//span[@class='entry-kind']") and entry.xpath(".//span[@class='entry-author']")


def test_a_note_follows_the_block_that_calls_it_and_leads_back(site):
    page = pages(site)["response.html"]
    (note,) = page.xpath("//aside[@class='footnote']")
    call = page.xpath(f"//a[@href='#{note.get('id')}']")[0]
    holder = call.xpath("ancestor::*[parent::div[@class='piece-body']]")[0]
    assert holder.getnext() is note
    assert note.xpath(".//a[@class='note-number']/@href") == ["#" + call.get("id")]


def test_a_spoiler_piece_is_behind_its_warning_which_offers_the_way_past(site):
    found = pages(site)
    index_links = found["index.html"].xpath("//nav[@class='contents']//a/@href")
    assert "warning-la-la-land-ending.html" in index_links and "la-la-land-ending.html" not in index_links
    warning = found["warning-la-la-land-ending.html"]
    skip = warning.xpath("//a[@class='skip-link']/@href")
    assert skip == ["colophon.html"], skip
    assert warning.xpath("//p[@class='spoiler-warning-continue']/a/@href") == ["la-la-land-ending.html"]


def test_format_all_leaves_the_web_edition_out_unless_book_toml_lists_it():
    assert [fmt.name for fmt in requested(BuildRequest())] == ["pdf", "epub"]


def test_a_theme_that_extends_the_default_takes_its_web_templates_and_styles():
    """The default theme's site is the one the other tests read; a theme that extends it needs none of its own."""
    theme = Theme.load(find_theme("large-print", MANUSCRIPT, "--theme"))
    assert any((layer / "templates" / "web" / "page.html").is_file() for layer in theme.layers)
    assert theme.joined("web.css")


def test_an_unchanged_site_is_fresh_and_reported_as_its_folder(web_site):
    result = CliRunner().invoke(cli, ["build", "--format", "html", "--out", str(web_site.parent)])
    assert result.exit_code == 0 and "nothing changed" in result.stderr, result.output
    assert "fresh  " + str(web_site) + " " in result.stderr  # the folder once, not each of its files


def test_a_rebuild_leaves_no_file_an_earlier_build_wrote_in_a_folder_it_writes_whole(tmp_path):
    from publish.pipeline.files import remove_others, write_all_atomically

    site = tmp_path / "book-web"
    write_all_atomically({site / "index.html": b"1", site / "a-piece-since-removed.html": b"2"})
    write_all_atomically({site / "index.html": b"3"})
    remove_others(site, {site / "index.html"})
    assert sorted(path.name for path in site.iterdir()) == ["index.html"]


@pytest.mark.parametrize("name", ["../outside.pdf", "{outside}"])
def test_a_build_record_naming_a_file_outside_the_output_folder_is_not_believed(tmp_path, name):
    """Names in a record may lead into a folder of the output folder (the web edition's), never out of it."""
    from publish.pipeline.cache import RECORD, fresh_outputs

    outside, out = tmp_path / "outside.pdf", tmp_path / "out"
    outside.write_bytes(b"%PDF")
    digest = hashlib.sha256(b"%PDF").hexdigest()
    (out / RECORD).parent.mkdir(parents=True)
    record = {"key": "k", "outputs": {name.format(outside=outside): digest}, "guide": [], "warnings": []}
    (out / RECORD).write_text(json.dumps(record))
    assert fresh_outputs(out, "k") is None


SHARED = "https://zines.example.org/small-hours/"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A small book published at an address: a piece with a summary, then one with spoilers and a summary of its
    own that gives the ending away."""
    root = one_piece_manuscript(
        tmp_path_factory.mktemp("published") / "m",
        '---\ntitle: "Morning"\nsummary: "A walk to the station."\ndate: 2026-03-04\n---\nThe train was late.\n',
        "morning.md",
    )
    (root / "ending.md").write_text(
        '---\ntitle: "The Ending"\nspoilers: ["The Film (2020)"]\nsummary: "The twins were one person."\n---\n'
        "It ends as it began.\n",
        encoding="utf-8",
    )
    config = root / "book.toml"
    config.write_text(
        config.read_text().replace('pieces = ["morning.md"]', 'pieces = ["morning.md", "ending.md"]')
        + f'base_url = "{SHARED.rstrip("/")}"\n'
    )
    out = tmp_path_factory.mktemp("published-out")
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(root), "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "small-hours-web"


def meta(page: lxml.html.HtmlElement, name: str) -> str | None:
    found = page.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
    return found[0] if found else None


def test_published_pages_name_their_address_and_share_as_a_card_with_the_cover(published):
    for name, page in pages(published).items():
        address = SHARED if name == "index.html" else SHARED + name
        assert page.xpath("//link[@rel='canonical']/@href") == [address], name
        assert meta(page, "og:url") == address and meta(page, "og:image") == SHARED + "cover.jpg", name
        assert meta(page, "twitter:card") == "summary_large_image", name
        assert meta(page, "og:title") and meta(page, "og:site_name") == "Small Hours", name
        assert page.xpath("//link[@type='application/atom+xml']/@href") == ["feed.xml"], name
    with Image.open(published / "cover.jpg") as cover:
        index = pages(published)["index.html"]
        assert (meta(index, "og:image:width"), meta(index, "og:image:height")) == tuple(map(str, cover.size))
        assert index.xpath("//img[@class='cover']/@src") == ["cover.jpg"]


def test_a_shared_link_to_a_piece_with_spoilers_previews_the_warning_not_its_summary(published):
    found = pages(published)
    assert meta(found["morning.html"], "og:description") == "A walk to the station."
    for name in ("warning-ending.html", "ending.html"):
        for field in ("description", "og:description", "twitter:description"):
            assert meta(found[name], field) == "Contains spoilers for The Film (2020)", (name, field)
    everything_shared = " ".join(
        path.read_text(encoding="utf-8") for path in published.rglob("*") if path.suffix in (".html", ".xml")
    )
    assert "twins" not in everything_shared


def test_the_sitemap_lists_every_page_and_the_feed_every_piece_at_its_first_page(published):
    sitemap = etree.parse(str(published / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "a": "http://www.w3.org/2005/Atom"}
    listed = sitemap.xpath("//s:url/s:loc/text()", namespaces=ns)
    assert sorted(listed) == sorted(SHARED if name == "index.html" else SHARED + name for name in pages(published))
    feed = etree.parse(str(published / "feed.xml")).getroot()
    assert feed.xpath("a:id/text()", namespaces=ns)[0].startswith("urn:uuid:")
    assert feed.xpath("a:link[@rel='self']/@href", namespaces=ns) == [SHARED + "feed.xml"]
    entries = feed.xpath("a:entry", namespaces=ns)
    assert [entry.xpath("string(a:title)", namespaces=ns) for entry in entries] == ["Morning", "The Ending"]
    morning, ending = entries
    assert morning.xpath("a:link/@href", namespaces=ns) == [SHARED + "morning.html"]
    assert morning.xpath("string(a:updated)", namespaces=ns) == "2026-03-04T00:00:00Z"
    assert ending.xpath("a:link/@href", namespaces=ns) == [SHARED + "warning-ending.html"]
    assert ending.xpath("string(a:summary)", namespaces=ns) == "Contains spoilers for The Film (2020)"
    for entry in entries:
        assert all(entry.xpath(f"a:{name}", namespaces=ns) for name in ("id", "title", "updated", "author"))


def test_an_unpublished_site_names_no_address_and_has_no_sitemap_or_feed(site):
    for name, page in pages(site).items():
        assert not page.xpath("//link[@rel='canonical'] | //meta[@property='og:url' or @property='og:image']"), name
        assert meta(page, "twitter:card") == "summary" and meta(page, "og:title"), name
    assert not (site / "sitemap.xml").exists() and not (site / "feed.xml").exists()
    assert (site / "cover.jpg").read_bytes().startswith(b"\xff\xd8")


def test_book_toml_formats_say_what_all_builds(tmp_path):
    root = one_piece_manuscript(tmp_path / "m", "---\ntitle: A\n---\n\nText.\n")
    (root / "book.toml").write_text((root / "book.toml").read_text() + 'formats = ["epub", "html"]\n')
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--manuscript", str(root), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    made = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
    assert made == ["small-hours-web", "small-hours-web.zip", "small-hours.epub"]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('formats = ["pdf", "htm"]', "'formats' lists 'htm', which is no format: use some of pdf, epub, html"),
        ('base_url = "zines.example.org/small"', "'base_url' is 'zines.example.org/small', not the address of"),
        ('base_url = "https://example.org/?page=zine"', "not the address of a folder on the web"),
    ],
    ids=["unknown format", "no scheme", "a query"],
)
def test_a_wrong_format_or_address_in_book_toml_is_one_line_with_its_line(tmp_path, line, fragment):
    root = one_piece_manuscript(tmp_path / "m", "---\ntitle: A\n---\n\nText.\n")
    (root / "book.toml").write_text((root / "book.toml").read_text() + line + "\n")
    result = build_over_last_good(root, tmp_path / "out", ("small-hours.pdf",), "--format", "pdf")
    assert_fails_cleanly(result, tmp_path / "out", "book.toml:6:", fragment)


def test_with_the_pdf_each_printed_page_is_marked_where_it_begins(sample_book: BuiltBook):
    """Every page has its marker, and in a piece the marker for page n stands before the first words pdftotext
    reads on page n of the same build's PDF (after its running head)."""
    assert sample_book.site is not None
    marked, in_pieces = [], {}
    for page in pages(sample_book.site).values():
        for marker in page.xpath("//span[@class='print-page']"):
            assert marker.get("role") == "doc-pagebreak" and marker.get("id") == "page-" + marker.get("data-page")
            marked.append(int(marker.get("data-page")))
            if marker.xpath("ancestor::article"):
                in_pieces[int(marker.get("data-page"))] = " ".join(" ".join(marker.xpath("following::text()")).split())
    printed = sample_book.pdf_pages()
    assert sorted(marked) == list(range(1, len(printed) + 1))
    assert len(in_pieces) >= 6
    for number, after in in_pieces.items():
        text = " ".join(printed[number - 1].split()).lower()
        assert after[:30].lower() in text, (number, after[:40], text[:120])


def test_without_the_pdf_the_site_marks_no_pages(site):
    assert not [name for name, page in pages(site).items() if page.xpath("//span[@class='print-page']")]


def test_the_spoiler_free_site_has_no_spoiler_piece_and_no_hidden_words(tmp_path):
    site = build_site(tmp_path, "--spoiler-free") / "what-the-epilogue-means-spoiler-free-web"
    found = pages(site)
    assert sorted(found) == ["colophon.html", "foreword.html", "index.html"]
    assert not [name for name, page in found.items() if page.xpath("//details | //*[@data-nosnippet]")]
    text = " ".join(path.read_text(encoding="utf-8") for path in site.rglob("*") if path.suffix in (".html", ".css"))
    assert "dreamed" not in text and "[spoiler removed]" in found["foreword.html"].xpath("string(//main)")
    assert "warning" not in " ".join(found["index.html"].xpath("//a/@href"))
