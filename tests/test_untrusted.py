"""Untrusted pieces: they read nothing outside the book, reach no network unasked, and run no code."""

from __future__ import annotations

import http.server
import io
import os
import re
import threading
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from publish.outputs.checks import check_epub
from publish.pipeline.sources import build_moment
from publish.read.resources import RefusedResource, ResourcePolicy

from .conftest import (
    OLD,
    PIECE_HEAD,
    XHTML_NS,
    assert_fails_cleanly,
    build_over_last_good,
    one_piece_manuscript,
    words,
)

OUTPUTS = ("small-hours.epub", "small-hours.pdf")
SECRET = Path("/etc/passwd")


def png(size: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(out, format="PNG")
    return out.getvalue()


def run_build(manuscript: Path, out: Path, *extra: str):
    return build_over_last_good(manuscript, out, OUTPUTS, *extra)


def every_byte(out: Path) -> bytes:
    """Every file's bytes, with every EPUB entry decompressed."""
    data = b""
    for path in (path for path in out.rglob("*") if path.is_file()):
        if path.suffix == ".epub" and path.read_bytes() != OLD:
            with zipfile.ZipFile(path) as archive:
                data += b"".join(archive.read(name) for name in archive.namelist())
        else:
            data += path.read_bytes()
    return data


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "reference",
    ["/etc/passwd", "../../../../../../etc/passwd", "file:///etc/passwd", "%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd"],
)
def test_an_image_outside_the_book_is_refused_with_piece_and_line(tmp_path, reference):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + f"Opening.\n\n![a secret]({reference})\n")
    out = tmp_path / "out"
    assert_fails_cleanly(
        run_build(manuscript, out),
        out,
        "note.md:6:",
        reference,
        "outside" if ".." in reference or "%2E" in reference else "",
    )
    assert b"root:" not in every_byte(out)


@pytest.mark.timeout(60)
def test_raw_html_cannot_reach_outside_either(tmp_path):
    manuscript = one_piece_manuscript(
        tmp_path / "m", PIECE_HEAD + 'Opening.\n\n<p><img src="/etc/passwd" alt="x"/></p>\n'
    )
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, "note.md:6:", "absolute path")


@pytest.mark.timeout(60)
def test_a_symlink_pointing_outside_is_refused(tmp_path):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n\n![the view](view.png)\n")
    (manuscript / "view.png").symlink_to(SECRET)
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, "note.md:6:", "outside the manuscript")
    assert b"root:" not in every_byte(out)


@pytest.mark.timeout(60)
def test_a_piece_that_is_a_symlink_to_outside_is_refused(tmp_path):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n")
    (manuscript / "note.md").unlink()
    (manuscript / "note.md").symlink_to(SECRET)
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, "book.toml", "outside the manuscript")


@pytest.mark.timeout(60)
def test_the_network_is_refused_unless_allowed(tmp_path):
    manuscript = one_piece_manuscript(
        tmp_path / "m", PIECE_HEAD + "Opening.\n\n![a photo](http://127.0.0.1:1/photo.png)\n"
    )
    out = tmp_path / "out"
    assert_fails_cleanly(
        run_build(manuscript, out), out, "note.md:6:", "http://127.0.0.1:1/photo.png", "--allow-remote"
    )


@pytest.mark.timeout(60)
def test_a_style_sheet_cannot_read_outside_the_book(tmp_path, theme_copy):
    """The second line of defence: WeasyPrint's fetcher refuses what a theme asks for."""
    theme = theme_copy
    with (theme / "print.css").open("a") as css:
        css.write('\nbody { background: url("file:///etc/passwd"); }\n')
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n")
    out = tmp_path / "out"
    result = run_build(manuscript, out, "--styles", str(theme))
    assert_fails_cleanly(result, out, "file:///etc/passwd", "outside the manuscript and styles folders")


class Server(http.server.BaseHTTPRequestHandler):
    """A tiny image host: a photo, a huge file, and one that never finishes."""

    def do_GET(self) -> None:
        if self.path == "/slow.png":
            time.sleep(3)
        body = png() if self.path != "/huge.png" else b"\0" * 200_000
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class QuietHost(http.server.ThreadingHTTPServer):
    """The slow image still answers after the build has given up on it, to a closed socket: not an error here,
    and its traceback would land in whichever test's captured stderr is current by then."""

    def handle_error(self, request, client_address) -> None:
        pass


