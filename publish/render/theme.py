"""The theme: folders of Jinja2 templates, stylesheets and fonts, each falling back to the next.

A theme is plain files (like a Pelican or MkDocs theme): ``templates/`` for
the print document and the EPUB pages, ``print.css``, ``epub.css``,
``pages/<page size>.css`` for what changes with the print edition's page
size, and ``fonts/`` with ``fonts.css`` and the OFL font files it names. A theme may
hold only what it changes (read/default_theme.py says what it falls back
to): templates, locales and font files are taken from the first folder
that has them, while the stylesheets cascade, the fallback's first, so a
theme's ``print.css`` need hold only the rules it changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import astuple, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from markupsafe import Markup

from publish.errors import PublishError
from publish.read.default_theme import theme_layers
from publish.read.remembering import Remembering

if TYPE_CHECKING:
    import uharfbuzz

REQUIRED_FILES = (
    "templates/book.html",
    "templates/epub/page.xhtml",
    "templates/epub/nav.xhtml",
    "print.css",
    "epub.css",
    "fonts/fonts.css",
)
FONT_SUFFIXES = (".otf", ".ttf")
# The stylesheets that cascade through a theme's folders, fallback first.
CASCADING = ("print.css", "epub.css", "fonts/fonts.css", "pages/<page size>.css")
# Compressed web fonts: refused, since the EPUB needs OTF or TTF (it deflates them anyway; older readers know no WOFF2).
WEB_FONT_SUFFIXES = (".woff", ".woff2")
# "Copyright 2010-2013, Georg A. Duffner (<url>)" → up to the name's end (initials allowed).
COPYRIGHT_NOTICE = re.compile(r"Copyright (?:\(c\) )?[0-9][0-9, –-]*(?:\b[A-Z]\.\s|[^(<\n.])+")


@dataclass(frozen=True)
class Typeface:
    family: str
    copyright: str


@dataclass(frozen=True)
class Theme:
    """A theme's folders, its own first; with a ``memo``, its templates compiled and its fonts' names read by an
    earlier build are not compiled or read again (the memo's salt covers the theme's files)."""

    layers: tuple[Path, ...]
    memo: Remembering | None = field(default=None, compare=False, repr=False)

    @classmethod
    def load(cls, root: Path, memo: Remembering | None = None) -> Theme:
        theme = cls(theme_layers(root), memo)
        missing = [name for name in REQUIRED_FILES if theme.file(name) is None]
        if missing:
            raise PublishError(f"not a complete theme: missing {', '.join(missing)}", theme.root)
        for layer in theme.layers:
            for path in sorted((layer / "fonts").glob("*")):
                if path.suffix.lower() in WEB_FONT_SUFFIXES:
                    raise PublishError(
                        "a web font: the theme needs the OTF or TTF file, which the EPUB embeds "
                        "(it compresses it anyway) and e-readers of every age can read",
                        path,
                    )
        return theme

    @property
    def root(self) -> Path:
        """The theme's own folder."""
        return self.layers[0]

    @property
    def fonts(self) -> list[Path]:
        """Every font file of every folder; a file of the same name in a nearer folder replaces the farther one's."""
        found: dict[str, Path] = {}
        for layer in self.layers:
            for path in sorted((layer / "fonts").glob("*")):
                if path.suffix.lower() in FONT_SUFFIXES:
                    found.setdefault(path.name, path)
        return sorted(found.values(), key=lambda path: path.name)

    @property
    def typefaces(self) -> list[Typeface]:
        """The theme's font families, as the font files name them (remembered: reading them loads HarfBuzz)."""
        if self.memo is None:
            return _read_typefaces(self.fonts)
        read = self.memo.remember(
            self.memo.key("typefaces"),
            "typefaces",
            lambda: json.dumps([astuple(face) for face in _read_typefaces(self.fonts)]).encode(),
        )
        return [Typeface(*face) for face in json.loads(read)]

    def file(self, name: str) -> Path | None:
        """The nearest folder's copy of ``name``, if any has one."""
        return next((layer / name for layer in self.layers if (layer / name).is_file()), None)

    def stylesheets(self, *names: str) -> list[Path]:
        """Every folder's copy of each of ``names`` (each one of CASCADING), in cascade order: the fallback's
        before the theme's own, and each folder's in the order of ``names``. So a theme's ``print.css`` comes after
        the page-size sheet of the theme it extends, and changes what that says too."""
        return [layer / name for layer in reversed(self.layers) for name in names if (layer / name).is_file()]

    def joined(self, name: str) -> bytes:
        """A cascading stylesheet as one file (for the EPUB), every folder's copy in cascade order."""
        return b"\n".join(path.read_bytes() for path in self.stylesheets(name))

    def render(self, template: str, **context: object) -> str:
        try:
            return self._environment.get_template(template).render(**context)
        except jinja2.TemplateSyntaxError as error:
            raise PublishError(
                f"template error: {error.message}", Path(error.filename or template), error.lineno
            ) from None
        except jinja2.TemplateError as error:
            raise PublishError(f"template error: {error}", self.file(f"templates/{template}") or self.root) from None

    @cached_property
    def _environment(self) -> jinja2.Environment:
        """One per theme, so that each template is compiled once per build, not once per page."""
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader([layer / "templates" for layer in self.layers]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=RememberedTemplates(self.memo),
        )
        environment.filters["work"] = work_title
        environment.filters["token"] = class_token
        return environment


