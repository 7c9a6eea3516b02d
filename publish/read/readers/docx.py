"""Word documents (.docx) as pieces: checked (word_package.py), converted by mammoth (word_html.py), and given
front matter from the document's properties, overridden by a sidecar ``name.docx.yaml``.

The text this reader gives is what a Markdown piece's file holds: a front
matter block (one line of YAML) and the body, here HTML in the shape the
book's Markdown gives, which markup/word.py reads into the same tree. The
store keys a piece by that text, so a document that changes in any way that
shows (its words, a picture, a note) is converted again, and one that does
not is not.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from publish.errors import PublishError, PublishWarning
from publish.read.config import piece_meta
from publish.read.decoding import CONTROL_CHARACTERS, read_utf8
from publish.read.piece_readers import PieceReader, PieceText, register
from publish.read.word_html import WordBody, convert
from publish.read.word_package import changes_and_comments, open_package

# A Word document carries its pictures: a bound on the file well above a text piece's, and one on the text it
# converts to (HTML, a little longer than the same words in Markdown).
MAX_DOCX_BYTES = 30_000_000
MAX_BODY_CHARACTERS = 3_000_000
SIDECAR_SUFFIX = ".yaml"
# Authors the programs that write .docx files fill in by themselves (the account's or the library's name).
PLACEHOLDER_AUTHORS = {"microsoft office user", "windows user", "user", "administrator", "python-docx", "unknown"}


def read_word(path: Path) -> PieceText:
    """The document's front matter and body, with warnings for what was accepted, dropped or guessed."""
    size = path.stat().st_size
    if size > MAX_DOCX_BYTES:
        raise PublishError(
            f"the Word document is {size / 1_000_000:.1f} MB; it may be at most {MAX_DOCX_BYTES // 1_000_000} MB: "
            "make its pictures smaller (Word: File, Compress Pictures) or split it into several pieces",
            path,
        )
    package = open_package(path)
    body = convert(package, path)
    warnings = changes_and_comments(package, path) + body.warnings
    given = _sidecar(path)
    meta: dict[str, Any] = {}
    if "title" not in given:
        meta["title"] = _title(package.core("title"), body, path, warnings)
    if "author" not in given:
        meta.update(_author(package.core("creator"), body, path, warnings))
    opening = body.first_heading()
    title = str({**meta, **given}.get("title", ""))
    if opening is not None and body.opens_with(opening) and _words(opening.text_content()) == _words(title):
        opening.drop_tree()  # the title, which the book prints over the piece: not printed twice
    html = unicodedata.normalize("NFC", body.text())
    if not html.strip():
        raise PublishError("the Word document is empty: write something in it", path)
    if len(html) > MAX_BODY_CHARACTERS:
        raise PublishError(
            f"the Word document's text is too long for one piece ({len(html) // 1000:,} thousand characters of "
            f"HTML, at most {MAX_BODY_CHARACTERS // 1000:,} thousand): split it into several pieces",
            path,
        )
    control = CONTROL_CHARACTERS.search(html)
    if control:
        raise PublishError(f"contains the control character U+{ord(control.group()):04X}: remove it", path)
    import yaml  # only a book with Word pieces loads it here

    front_matter = yaml.safe_dump({**meta, **given}, default_flow_style=True, allow_unicode=True, width=2**30)
    return PieceText(f"---\n{front_matter.strip()}\n---\n{html}\n", tuple(dict.fromkeys(warnings)))


def _title(from_properties: str, body: WordBody, path: Path, warnings: list[PublishWarning]) -> str:
    """The document's title: its properties', else its Title paragraph's, its first heading's or its file name's,
    with a warning that says which."""
    if from_properties:
        return from_properties
    heading = body.first_heading()
    if body.title:
        title, source = body.title, "its Title paragraph"
    elif heading is not None and heading.text_content().strip():
        title, source = " ".join(heading.text_content().split()), "its first heading"
    else:
        title, source = path.stem.replace("_", " ").replace("-", " ").strip() or path.stem, "its file name"
    warnings.append(
        PublishWarning(
            f"the document's properties give no title: took “{title}” from {source} (give one in Word under File, "
            f"Info, Title, or as title: in {path.name}{SIDECAR_SUFFIX})",
            path,
        )
    )
    return title


def _author(from_properties: str, body: WordBody, path: Path, warnings: list[PublishWarning]) -> dict[str, str]:
    """The document's author, as front matter: its properties', unless that is a name Word or another program
    fills in by itself, else its Author paragraph's, with a warning that says which."""
    placeholder = from_properties.casefold() in PLACEHOLDER_AUTHORS
    if from_properties and not placeholder:
        return {"author": from_properties}
    said = f"name “{from_properties}” as the author, a name Word fills in" if placeholder else "name no author"
    if body.author:
        warnings.append(
            PublishWarning(f"the document's properties {said}: took “{body.author}” from its Author paragraph", path)
        )
        return {"author": body.author}
    if placeholder:
        warnings.append(
            PublishWarning(
                f"the document's properties {said}: the piece has no author (give one in Word under File, Info, "
                f"Author, or as author: in {path.name}{SIDECAR_SUFFIX})",
                path,
            )
        )
    return {}


def _words(text: str) -> list[str]:
    return text.casefold().split()


def _sidecar(path: Path) -> dict[str, Any]:
    """What ``name.docx.yaml`` beside the document says, checked as front matter is (errors name that file)."""
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return {}
    text = read_utf8(sidecar)
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise PublishError(f"invalid YAML: {problem}", sidecar, mark.line + 1 if mark else None) from None
    except ValueError as error:  # a date that is no date
        raise PublishError(f"invalid YAML: {error}", sidecar) from None
    if not isinstance(data, dict) or not all(isinstance(key, str) for key in data):
        raise PublishError("the front matter must be a mapping of keys to values, such as title: …", sidecar, 1)
    piece_meta({"title": "-", **data}, sidecar, text, False)  # every key checked, with its line in the sidecar
    return data


WORD = register(
    PieceReader(
        format="docx",
        suffixes=(".docx",),
        label="Word document",
        read_text=read_word,
        bounds_size=True,
        by_line=False,
        sidecar=SIDECAR_SUFFIX,
    )
)