@pytest.fixture
def image_host():
    server = QuietHost(("127.0.0.1", 0), Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.timeout(60)
def test_allowed_remote_images_reach_both_editions(tmp_path, image_host):
    url = f"{image_host}/photo.png"
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + f"Opening.\n\n![a teal square]({url})\n")
    out = tmp_path / "out"
    result = run_build(manuscript, out, "--allow-remote")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        images = [name for name in archive.namelist() if "/images/" in name]
        assert len(images) == 1 and archive.read(images[0]) == png()
    assert b"/Subtype /Image" in (out / "small-hours.pdf").read_bytes()
    assert check_epub(out / "small-hours.epub")[0].ok


@pytest.mark.timeout(60)
def test_remote_files_have_a_size_cap_and_a_time_limit(tmp_path, image_host):
    policy = ResourcePolicy((tmp_path,), allow_remote=True, timeout=0.5, max_bytes=100_000)
    assert policy.read(f"{image_host}/photo.png", tmp_path).data == png()
    with pytest.raises(RefusedResource, match="larger than the limit of 100,000 bytes"):
        policy.read(f"{image_host}/huge.png", tmp_path)
    # Refused for its time limit (how soon is measured in benchmarks/bench_limits.py; pytest-timeout catches a hang).
    with pytest.raises(RefusedResource, match=r"could not be fetched \(timed out\)"):
        policy.read(f"{image_host}/slow.png", tmp_path)


HOSTILE_HTML = """Opening.

<script>document.title = "owned"</script>

<p onclick="steal()">A paragraph that wants a click.</p>

<iframe src="https://example.com/"></iframe>

<object data="movie.swf">fallback</object>

<embed src="movie.swf"/>

<form action="https://example.com/"><input name="card"/></form>

<p>A <a href="javascript:alert(1)">link that runs code</a> and <a href="https://example.com/">one that does not</a>.</p>

<link rel="stylesheet" href="/etc/passwd"/>
"""


@pytest.mark.timeout(60)
def test_active_html_is_removed_with_a_warning_per_line(tmp_path):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + HOSTILE_HTML)
    out = tmp_path / "out"
    result = run_build(manuscript, out)
    assert result.exit_code == 0, result.output
    warnings = result.stderr.strip().splitlines()
    expected = {
        6: "<script>",
        8: "onclick",
        10: "<iframe>",
        12: "<object>",
        14: "<embed>",
        16: "<form>",
        18: "javascript:",
        20: "<link>",
    }
    for line, what in expected.items():
        assert any(w.startswith(f"warning: {manuscript / 'note.md'}:{line}:") and what in w for w in warnings), (
            line,
            warnings,
        )
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        page = etree.fromstring(archive.read("EPUB/note.xhtml"))
        opf = archive.read("EPUB/content.opf").decode()
    for tag in ("script", "iframe", "object", "embed", "form", "input", "link"):
        assert not page.xpath(f"//x:body//x:{tag}", namespaces=XHTML_NS), tag
    attributes = [name for element in page.iter() for name in element.attrib]
    assert not [name for name in attributes if name.startswith("on")]
    assert "javascript" not in etree.tostring(page, encoding="unicode")
    assert page.xpath("//x:a[@href='https://example.com/']", namespaces=XHTML_NS)
    assert "A paragraph that wants a click." in etree.tostring(page, encoding="unicode")
    assert "scripted" not in opf
    assert b"root:" not in every_byte(out)


@pytest.mark.timeout(60)
def test_metadata_keeps_only_inline_formatting(tmp_path):
    manuscript = one_piece_manuscript(
        tmp_path / "m",
        '---\ntitle: "A <em>Note</em><script>alert(1)</script><img src=x onerror=alert(1)>"\n---\nOpening.\n',
    )
    out = tmp_path / "out"
    assert run_build(manuscript, out).exit_code == 0
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        text = b"".join(archive.read(name) for name in archive.namelist() if name.endswith(".xhtml")).decode()
    assert "<em>Note</em>" in text and "alert" not in text and '<img src="x"' not in text


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("See [below](#nowhere).\n\n## Ending\n\nText.\n", ["note.md:6:", "'#nowhere' goes nowhere", "#ending"]),
        ("See [the end](#the-ending).\n\n## Ending\n\nText.\n", ["note.md:6:", "'#the-ending'"]),
        ("See [my notes](file:///etc/notes.txt).\n", ["note.md:6:", "'file:///etc/notes.txt' leads out of the book"]),
        ("Write to [me](mailto:&#1;).\n", ["note.md:6:", "not a valid web address"]),
    ],
)
def test_links_that_go_nowhere_are_errors(tmp_path, body, fragments):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n\n" + body)
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, *fragments)


