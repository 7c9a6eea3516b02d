"""Property-based tests: any manuscript builds a valid book or fails with the project's own error.

Hypothesis writes random pieces from Markdown syntax, spoiler markers, raw
HTML, front matter and arbitrary Unicode. ``make test`` runs a fixed,
derandomised sample; ``make fuzz`` runs many more, at random.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from publish.errors import PublishError
from publish.outputs.checks import check_epub
from publish.pipeline.build import BuildRequest, build
from publish.read.config import DEFAULT_THEME
from publish.read.manuscript import load_manuscript
from publish.render.assemble import Edition, assemble
from publish.render.theme import Theme

from .conftest import STAMP, XHTML_NS

WORDS = ["the", "ending", "Mia", "Sebastian", "jazz", "Los Angeles", "epilogue", "café", "naïve", "it's", "—", "…"]
SYNTAX = [
    "*",
    "**",
    "_",
    "`",
    "[",
    "]",
    "(",
    ")",
    "# ",
    "## ",
    "> ",
    "!",
    "|",
    "[^1]",
    "[^1]: ",
    "[^x]",
    "<",
    ">",
    "&",
    '"',
    "'",
    "--",
    "...",
    "\\",
    "- ",
    "1. ",
    "    ",
    "\t",
    "<b>",
    "</b>",
    "<em>",
    "</em>",
    "<script>alert(1)</script>",
    '<p onclick="x()">',
    "</p>",
    '<a href="#top">',
    '<a href="javascript:x()">',
    "</a>",
    "<div>",
    "</div>",
    "<!--",
    "-->",
    "{: .decorative }",
    "https://example.com/",
    "[link](#ending)",
    "[web](https://example.com/)",
    "<iframe src=x></iframe>",
    "~~~",
    "```",
    "| a | b |",
    "|---|---|",
    "***",
    "\u202e",
    "\u200d",
    "שלום",
    "中文",
    "🎬",
]
printable = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=6)
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)
spoiler = st.one_of(words.map(">!{}!<".format), words.map("||{}||".format))
token = st.one_of(st.sampled_from(SYNTAX), st.sampled_from(WORDS), st.sampled_from(WORDS), printable, spoiler)
block_spoiler = st.tuples(st.sampled_from(["::: spoiler", '::: spoiler "the end"']), words).map(
    lambda parts: f"\n{parts[0]}\n{parts[1]}\n:::\n"
)
line = st.one_of(st.lists(token, min_size=1, max_size=10).map(" ".join), block_spoiler)
# Every piece opens with a word, so most pieces are not empty.
body = st.tuples(st.sampled_from(WORDS), st.lists(line, max_size=14)).map(
    lambda parts: "\n".join([parts[0], *parts[1]])
)
front_matter = st.fixed_dictionaries(
    {"title": st.one_of(st.sampled_from(WORDS), printable.filter(str.strip))},
    optional={
        "author": st.sampled_from(WORDS),
        "kind": st.sampled_from(["essay", "story", "Letter from abroad", "réponse", "Q&A"]),
        "spoilers": st.lists(st.sampled_from(WORDS), max_size=2),
        "summary": printable,
        "language": st.sampled_from(["fr", "de-AT", "en-GB"]),
    },
)
# Now and then something a writer must be told about: a control character, a misspelt key, a kind too long to print.
mishap = st.sampled_from(
    [
        "\x07",
        "titel: a typo\n",
        "kind: a label far too long to print above a title\n",
        " >!",
        " ||",
        "\n:::\n",
        *[""] * 24,
    ]
)


@st.composite
def manuscripts(draw: st.DrawFn) -> dict[str, str]:
    """book.toml and one to three pieces, as file name → text."""
    pieces = {}
    for number in range(draw(st.integers(1, 3))):
        suffix = draw(st.sampled_from([".md", ".md", ".txt"]))
        tag = draw(st.sampled_from(["", "--contains spoilers--\n\n"]))
        meta = draw(front_matter)
        meta["title"] = f"{meta['title']} {number}"  # distinct titles, or the book refuses the pair
        head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        slip = draw(mishap)
        head, text = (
            (head + slip, draw(body))
            if slip.endswith(": a typo\n") or slip.startswith("kind")
            else (head, draw(body) + slip)
        )
        pieces[f"piece-{number}{suffix}"] = f"---\n{head}---\n{tag}{text}\n"
    listed = ", ".join(f'"{name}"' for name in pieces)
    toml = f'title = "Fuzzed"\nauthors = ["A. Writer"]\nlanguage = "en"\npieces = [{listed}]\n'
    return {"book.toml": toml, **pieces}


def write(files: dict[str, str], root: Path) -> Path:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(manuscripts(), st.booleans())
def test_any_manuscript_assembles_to_well_formed_safe_pages_or_fails_cleanly(files, spoiler_free):
    with tempfile.TemporaryDirectory() as folder:
        root = write(files, Path(folder))
        try:
            book = assemble(load_manuscript(root), Theme.load(DEFAULT_THEME), STAMP, Edition(spoiler_free=spoiler_free))
        except PublishError as error:
            assert str(error).strip()
            event(f"refused: {error.message[:30]}")
            return
        event("assembled")
        ids = {}
        for page in book.epub_pages:
            document = etree.fromstring(page.content.encode("utf-8"))
            ids[page.file_name] = set(document.xpath("//@id"))
            assert not document.xpath(
                "//x:script | //x:iframe | //x:form | //x:object | //x:embed", namespaces=XHTML_NS
            )
            assert not [name for element in document.iter() for name in element.attrib if name.startswith("on")]
            assert not [url for url in document.xpath("//@href | //@src") if "javascript" in url.lower()]
        for page in book.epub_pages:
            for href in etree.fromstring(page.content.encode("utf-8")).xpath("//x:a/@href", namespaces=XHTML_NS):
                name, _, fragment = href.partition("#")
                if href.startswith(("http:", "https:", "mailto:")):
                    continue
                target = name or page.file_name
                assert target in ids, href
                assert not fragment or fragment in ids[target], href


@settings(max_examples=max(3, settings.default.max_examples // 15), suppress_health_check=[HealthCheck.too_slow])
@given(manuscripts())
def test_any_manuscript_builds_an_epubcheck_valid_book_or_fails_cleanly(files):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "m"
        root.mkdir()
        write(files, root)
        try:
            result = build(root, DEFAULT_THEME, Path(folder) / "out", BuildRequest(), lambda *args: None)
        except PublishError as error:
            assert str(error).strip()
            event(f"refused: {error.message[:30]}")
            return
        event("built")
        epub = next(path for path in result.written if path.suffix == ".epub")
        (verdict,) = check_epub(epub)
        assert verdict.ok, verdict.detail
