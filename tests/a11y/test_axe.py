"""axe-core's default rules (WCAG 2 A and AA, and best practices) find nothing on any page, laptop or phone."""

import pytest
from playwright.sync_api import Page

from tests.a11y.conftest import AXE, PAGES, PHONE, installed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violations(name, site, open_page):
    page = open_page(site.pages[name])
    found = {"1280 px": run_axe(page)}
    # On the phone, with every <details> open, so that what they hide is checked too.
    page.set_viewport_size(PHONE)
    page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true })")
    found["375 px, details open"] = run_axe(page)
    if any(found.values()):
        pytest.fail(describe(name, found), pytrace=False)


def run_axe(page: Page) -> list[dict]:
    if not page.evaluate("typeof axe === 'object'"):
        page.add_script_tag(path=str(installed(AXE)))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")


def describe(name: str, found: dict[str, list[dict]]) -> str:
    lines = [f"axe-core violations on page {name!r}:"]
    for where, violations in found.items():
        for violation in violations:
            lines.append(f"  [{where}] {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
            for node in violation["nodes"]:
                lines.append(f"      at {' '.join(map(str, node['target']))}: {node['html'][:200]}")
                lines.extend(f"        {line}" for line in node["failureSummary"].splitlines())
    return "\n".join(lines)