@pytest.mark.timeout(60)
def test_links_to_headings_in_the_piece_work(tmp_path):
    manuscript = one_piece_manuscript(
        tmp_path / "m", PIECE_HEAD + "Opening, see [the end](#ending).\n\n## Ending\n\nText.\n"
    )
    out = tmp_path / "out"
    assert run_build(manuscript, out).exit_code == 0
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        page = etree.fromstring(archive.read("EPUB/note.xhtml"))
    (link,) = page.xpath("//x:a[text()='the end']", namespaces=XHTML_NS)
    assert page.xpath(f"//*[@id='{link.get('href')[1:]}']")


def test_policy_refuses_every_way_out(tmp_path):
    inside = tmp_path / "book"
    inside.mkdir()
    (inside / "ok.png").write_bytes(png())
    policy = ResourcePolicy((inside,))
    assert policy.local_path("ok.png", inside) == (inside / "ok.png").resolve()
    for reference in (
        "../outside.png",
        "/etc/passwd",
        "file:///etc/passwd",
        "ftp://host/x",
        "http://example.com/x.png",
    ):
        with pytest.raises(RefusedResource):
            policy.local_path(reference, inside)


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">{}<rect width="20" height="20" fill="teal"/></svg>'
)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("inside", "problem"),
    [
        ("<script>alert(1)</script>", "contains <script>"),
        ('<rect onload="alert(1)"/>', "script in its onload attribute"),
        ('<image href="file:///etc/passwd"/>', "refers to 'file:///etc/passwd'"),
    ],
    ids=["script", "handler", "outside"],
)
def test_an_svg_that_scripts_or_reaches_out_is_refused(tmp_path, inside, problem):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n\n![a square](square.svg)\n")
    (manuscript / "square.svg").write_text(SVG.format(inside))
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, "note.md:6:", problem)


@pytest.mark.timeout(60)
def test_a_plain_svg_goes_into_both_editions(tmp_path):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n\n![a teal square](art/square.svg)\n")
    (manuscript / "art").mkdir()
    (manuscript / "art" / "square.svg").write_text(SVG.format(""))
    out = tmp_path / "out"
    assert run_build(manuscript, out).exit_code == 0
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        assert [name for name in archive.namelist() if name.startswith("EPUB/images/square-")]


