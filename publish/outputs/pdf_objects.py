"""PDF objects read once and numbered many times: how a book is written from its parts' objects.

A part's PDF is read once, when it is written (``templates``): each object
it needs is kept as its bytes, with every reference to another object left
as a slot (``Template``), and the references that leave the part (its pages'
parent, the programs, text maps and widths the book shares) named. The book
is then written from the templates (``Writer``): each part's objects
numbered after the last one's (``Numbering``; an object that is the same as
one written before takes its number), the new ones packed in an object
stream of the part's own, a cross-reference stream at the end. Nothing is
parsed again to write the
book, so writing it costs little more than copying its bytes, however
many parts were kept from an earlier build, and the same objects always
make the same bytes.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Collection, Mapping, Sequence
from typing import NamedTuple

import pikepdf

# A reference to another object ("12 0 R"), or a name standing for one outside the part (``SYMBOL``); strings are
# matched only to be passed over (qpdf escapes every parenthesis in a literal string, and writes others in hex).
REFERENCE = re.compile(
    rb"\((?:[^\\)]|\\.)*\)|<[0-9A-Fa-f]*>|(?<![\w./#+-])(\d+) (\d+) R|/publish:([a-z]+(?::[A-Za-z0-9]+)?)", re.S
)
SYMBOL = "/publish:"
HEADER = b"%PDF-1.7\n%\xb5\xb6\xb7\xb8\n"


class Template(NamedTuple):
    """An object's bytes in ``pieces``, a reference between each two: a number within its part, or a name the book
    gives a number (``SYMBOL``). A stream's ``data`` is as it was stored (compressed); its dictionary has no
    /Length, which the writer gives it."""

    pieces: tuple[bytes, ...]
    refs: tuple[int | str, ...]
    data: bytes | None


def symbol(name: str) -> pikepdf.Name:
    """A name standing for an object outside the part, put in its place before the part is read (``templates``)."""
    return pikepdf.Name(SYMBOL + name)


def templates(source: pikepdf.Pdf, roots: Sequence[pikepdf.Object]) -> tuple[list[Template], list[int]]:
    """The objects ``roots`` need, each as a template, in the order of their numbers in ``source``; and the place of
    each root among them."""
    found: dict[tuple[int, int], tuple[list[bytes], list[str | tuple[int, int]], bytes | None]] = {}
    waiting = [root.objgen for root in roots]
    while waiting:
        objgen = waiting.pop()
        if objgen in found:
            continue
        obj = source.get_object(objgen)
        if isinstance(obj, pikepdf.Stream):
            unlengthed = pikepdf.Dictionary({key: value for key, value in obj.stream_dict.items() if key != "/Length"})
            text, data = unlengthed.unparse(), obj.read_raw_bytes()
        else:
            text, data = obj.unparse(resolved=True), None
        pieces: list[bytes] = []
        refs: list[str | tuple[int, int]] = []
        start = 0
        for match in REFERENCE.finditer(text):
            number, generation, name = match.groups()
            if number is None and name is None:
                continue
            pieces.append(text[start : match.start()])
            start = match.end()
            if name is not None:
                refs.append(name.decode())
            else:
                target = (int(number), int(generation))
                refs.append(target)
                waiting.append(target)
        pieces.append(text[start:])
        found[objgen] = (pieces, refs, data)
    order = sorted(found)
    index = {objgen: position for position, objgen in enumerate(order)}
    made = []
    for objgen in order:
        pieces, refs, data = found[objgen]
        made.append(Template(tuple(pieces), tuple(ref if isinstance(ref, str) else index[ref] for ref in refs), data))
    return made, [index[root.objgen] for root in roots]


def rendered(template: Template, numbers: Sequence[int], symbols: Mapping[str, int]) -> bytes:
    """The object's bytes, each of its part's objects numbered as ``numbers`` says, each name in ``symbols`` its
    number."""
    pieces, refs = template.pieces, template.refs
    if not refs:
        return pieces[0]
    out = [pieces[0]]
    for ref, piece in zip(refs, pieces[1:], strict=True):
        out.append(b"%d 0 R" % (numbers[ref] if isinstance(ref, int) else symbols[ref]))
        out.append(piece)
    return b"".join(out)


class Numbering:
    """Numbers for the parts' objects as the book is written, from ``first`` on. An object the same as one
    numbered before, reference for reference (a face's font dictionaries, a colour space, a page's resources: every
    part has its own copies), takes that one's number and is written once."""

    def __init__(self, first: int):
        self.next = first
        self.seen: dict[tuple, int] = {}

    def take(self) -> int:
        """A number of its own, for an object written once."""
        self.next += 1
        return self.next - 1

    def part(
        self, objects: Sequence[Template], alone: Collection[int], symbols: Mapping[str, int]
    ) -> tuple[list[int], list[int]]:
        """Each of a part's objects' number, and which of them are new (to be written), in the order they were
        numbered: each after those it refers to. The objects ``alone`` are never shared, and neither is an object
        on a loop of references (numbered before what it refers to is)."""
        numbers: dict[int, int] = {}
        own = set(alone)
        new: list[int] = []
        done: set[int] = set()

        def alone_now(index: int) -> None:
            numbers[index] = self.take()
            own.add(index)
            new.append(index)

        for root in range(len(objects)):
            if root in done:
                continue
            # Each object on the way down, with how many of its references have been looked at.
            path, open_ = [[root, 0]], {root}
            while path:
                index, at = path[-1]
                refs = objects[index].refs
                below = None
                while below is None and at < len(refs):
                    ref, at = refs[at], at + 1
                    if not isinstance(ref, int) or ref in done:
                        continue
                    if ref not in open_:
                        below = ref
                    elif ref not in numbers:  # a loop: numbered now, and not shared
                        alone_now(ref)
                path[-1][1] = at
                if below is not None:
                    path.append([below, 0])
                    open_.add(below)
                    continue
                path.pop()
                open_.discard(index)
                done.add(index)
                if index in numbers:
                    continue
                if index in own:
                    alone_now(index)
                    continue
                template = objects[index]
                targets = tuple(numbers[ref] if isinstance(ref, int) else symbols[ref] for ref in template.refs)
                key = (template.pieces, template.data, targets)
                if key not in self.seen:
                    self.seen[key] = self.take()
                    new.append(index)
                numbers[index] = self.seen[key]
        return [numbers[index] for index in range(len(objects))], new


