"""Playwright on Debian's Chromium, shared by the browser and accessibility suites. A missing browser fails the run.

Each suite's conftest imports the fixtures below; nothing here skips.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from papers.models import Entry, Topic
from tests.conftest import make_entry, make_topic

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# Without these flags Chromium keeps dialling Google's hosts, which this
# network refuses, and each refusal slows every page.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# True once htmx has sent, swapped and wired up everything: a form swapped in
# but not yet processed would submit without htmx.
HTMX_IDLE = "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-added, .htmx-settling')"

# Playwright's sync API allows one instance per thread, and several conftests
# import the `browser` fixture: the first to run launches, the others reuse.
_launched: list[Browser] = []


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if _launched:
        yield _launched[0]
        return
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium` (see .ci/run).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _launched.append(launched)
        try:
            yield launched
        finally:
            _launched.clear()
            launched.close()


@pytest.fixture(autouse=True)
def unhashed_static_files(settings):
    """The live server finds static files by their source names, not the manifest's hashed ones."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in_as(page: Page, live_server):
    def log_in(username: str, password: str) -> Page:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Student number or username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        # The HTMX paths are what these tests exercise: a page without htmx
        # would pass them through the no-JavaScript fallbacks instead.
        assert page.evaluate("typeof htmx") == "object", "htmx did not load"
        return page

    return log_in


@pytest.fixture
def topic_with_papers() -> tuple[Topic, Entry, Entry, Entry]:
    """Topic 2 in small: an intro paper and two advanced papers, one of both kinds."""
    topic = make_topic("xinya-2", title="辅助信息/辅助任务驱动的视觉感知")
    intro = make_entry(topic, "ConcatNet", level="intro")
    first = make_entry(topic, "DMM", categories=("辅助信息", "辅助任务"), position=1)
    second = make_entry(topic, "SKF", categories=("辅助任务",), position=2)
    return topic, intro, first, second


def sign_in(context: BrowserContext, user: AbstractBaseUser, base_url: str) -> None:
    """Hands the browser a session of `user`, for tests about pages rather than about logging in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def save_screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