@pytest.mark.timeout(60)
def test_a_hard_link_is_refused(tmp_path):
    """A hard link inside the folder may be the editor's secret under another name."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n\n![a square](square.png)\n")
    (manuscript / "square.png").hardlink_to(secret)
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, "note.md:6:", "hard link")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("setup", "fragments"),
    [
        ("nul", ["note.md:6:", "cannot be read"]),
        ("long", ["note.md:6:", "cannot be read"]),
        ("loop", ["note.md:6:", "cannot be read"]),
        ("png named gif", ["note.md:6:", "not what its name says (image/png)"]),
        ("svg named png", ["note.md:6:", "not what its name says (image/svg+xml)"]),
        ("svg animating a link", ["note.md:6:", "animates a link"]),
        ("svg with a doctype", ["note.md:6:", "DOCTYPE"]),
        ("svg styling from outside", ["note.md:6:", "<style>"]),
    ],
)
def test_odd_image_files_fail_with_one_line(tmp_path, setup, fragments):
    names = {
        "nul": "x%00.png",
        "long": "a" * 300 + ".png",
        "loop": "loop.png",
        "png named gif": "p.gif",
        "svg named png": "s.png",
        "svg animating a link": "s.svg",
        "svg with a doctype": "s.svg",
        "svg styling from outside": "s.svg",
    }
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + f"Opening.\n\n![a picture]({names[setup]})\n")
    if setup == "loop":
        (manuscript / "loop.png").symlink_to(manuscript / "loop.png")
    elif setup == "png named gif":
        (manuscript / "p.gif").write_bytes(png())
    elif setup == "svg named png":
        (manuscript / "s.png").write_text(SVG.format("<script>alert(1)</script>"))
    elif setup == "svg animating a link":
        (manuscript / "s.svg").write_text(
            SVG.format('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>')
        )
    elif setup == "svg with a doctype":
        (manuscript / "s.svg").write_text('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + SVG.format(""))
    elif setup == "svg styling from outside":
        (manuscript / "s.svg").write_text(SVG.format('<style>@import url("file:///etc/passwd");</style>'))
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, *fragments)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("front_matter", "fragment"),
    [
        ("title: A Note\ndate: 2024-13-01\n", "invalid YAML front matter"),
        ("title: A Note\nsummary: " + "1" * 5000 + "\n", "invalid YAML front matter"),
        ("title: A Note\n1: x\n", "is not a name"),
        ('title: "A \\x01 Note"\n', "U+0001"),
        ('title: "A \\u202e Note"\n', "U+202E"),
        ('title: A Note\nspoilers: ["Foo\\nBar"]\n', "U+000A"),
    ],
    ids=["date", "huge number", "number key", "control", "bidi override", "newline"],
)
def test_odd_front_matter_fails_with_one_line(tmp_path, front_matter, fragment):
    manuscript = one_piece_manuscript(tmp_path / "m", f"---\n{front_matter}---\nOpening.\n")
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, "note.md", fragment)


CLASHING = (
    'Opening A[^1] and again[^1].\n\n# Foo\n\n<p id="foo">Raw, with the heading\'s id.</p>\n\n'
    '<p id="a b">Spaced id.</p>\n\n![one](a/b.png) ![two](a-b.png) ![three](with space.png)\n\n'
    'Aligned\n{: style="text-align: left url(http://example.com/x)" }\n\n[^1]: The note.\n'
)
CLASHING_IMAGES = ("a/b.png", "a-b.png", "with space.png")


@pytest.mark.timeout(60)
def test_repeated_notes_clashing_ids_and_like_named_images_are_told_apart(tmp_path):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + CLASHING)
    (manuscript / "a").mkdir()
    for name in CLASHING_IMAGES:
        (manuscript / name).write_bytes(png())
    out = tmp_path / "out"
    assert run_build(manuscript, out).exit_code == 0
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        assert len([name for name in archive.namelist() if "/images/" in name]) == 3
        assert b"example.com/x" not in archive.read("EPUB/note.xhtml")


ODD_ATTRIBUTES = (
    'Opening.\n\n<p role="bogus" dir="sideways" lang="!!">Odd attributes.</p>\n\n'
    '<ol type="z" start="x"><li value="abc">item</li></ol>\n\n'
    '<table><tr><td colspan="abc">cell</td></tr></table>\n\n'
    '<p><time datetime="garbage">then</time> <img src="a.png" alt="a square" width="50%"/></p>\n'
)
PLAIN_SVG = "Opening.\n\n![a teal square](art/square.svg)\n"


@pytest.mark.timeout(90)
def test_hostile_and_odd_pieces_together_make_an_epubcheck_valid_book(tmp_path):
    """The pieces of the tests above and below, in one book: EPUBCheck once (a Java start each) for all of them.

    Each test asserts what its piece comes out as; this one that the EPUB holding them all is valid.
    """
    pieces = {
        "active.md": HOSTILE_HTML,
        "clashing.md": CLASHING,
        "attributes.md": ODD_ATTRIBUTES,
        "svg.md": PLAIN_SVG,
        "misplaced.md": MISPLACED_HTML,
    }
    manuscript = tmp_path / "m"
    one_piece_manuscript(manuscript, "")
    config = (manuscript / "book.toml").read_text().replace('pieces = ["note.md"]', f"pieces = {list(pieces)}")
    (manuscript / "book.toml").write_text(config.replace("'", '"'))
    for number, (name, body) in enumerate(pieces.items()):
        (manuscript / name).write_text(f'---\ntitle: "Piece {number}"\n---\n{body}')
    (manuscript / "note.md").unlink()
    (manuscript / "a").mkdir()
    (manuscript / "art").mkdir()
    for name in (*CLASHING_IMAGES, "a.png"):
        (manuscript / name).write_bytes(png())
    (manuscript / "art" / "square.svg").write_text(SVG.format(""))
    out = tmp_path / "out"
    result = run_build(manuscript, out, "--format", "epub")
    assert result.exit_code == 0, result.output
    (verdict,) = check_epub(out / "small-hours.epub")
    assert verdict.ok, verdict.detail


MISPLACED_HTML = """Opening words.

