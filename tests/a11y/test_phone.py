"""On a 375 px phone nothing scrolls sideways, every control is big enough for a thumb, and tables become cards.

Tap targets: every visible button, select, input, textarea, summary and link in the
header and in <main> is at least 44 × 44 CSS px. A checkbox or radio button counts
with its <label>, which is what a finger taps. Exempt, as WCAG 2.5.8 exempts inline
targets: a link in running text, that is, an inline link whose parent also holds
words of its own (not just separators such as "·"), and every link in Markdown
prose written by mentors and students.

The main pages are photographed here too, in Chinese, at 375 and 1280 px, into
docs/screenshots/ for the README.
"""

import re

import pytest
from playwright.sync_api import Page

from tests.a11y.conftest import LAPTOP, PAGES, PHONE, SCREENSHOTS, in_english

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MIN_TAP = 44

SMALL_TARGETS = """() => {
  const words = /[\\p{L}\\p{N}]/u;
  const inRunningText = (link) => {
    if (link.closest(".prose")) return true;
    if (getComputedStyle(link).display !== "inline") return false;
    return [...link.parentElement.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && words.test(node.textContent));
  };
  const selector = ["button", "select", "textarea", "summary", "a[href]", "input:not([type=hidden])"]
    .flatMap((control) => [`header ${control}`, `main ${control}`]).join(", ");
  const small = [];
  for (const control of document.querySelectorAll(selector)) {
    if (!control.checkVisibility({visibilityProperty: true}) || control.closest(".visually-hidden")) continue;
    if (control.matches("a") && inRunningText(control)) continue;
    const target = control.matches("[type=checkbox], [type=radio]") ? (control.closest("label") || control) : control;
    const box = target.getBoundingClientRect();
    if (box.width < 44 || box.height < 44) {
      small.push(`${Math.round(box.width)}×${Math.round(box.height)} ${target.outerHTML.slice(0, 160)}`);
    }
  }
  return small;
}"""

TABLE_CELLS_NOT_CARDS = """() => [...document.querySelectorAll("table.data td")]
  .filter((cell) => cell.checkVisibility() && getComputedStyle(cell).display !== "block")
  .map((cell) => cell.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_phone(name, site, open_page, live_server):
    spec = site.pages[name]
    page = open_page(spec, viewport=PHONE)
    problems = [f"[中文] {problem}" for problem in phone_problems(page)]
    if spec.screenshot:
        screenshot(page, f"{name}-375")
        screenshot(open_page(spec, viewport=LAPTOP), f"{name}-1280")
    in_english(page, live_server.url, spec)
    problems += [f"[English] {problem}" for problem in phone_problems(page)]
    if problems:
        pytest.fail(f"Page {name!r} at {PHONE['width']} px:\n  " + "\n  ".join(problems), pytrace=False)


def test_topic_introduction_fetches_its_image_only_when_opened(site, open_page, live_server):
    """The introduction links an image on another host; a student who never opens it never downloads it."""
    page = open_page(site.pages["topic-student"], viewport=PHONE)
    elsewhere = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else elsewhere.append(request.url))
    page.reload()
    page.mouse.wheel(0, 400)
    assert elsewhere == []
    with page.expect_request(re.compile(r"^https://imgtu\.com/")):
        page.locator("details.introduction summary").tap()


def phone_problems(page: Page) -> list[str]:
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        wide = page.evaluate(f"""() => [...document.querySelectorAll("body *")]
            .filter((element) => element.getBoundingClientRect().right > {PHONE['width']} + 0.5)
            .slice(-3).map((element) => element.outerHTML.slice(0, 160))""")
        problems.append(f"scrolls sideways: {width} px wide, because of {wide}")
    problems += [f"smaller than {MIN_TAP}×{MIN_TAP}: {target}" for target in page.evaluate(SMALL_TARGETS)]
    problems += [f"table cell not shown as a card: {cell}" for cell in page.evaluate(TABLE_CELLS_NOT_CARDS)]
    return problems


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled", caret="hide")
