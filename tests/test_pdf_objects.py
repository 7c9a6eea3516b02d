"""The book written from its parts' objects (pdf_objects.py, parts_join.py), on tiny PDFs made here: what a
reader's PDF library finds in it is what the parts held."""

from __future__ import annotations

import io

import pikepdf

from publish.outputs.parts_join import join, joinable
from publish.outputs.pdf_objects import Writer, rendered, symbol, templates

TRICKY = "see 3 0 R (a reference in words) \\ and 12 0 R"


def part_pdf(title: str, pages: int, bookmarks: list[tuple[str, int, bool]], anchors: dict[str, int]) -> bytes:
    """A part as WeasyPrint writes one, in small: blank pages, each with a link whose text looks like a reference,
    an outline of ``bookmarks`` (title, page, closed) and named destinations."""
    pdf = pikepdf.new()
    for number in range(pages):
        pdf.add_blank_page(page_size=(200, 300))
        link = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=[10, 10, 50, 20],
                A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(f"{TRICKY} {number}")),
            )
        )
        pdf.pages[number].obj.Annots = pikepdf.Array([link])
    with pdf.open_outline() as outline:
        for text, page, closed in bookmarks:
            item = pikepdf.OutlineItem(text, page, "XYZ", left=10, top=290)
            if outline.root and closed is not None:
                outline.root[-1].children.append(item)
                outline.root[-1].is_closed = closed
            else:
                outline.root.append(item)
    names = pikepdf.NameTree.new(pdf)
    for name, page in anchors.items():
        names[name] = pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, 0, 300, 0])
    pdf.Root.Names = pikepdf.Dictionary(Dests=names.obj)
    pdf.docinfo.Title = title
    pdf.Root.Lang = pikepdf.String("de")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_references_are_numbered_again_and_look_alikes_in_strings_are_left_alone():
    pdf = pikepdf.open(io.BytesIO(part_pdf("T", 2, [], {})))
    for page in pdf.pages:
        page.obj.Parent = symbol("pages")
    made, roots = templates(pdf, [page.obj for page in pdf.pages])
    writer, base = Writer(), 5
    numbers = [base + index for index in range(len(made))]
    packed = []
    for index, template in enumerate(made):
        if template.data is None:
            packed.append((base + index, rendered(template, numbers, {"pages": 3})))
        else:
            writer.stream(base + index, rendered(template, numbers, {"pages": 3}), template.data)
    writer.packed(base + len(made), packed)
    kids = b" ".join(b"%d 0 R" % (base + root) for root in roots)
    catalog = (1, b"<< /Type /Catalog /Pages 3 0 R >>")
    writer.packed(2, [catalog, (3, b"<< /Type /Pages /Kids [ %s ] /Count 2 >>" % kids), (4, b"<< >>")])
    with pikepdf.open(io.BytesIO(writer.finished(1, 4))) as book:
        assert not book.get_warnings()
        uris = [str(page.obj.Annots[0].A.URI) for page in book.pages]
    assert uris == [f"{TRICKY} 0", f"{TRICKY} 1"]


def test_joined_parts_keep_their_pages_outline_and_destinations_and_the_first_parts_information():
    parts = [
        joinable(
            part_pdf("Book", 2, [("One", 0, None), ("One, inside", 1, True)], {"one": 1}), frozenset(), (1, 2), {}
        ),
        joinable(
            part_pdf("Book", 3, [("Two", 0, None), ("Two, inside", 2, False)], {"two": 2}), frozenset(), (1, 2), {}
        ),
    ]
    with pikepdf.open(io.BytesIO(join(parts, {}, {})[0])) as book:
        assert not book.get_warnings()
        assert len(book.pages) == 5
        page_of = {page.obj.objgen: number for number, page in enumerate(book.pages)}
        with book.open_outline() as outline:
            found = [
                (
                    item.title,
                    page_of[item.destination[0].objgen],
                    item.is_closed,
                    [child.title for child in item.children],
                )
                for item in outline.root
            ]
        assert found == [("One", 0, True, ["One, inside"]), ("Two", 2, False, ["Two, inside"])]
        assert book.Root.Outlines.Count == 3  # the open item's child is shown, the closed one's is not
        names = pikepdf.NameTree(book.Root.Names.Dests)
        assert {name: page_of[target[0].objgen] for name, target in names.items()} == {"one": 1, "two": 4}
        assert str(book.docinfo.Title) == "Book" and str(book.Root.Lang) == "de"
        assert [str(page.obj.Annots[0].A.URI) for page in book.pages] == [
            f"{TRICKY} {number}" for number in (0, 1, 0, 1, 2)
        ]


def test_a_faces_font_is_the_books_for_the_parts_whose_widths_agree_and_a_parts_own_where_they_do_not():
    from dataclasses import dataclass

    from publish.outputs.parts_fonts import BookFonts, width_array, widths_of
    from publish.outputs.pdf_objects import Numbering

    @dataclass
    class Part:
        widths: dict[str, dict[int, bytes]]
        boxes: dict[str, tuple[bytes, ...]]

    box = (b"0", b"-274", b"0", b"726")
    first = Part({"F": {1: b"207", 2: b"291", 9: b"510"}}, {"F": box})
    second = Part({"F": {2: b"291", 10: b"677"}}, {"F": box})
    stray = Part({"F": {9: b"512"}}, {"F": box})  # glyph 9 drawn 2 units wider
    fonts, numbering = BookFonts([first, second, stray]), Numbering(10)
    book = dict(fonts.written(numbering))
    assert book == {10: b"[ 1 [ 207 291 ] 9 [ 510 677 ] ]", 11: b"[ 0 -274 677 726 ]"}
    assert fonts.given(first, numbering) == fonts.given(second, numbering) == ({"widths:F": 10, "box:F": 11}, [])
    own = [(12, b"[ 9 [ 512 ] ]"), (13, b"[ 0 -274 0 726 ]")]
    assert fonts.given(stray, numbering) == ({"widths:F": 12, "box:F": 13}, own)
    assert widths_of(pikepdf.Array([1, [207, 291], 9, 10, 500])) == {1: b"207", 2: b"291", 9: b"500", 10: b"500"}
    assert width_array({3: b"250"}) == b"[ 3 [ 250 ] ]"


def test_the_same_objects_in_two_parts_are_written_once_but_pages_and_annotations_never_are():
    """Each part's PDF has its own copy of what every page uses (fonts, colour spaces, resources): the book has
    one."""
    parts = [
        joinable(part_pdf("Book", 2, [("One", 0, None)], {"one": 1}), frozenset(), (1,), {}),
        joinable(part_pdf("Book", 2, [("Two", 0, None)], {"two": 1}), frozenset(), (1,), {}),
    ]
    with pikepdf.open(io.BytesIO(join(parts, {}, {})[0])) as book:
        assert not book.get_warnings()
        pages = [page.obj.objgen for page in book.pages]
        annotations = [page.obj.Annots[0].objgen for page in book.pages]
        contents = {page.obj.Contents.objgen for page in book.pages}
    assert len(set(pages)) == len(set(annotations)) == 4
    assert len(contents) == 1, "the four blank pages draw the same, once"
