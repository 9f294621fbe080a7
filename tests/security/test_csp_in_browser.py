"""In Chromium, under the site's Content-Security-Policy, no page breaks a rule and htmx works."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.a11y.conftest import PAGES, SitePage, build_site, visit
from tests.browser_support import HTMX_IDLE, browser, sign_in, unhashed_static_files
from tests.security.test_database_outage import database_down

__all__ = ["browser", "unhashed_static_files"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded from the first script on, before any of the page's own.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline code"} (${event.sourceFile}:${event.lineNumber})`);
});
"""


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def open_page(browser: Browser, live_server) -> Iterator[Callable[[SitePage], Page]]:
    contexts = []

    def open_(spec: SitePage) -> Page:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        context.set_default_timeout(10_000)
        context.route(re.compile(rf"^(?!{re.escape(live_server.url)}/)"), lambda route: route.abort())
        context.add_init_script(RECORD_VIOLATIONS)
        if spec.user is not None:
            sign_in(context, spec.user, live_server.url)
        page = context.new_page()
        visit(page, live_server.url, spec)
        page.wait_for_function(HTMX_IDLE)
        return page

    yield open_
    for context in contexts:
        context.close()


def test_no_page_breaks_the_policy(open_page):
    site = build_site()
    broken = {}
    for name in PAGES:
        page = open_page(site.pages[name])
        # Every <details> open: an introduction's images load only then.
        page.evaluate("document.querySelectorAll('details').forEach((details) => { details.open = true })")
        page.wait_for_timeout(50)
        problems = page.evaluate("window.cspViolations")
        if page.evaluate("document.querySelectorAll('style, [style]').length"):
            problems.append("an inline style, in the markup or added by a script")
        if not page.evaluate("document.documentElement.classList.contains('js')"):
            problems.append("no .js class on <html>: static/js/js-class.js did not run")
        if problems:
            broken[name] = problems
        page.context.close()
    assert not broken


# What the poll does; the swap comes from the element's hx-swap, as for the poll.
REFRESH_ADVANCED_PAPERS = """htmx.ajax('GET', document.querySelector('#live').getAttribute('hx-get'),
    {source: '#live', target: '#live'})"""


def test_a_hidden_page_skips_its_poll_and_a_visible_one_polls(open_page):
    # htmx's eval is off (the policy forbids it): static/js/visible-polling.js answers the poll's filter instead.
    site = build_site()
    page = open_page(site.pages["topic-student"])
    assert page.locator("#live[hx-trigger*=visibilityState]").count() == 1
    requests = []
    page.on("request", lambda request: requests.append(request.url) if request.headers.get("hx-request") else None)

    page.evaluate("Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})")
    page.evaluate(REFRESH_ADVANCED_PAPERS)
    page.wait_for_timeout(300)
    assert requests == []

    page.evaluate("Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true})")
    with page.expect_request(lambda request: request.headers.get("hx-request") == "true"):
        page.evaluate(REFRESH_ADVANCED_PAPERS)
    page.wait_for_function(HTMX_IDLE)
    assert page.evaluate("window.cspViolations") == []


def test_an_htmx_request_during_an_outage_shows_the_message_in_the_page(open_page):
    site = build_site()
    page = open_page(site.pages["topic-student"])
    title = page.title()
    with database_down():
        with page.expect_response(lambda response: response.status == 503):
            page.evaluate(REFRESH_ADVANCED_PAPERS)
        page.wait_for_function(HTMX_IDLE)
    assert page.locator("#messages #service-unavailable").inner_text() == "服务暂时不可用，请稍后再试。"
    assert page.locator("#advanced-papers").count() == 1, "the page keeps what it showed"
    assert page.title() == title
