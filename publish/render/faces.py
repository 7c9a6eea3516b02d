"""Which of the theme's typefaces the colophon credits: those whose elements the book has.

A theme.toml's ``[faces]`` table names each family with the CSS selector
of the elements set in it (read/default_theme.py reads it); a face is
credited when its selector finds an element in the book's pieces. A theme
whose chain has no such table credits every face of its fonts.

The selectors are matched against the pieces' HTML, not the print
document: the colophon is built before that document, which holds it, and
what varies from book to book is in the pieces (a code block, say); the
rest of the document is the theme's own. The pieces go in one ``<body>``,
so ``body`` matches any book; the template's wrappers are not there, so a
selector names elements, not where the template puts them.
"""

from __future__ import annotations

import json

from publish.errors import PublishError
from publish.read.default_theme import theme_settings
from publish.read.remembering import Remembering
from publish.render.theme import Theme, Typeface


def credited_typefaces(theme: Theme, pieces_html: list[str], memo: Remembering | None = None) -> list[Typeface]:
    """The theme's typefaces that the book uses, as its ``[faces]`` table says; every one when it has none.

    Every line of the table is checked, used or not: a family no font file
    of the theme has, or a selector that does not parse, is an error naming
    the theme.toml and the line. With a ``memo``, the families a book of the
    same pieces' HTML was found to use are taken from it (matching a long
    book's every element took a third of a second).
    """
    import cssselect2

    faces = theme_settings(theme.root).faces
    typefaces = theme.typefaces
    if faces is None:
        return typefaces
    families = {face.family for face in typefaces}
    selectors = {}
    for face in faces:
        if face.family not in families:
            raise PublishError(
                f"no font file of the theme is of the family '{face.family}' named in [faces]; "
                f"its fonts' families are {', '.join(sorted(families))}",
                face.path,
                face.line,
            )
        try:
            selectors[face.family] = cssselect2.compile_selector_list(face.selector)
        except cssselect2.SelectorError as error:
            raise PublishError(
                f"'{face.family}' in [faces]: {face.selector!r} is not a CSS selector ({error.args[-1]})",
                face.path,
                face.line,
            ) from None

    def used() -> bytes:
        import lxml.html

        document = lxml.html.document_fromstring(f"<html><body>{''.join(pieces_html)}</body></html>")
        book = cssselect2.ElementWrapper.from_html_root(document)
        found = [family for family, selector in selectors.items() if next(book.query_all(*selector), None) is not None]
        return json.dumps(found).encode("utf-8")

    if memo is None:
        families_used = used()
    else:
        key = memo.key("typefaces", repr(sorted((face.family, face.selector) for face in faces)), *pieces_html)
        families_used = memo.remember(key, "typefaces", used)
    return [face for face in typefaces if face.family in json.loads(families_used)]
