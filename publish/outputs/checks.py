"""What ``publish check`` finds in a built file, for the formats that register these checks: EPUBCheck (and
DAISY Ace's report, when ``make a11y`` left one) for an EPUB; fonts, pages and metadata for a PDF."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pypdf

from publish.outputs.epubcheck_jvm import epubcheck_messages


@dataclass(frozen=True)
class CheckResult:
    file: Path
    check: str
    ok: bool
    detail: str


def check_epub(path: Path) -> list[CheckResult]:
    """EPUBCheck's verdict, and DAISY Ace's from the report ``make a11y`` leaves in ``a11y/`` beside the EPUB."""
    problems = [m for m in epubcheck_messages(path) if m.level in ("FATAL", "ERROR", "WARNING")]
    errors = sum(m.level in ("FATAL", "ERROR") for m in problems)
    warnings = len(problems) - errors
    detail = f"{errors} errors, {warnings} warnings"
    if problems:
        first = problems[0]
        detail += f"; first: {first.id} {first.location}: {first.message}"
    results = [CheckResult(path, "EPUBCheck", not problems, detail)]
    report = path.parent / "a11y" / path.stem / "report.json"
    if report.is_file():
        results.append(check_ace_report(path, report))
    return results


def check_ace_report(epub: Path, report: Path) -> CheckResult:
    """DAISY Ace's verdict: no critical or serious violation may remain."""
    data = json.loads(report.read_text(encoding="utf-8"))
    grave = [
        f"{test['earl:impact']} {test['dct:title']} ({subject['earl:testSubject']['url']})"
        for subject in data.get("assertions", [])
        for test in (assertion["earl:test"] for assertion in subject.get("assertions", []))
        if test.get("earl:impact") in ("critical", "serious")
    ]
    detail = "no critical or serious violations" if not grave else f"{len(grave)} grave; first: {grave[0]}"
    return CheckResult(epub, "DAISY Ace", not grave, detail)


def pdf_fonts(path: Path) -> dict[str, bool]:
    """Every font the PDF uses, by name, and whether its program is embedded."""
    fonts: dict[str, bool] = {}
    reader = pypdf.PdfReader(path)
    for page in reader.pages:
        resources = page.get("/Resources")
        font_dict = resources.get_object().get("/Font") if resources else None
        for font in font_dict.get_object().values() if font_dict else []:
            font = font.get_object()
            name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
            if font.get("/Subtype") == "/Type3":
                fonts[name] = True
                continue
            descriptor_owner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descriptor_owner.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            fonts[name] = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def check_pdf(path: Path, theme_families: list[str]) -> list[CheckResult]:
    """Fonts embedded and the theme's own (system faces only for characters the theme lacks), pages, metadata."""
    reader = pypdf.PdfReader(path)
    fonts = pdf_fonts(path)
    missing = [name for name, embedded in fonts.items() if not embedded]
    families = [_squash(family) for family in theme_families]
    fallbacks = [name for name in fonts if not any(_squash(name.split("+")[-1]).startswith(f) for f in families)]
    theme_used = len(fonts) > len(fallbacks)
    info = reader.metadata
    wanted = {
        "title": info.get("/Title") if info else None,
        "author": info.get("/Author") if info else None,
        "language": reader.root_object.get("/Lang"),
    }
    absent = [key for key, value in wanted.items() if not value]
    pages = len(reader.pages)
    return [
        CheckResult(
            path,
            "fonts embedded",
            not missing and bool(fonts),
            f"{len(fonts)} fonts, all embedded" if not missing else "not embedded: " + ", ".join(missing),
        ),
        CheckResult(
            path,
            "theme fonts",
            theme_used,
            ("the theme's own" if theme_used else "none of the theme's fonts")
            + ("; for characters they lack: " + ", ".join(fallbacks) if fallbacks else ""),
        ),
        CheckResult(path, "page count", pages > 0, f"{pages} pages"),
        CheckResult(
            path, "metadata", not absent, "title, author, language" if not absent else "missing: " + ", ".join(absent)
        ),
    ]


def _squash(name: str) -> str:
    """A font name with only its letters and digits, for comparing PDF and font-file names."""
    return "".join(ch for ch in name if ch.isalnum()).lower()
