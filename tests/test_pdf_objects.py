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
    packed = []
    for index, template in enumerate(made):
        if template.data is None:
            packed.append((base + index, rendered(template, base, {"pages": 3})))
        else:
            writer.stream(base + index, rendered(template, base, {"pages": 3}), template.data)
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