<li>A list item with no list.</li>

<dd>A definition with no list.</dd>

<figcaption>A caption with no figure.</figcaption>

<p>Base<rt>reading with no ruby</rt> text.</p>

<ul><p>A paragraph loose in a list.</p><li>A proper item.</li></ul>

<em><p>A paragraph inside emphasis.</p></em>

<td>A cell with no table.</td>

<table><p>A paragraph loose in a table.</p><tr><td>A proper cell.</td></tr></table>

<figure><figcaption>First caption.</figcaption><figcaption>Second caption.</figcaption></figure>

<figure><p>Before.</p><figcaption>Third caption.</figcaption><p>Between.</p><figcaption>Fourth caption.</figcaption><p>After.</p></figure>

<dl><div><dt>Grouped term</dt><dd>A definition grouped in a div, which HTML allows.</dd></div></dl>
"""


@pytest.mark.timeout(60)
def test_raw_html_out_of_place_is_fitted_to_a_valid_epub_with_every_word_kept(tmp_path):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + MISPLACED_HTML)
    out = tmp_path / "out"
    result = run_build(manuscript, out, "--format", "epub")
    assert result.exit_code == 0, result.output
    warnings = result.stderr.strip().splitlines()
    expected = {6: "<li>", 8: "<dd>", 10: "<figcaption>", 12: "<rt>", 22: "<figcaption>", 24: "<figcaption>"}
    for line, tag in expected.items():
        assert any(w.startswith(f"warning: {manuscript / 'note.md'}:{line}: {tag} may not stand") for w in warnings), (
            line,
            warnings,
        )
    assert len(warnings) == len(expected), warnings
    with zipfile.ZipFile(out / "small-hours.epub") as archive:
        page = etree.fromstring(archive.read("EPUB/note.xhtml"))
    text = " ".join(page.xpath("//x:body//text()", namespaces=XHTML_NS))
    written = words(re.sub(r"<[^>]+>", " ", MISPLACED_HTML.removeprefix("Opening words.")))
    assert written <= words(text), written - words(text)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "Note.[^1]\n\n[^1]: Citing another.[^2]\n[^2]: The other.\n",
            ("note.md:8:", "a note cites another note ([^2])"),
        ),
        (
            "Body.[^2] Note.[^1]\n\n[^1]: Citing another.[^2]\n[^2]: The other.\n",
            ("note.md:8:", "a note cites another note ([^2])"),
        ),
        ('<img src="&#47;etc&#47;passwd" alt="x">\n', ("note.md:6:", "'/etc/passwd' is an absolute path")),
        ("A bad &#x0FffE; character.\n", ("note.md:6:", "U+FFFE names a character no e-book may hold")),
        ("![x](data:image/png;base64,AAAA)\n", ("note.md:6:", "an image has no source (a data: ")),
    ],
    ids=["note-in-a-note", "note-in-a-note-also-in-the-body", "entity-spelt-path", "non-character", "data-image"],
)
def test_problems_hidden_by_markup_are_named_with_their_line(tmp_path, text, fragments):
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n\n" + text)
    out = tmp_path / "out"
    assert_fails_cleanly(run_build(manuscript, out), out, *fragments)


def test_the_book_is_not_dated_by_a_file_a_link_points_to_outside(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    manuscript = one_piece_manuscript(tmp_path / "m", PIECE_HEAD + "Opening.\n")
    outside = tmp_path / "secret.txt"
    outside.write_text("private")
    os.utime(outside, (2_000_000_000, 2_000_000_000))
    (manuscript / "link.txt").symlink_to(outside)
    assert build_moment(manuscript).timestamp() < 2_000_000_000
