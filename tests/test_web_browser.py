"""The web edition in a real browser: Debian's Chromium, driven by Playwright (never a browser it downloads).

Skipped, with the reason, where Chromium is not installed (``make test`` installs it where it can).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() or not shutil.which(str(CHROMIUM)):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: run 'make test-deps', or set CHROMIUM")
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        except Error as error:
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {error.message.splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture
def site(web_site: Path) -> Path:
    return web_site


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    context.close()


def open_page(page, site: Path, name: str) -> None:
    page.goto((site / name).as_uri())


def test_a_spoiler_is_unseen_and_unread_until_clicked(phone, site):
    open_page(phone, site, "foreword.html")
    hidden = phone.locator("details.spoiler-note .spoiler-words")
    assert not hidden.is_visible()
    assert "dreamed" not in phone.inner_text("body")
    phone.locator("details.spoiler-note summary").click()
    assert hidden.is_visible() and "dreamed" in phone.inner_text("body")


def test_a_spoiler_opens_from_the_keyboard(phone, site):
    open_page(phone, site, "response.html")
    summary = phone.locator("details.spoiler-note summary").first
    summary.focus()
    assert phone.evaluate("document.activeElement.tagName") == "SUMMARY"
    phone.keyboard.press("Enter")
    assert phone.locator("details.spoiler-note").first.get_attribute("open") is not None
    assert phone.locator("details.spoiler-note .spoiler-words").first.is_visible()


def test_a_note_opens_under_its_paragraph_on_a_phone_and_stands_in_the_margin_on_a_wide_screen(browser, site):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto((site / "response.html").as_uri())
    note = page.locator("aside.footnote").first
    assert not note.is_visible()
    page.locator("a.noteref").first.click()
    assert note.is_visible()
    page.locator("aside.footnote a.note-number").first.click()
    assert page.url.endswith("#" + page.locator("a.noteref").first.get_attribute("id"))
    context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((site / "response.html").as_uri())
    note, text = page.locator("aside.footnote").first, page.locator("main p").first
    assert note.is_visible()
    assert note.bounding_box()["x"] >= text.bounding_box()["x"] + text.bounding_box()["width"]
    width, room = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width <= room
    context.close()


def test_a_wide_screen_sets_lines_of_about_65_characters(browser, site):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.goto((site / "la-la-land-ending.html").as_uri())
    per_line = page.evaluate(
        """() => [...document.querySelectorAll('.piece-body > p')].filter(p => p.textContent.length > 400).map(p => {
            const range = document.createRange();
            range.selectNodeContents(p);
            const tops = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
            return p.textContent.length / tops.size;
        })"""
    )
    context.close()
    assert per_line and all(58 <= length <= 75 for length in per_line), per_line


def test_the_skip_link_lands_past_the_spoiler_pieces(phone, site):
    open_page(phone, site, "warning-la-la-land-ending.html")
    phone.locator("a.skip-link").click()
    assert phone.url.endswith("/colophon.html")


def test_no_page_scrolls_sideways_on_a_phone_and_none_asks_for_anything_outside_its_folder(phone, site):
    for path in sorted(site.glob("*.html")):
        open_page(phone, site, path.name)
        width, room = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width <= room, (path.name, width, room)
    assert phone.requests and all(url.startswith("file://") for url in phone.requests), set(phone.requests)


def test_print_page_numbers_stay_hidden_until_asked_for_and_the_choice_goes_from_page_to_page(phone, sample_book):
    site = sample_book.site
    open_page(phone, site, "response.html")
    marker = phone.locator("#page-13")
    assert not marker.is_visible() and "13" not in phone.inner_text("main")
    phone.locator("label[for='show-print-pages']").click()
    assert marker.is_visible()
    phone.locator("a[rel='next']").click()
    assert phone.url.endswith("/colophon.html?pages")
    assert phone.locator("#page-15").is_visible()
    phone.goto((site / "response.html").as_uri() + "?pages")
    assert marker.is_visible()
    phone.locator("label[for='show-print-pages']").click()
    assert not marker.is_visible()
    assert phone.locator("a[rel='next']").get_attribute("href") == "colophon.html"


def test_a_site_without_the_print_edition_offers_no_page_numbers(phone, site):
    open_page(phone, site, "response.html")
    assert not phone.locator(".print-pages-switch").is_visible()


# The dark scheme changes colours alone: there, the rules that look at colours.
AXE_RULES = {"light": "", "dark": "runOnly: ['color-contrast', 'link-in-text-block'], "}


@pytest.fixture(scope="module")
def axe_violations(browser, sample_book) -> dict[str, dict[str, list[str]]]:
    """axe-core's violations on every page, by scheme and page. Each page is loaded once, with axe, and checked in
    the light scheme and then in the dark (the pages choose their colours by CSS media query alone, which follows
    the scheme emulated)."""
    site = sample_book.site
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE}: run 'make test-deps' (it needs npm)")
    context = browser.new_context(viewport=PHONE, color_scheme="light")
    page = context.new_page()
    found: dict[str, dict[str, list[str]]] = {scheme: {} for scheme in AXE_RULES}
    for path in sorted(site.glob("*.html")):
        page.emulate_media(color_scheme="light")
        page.goto(path.as_uri() + "?pages")
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        for scheme, rules in AXE_RULES.items():
            page.emulate_media(color_scheme=scheme)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            violations = page.evaluate(
                f"async () => (await axe.run(document, {{{rules}resultTypes: ['violations']}})).violations"
                ".map(v => `${v.id}: ${v.nodes[0].html.slice(0, 100)}`)"
            )
            if violations:
                found[scheme][path.name] = violations
    context.close()
    return found


@pytest.mark.parametrize("scheme", AXE_RULES)
def test_axe_finds_nothing_on_any_page(axe_violations, scheme):
    """axe-core's checks, WCAG AA colour contrast among them, in the light scheme; its colour checks in the dark.
    On the site with the print edition's page numbers, shown."""
    assert not axe_violations[scheme]