def text(value: str) -> bytes:
    """A text string as a PDF writes it (PDFDocEncoding where it can be, else UTF-16)."""
    return pikepdf.String(value).unparse()


def real(value: float) -> bytes:
    """A number as few digits as WeasyPrint's six decimals need."""
    return (f"{value:.6f}".rstrip("0").rstrip(".") or "0").encode()


class Writer:
    """A PDF written object by object: streams as they come, other objects packed in object streams, and a
    cross-reference stream at the end."""

    def __init__(self) -> None:
        self.out = bytearray(HEADER)
        # Each object's place: (1, offset) for one written out, (2, object stream, index) for one packed.
        self.entries: dict[int, tuple[int, int, int]] = {}

    def stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        """A stream object; ``dictionary`` without its /Length."""
        self.entries[number] = (1, len(self.out), 0)
        head = dictionary[:-2].rstrip() + b" /Length %d >>" % len(data)
        self.out += b"%d 0 obj\n%s\nstream\n" % (number, head)
        self.out += data
        self.out += b"\nendstream\nendobj\n"

    def packed(self, number: int, objects: Sequence[tuple[int, bytes]]) -> None:
        """``objects`` (each number with its bytes) packed in one object stream, numbered ``number``."""
        if not objects:
            return
        offsets, bodies, at = [], [], 0
        for index, (inside, body) in enumerate(objects):
            self.entries[inside] = (2, number, index)
            offsets.append(b"%d %d" % (inside, at))
            bodies.append(body)
            at += len(body) + 1
        head = b" ".join(offsets) + b"\n"
        data = zlib.compress(head + b"\n".join(bodies) + b"\n")
        self.stream(
            number, b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode >>" % (len(objects), len(head)), data
        )

    def finished(self, root: int, info: int) -> bytes:
        """The file, its cross-reference stream numbered last, its identifier a digest of everything before it."""
        number = max(self.entries) + 1
        size = number + 1
        identifier = hashlib.md5(self.out, usedforsecurity=False).hexdigest().encode()
        at = len(self.out)
        self.entries[number] = (1, at, 0)
        width = max(1, (at.bit_length() + 7) // 8)
        rows = [b"\x00" + b"\x00" * width + b"\xff\xff"]
        for place in range(1, size):
            kind, field, index = self.entries[place]
            rows.append(bytes([kind]) + field.to_bytes(width, "big") + index.to_bytes(2, "big"))
        head = (
            b"<< /Type /XRef /Size %d /W [ 1 %d 2 ] /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] /Filter /FlateDecode >>"
        )
        self.stream(number, head % (size, width, root, info, identifier, identifier), zlib.compress(b"".join(rows)))
        self.out += b"startxref\n%d\n%%%%EOF\n" % at
        return bytes(self.out)