def font_face(path: Path) -> uharfbuzz.Face:
    """A font file as HarfBuzz reads it. HarfBuzz is imported here, when a font must be read: a rebuild
    that finds its fonts' work remembered never loads it."""
    import uharfbuzz

    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)))


def _read_typefaces(fonts: list[Path]) -> list[Typeface]:
    from uharfbuzz import OTNameIdPredefined as name

    faces: dict[str, Typeface] = {}
    for path in fonts:
        face = font_face(path)
        family = face.get_name(name.TYPOGRAPHIC_FAMILY) or face.get_name(name.FONT_FAMILY) or path.stem
        notice = COPYRIGHT_NOTICE.search(
            (face.get_name(name.COPYRIGHT) or "") + "\n" + (face.get_name(name.LICENSE) or "")
        )
        known = faces.get(family)
        if known is None or (notice and not known.copyright):
            credit = _credit(notice.group(0).strip(" ,")) if notice else ""
            faces[family] = Typeface(family=family, copyright=credit)
    return sorted(faces.values(), key=lambda face: face.family)


def _credit(notice: str) -> str:
    """A font's copyright notice as the colophon sets it: "©" held to its year, initials to the name after them,
    and a span of years with an en dash ("© 2004–2022")."""
    credit = re.sub(r"^Copyright (\(c\) )?", "©\u00a0", notice)
    credit = re.sub(r"\b(\d{4})-(\d{4})\b", "\\1\u2013\\2", credit)
    return re.sub(r"\b([A-Z]\.) (?=[A-Z])", "\\1\u00a0", credit)


# Templates compiled in this process, by Jinja2's key (name and file) and the source's checksum: a process that
# builds many books (the preview server, a test run) compiles each template once, whatever each build's store holds.
_COMPILED: dict[tuple[str, str], bytes] = {}


class RememberedTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in the build's memo, and in this process: compiling the theme was a third of a small
    rebuild.

    The memo's key covers the tool, the libraries and the theme; Jinja2's
    bucket adds the template's own source.
    """

    def __init__(self, memo: Remembering | None):
        self.memo = memo

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self.memo.get(self._key(self.memo, bucket), "template") if self.memo else None
        if compiled is None:
            compiled = _COMPILED.get((bucket.key, bucket.checksum))
            if compiled is not None and self.memo:
                self.memo.put(self._key(self.memo, bucket), compiled)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = bucket.bytecode_to_string()
        _COMPILED[(bucket.key, bucket.checksum)] = compiled
        if self.memo:
            self.memo.put(self._key(self.memo, bucket), compiled)

    @staticmethod
    def _key(memo: Remembering, bucket: jinja2.bccache.Bucket) -> str:
        return memo.key("template", bucket.key, bucket.checksum)


def class_token(text: str) -> str:
    """A label as part of a class name: its words, lowercased and joined by hyphens ("Q&A" → "q-a", "réponse"
    stays itself: CSS names may hold any letter)."""
    return "-".join(re.findall(r"[^\W_]+", text.lower()))


def work_title(work: str) -> Markup:
    """A work's title in italics, a trailing year in roman: "<i>La La Land</i> (2016)"."""
    return Markup("<i>{}</i>{}").format(*work_parts(work))


def work_parts(work: str) -> tuple[str, str]:
    """A work as its title and its trailing year, if any: ("La La Land", " (2016)")."""
    match = re.fullmatch(r"(.*?)(\s*\(\d{4}\))?", work.strip(), re.DOTALL)
    assert match is not None, "the pattern matches any text"
    return match.group(1), match.group(2) or ""
