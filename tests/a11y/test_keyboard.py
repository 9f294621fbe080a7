"""The student's actions with the keyboard alone: focus always shows, stays sensible after htmx swaps, and #messages says what happened."""

import pytest
from playwright.sync_api import Browser, Page, expect

from papers.models import Category
from students.models import Claim, ClaimStatus, ReadingProgress
from tests.browser_support import HTMX_IDLE, sign_in
from tests.conftest import enroll, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_PROBLEM = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return "focus is on <body>";
  const style = getComputedStyle(focused);
  const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
  return ring ? "" : `no visible focus on ${focused.outerHTML.slice(0, 160)}`;
}"""


@pytest.fixture
def reading_list(topic_with_papers):
    student = make_user("li")
    enroll(student, topic_with_papers[0])
    return *topic_with_papers, student


@pytest.fixture
def student_page(browser: Browser, live_server, reading_list) -> Page:
    topic, *_, student = reading_list
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    sign_in(context, student, live_server.url)
    page = context.new_page()
    page.goto(live_server.url + topic.get_absolute_url())
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"
    yield page
    context.close()


def tab_to(page: Page, selector: str, *, limit: int = 60) -> None:
    """Presses Tab until `selector` has focus; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    pytest.fail(f"{limit} presses of Tab never reached {selector}")


def assert_focus_visible(page: Page) -> None:
    problem = page.evaluate(FOCUS_PROBLEM)
    assert not problem, problem


def expect_focus_on(page: Page, selector: str) -> None:
    expect(page.locator(selector)).to_be_focused()
    assert_focus_visible(page)
    # A key pressed before htmx wires up the swapped-in form would submit it
    # without htmx: that works too, but is not what these tests are about.
    page.wait_for_function(HTMX_IDLE)


def test_skip_link_comes_first_and_leads_to_the_content(student_page):
    page = student_page
    page.keyboard.press("Tab")
    expect_focus_on(page, ".skip-link")
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect_focus_on(page, "main")


def test_student_marks_an_intro_paper_done_with_arrow_keys(student_page, reading_list):
    page = student_page
    _, intro, *_, student = reading_list
    status = f"#status-{intro.pk}"
    tab_to(page, status)
    # A closed <select> changes value with the arrow keys; each change saves at once.
    page.keyboard.press("ArrowDown")
    expect(page.locator("#messages")).to_contain_text("“ConcatNet” is marked “Reading”")
    expect_focus_on(page, status)
    page.keyboard.press("ArrowDown")
    expect(page.locator("#messages")).to_contain_text("“ConcatNet” is marked “Done”")
    expect(page.locator(status)).to_have_class("status-select status-done")
    expect_focus_on(page, status)
    assert ReadingProgress.objects.get(student=student, entry=intro).status == "done"


def test_student_claims_switches_and_releases_with_the_keyboard(student_page, reading_list):
    page = student_page
    _, _, first, second, student = reading_list

    tab_to(page, f"#action-{first.pk}")
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("You claimed “DMM”")
    expect(page.locator(f"#action-{first.pk}")).to_contain_text("Release")
    expect_focus_on(page, f"#action-{first.pk}")

    tab_to(page, f"#action-{second.pk}")
    page.keyboard.press("Space")
    expect(page.locator("#messages")).to_contain_text("You switched to “SKF”")
    expect(page.locator(f"#action-{second.pk}")).to_contain_text("Release")
    expect_focus_on(page, f"#action-{second.pk}")
    assert Claim.objects.get(student=student, status=ClaimStatus.ACTIVE).entry == second

    page.once("dialog", lambda dialog: dialog.accept())
    page.keyboard.press("Enter")
    expect(page.locator("#messages")).to_contain_text("You released")
    expect(page.locator(f"#action-{second.pk}")).to_contain_text("Claim")
    expect_focus_on(page, f"#action-{second.pk}")
    assert not Claim.objects.filter(student=student, status=ClaimStatus.ACTIVE).exists()


def test_student_proposes_a_paper_with_the_keyboard(student_page, reading_list):
    page = student_page
    *_, student = reading_list
    tab_to(page, "#slot-panel a[href$='/propose/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/propose/")

    tab_to(page, "#id_title")
    page.keyboard.type("Depth-Guided Dehazing")
    tab_to(page, "#id_url")
    page.keyboard.type("https://openaccess.thecvf.com/dehazing.pdf")
    info = Category.objects.get(topic=reading_list[0], name="辅助信息")
    tab_to(page, f"input[name=categories][value='{info.pk}']")
    page.keyboard.press("Space")
    tab_to(page, "#id_justification")
    page.keyboard.type("Recent CVPR paper that uses depth as auxiliary information.")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator("#my-slot")).to_contain_text("Proposal pending")
    expect(page.locator("#messages")).to_contain_text("Your proposal is sent")
    assert Claim.objects.get(student=student).status == ClaimStatus.PROPOSED


def test_student_filters_the_advanced_papers_with_the_keyboard(student_page, reading_list):
    page = student_page
    topic, _, first, second, _ = reading_list
    info = Category.objects.get(topic=topic, name="辅助信息")
    tab_to(page, f"#filter-{info.pk}")
    page.keyboard.press("Enter")
    expect(page.locator(f"#filter-{info.pk}")).to_have_attribute("aria-current", "true")
    expect(page.locator(f"#entry-{second.pk}")).to_have_count(0)  # SKF is an auxiliary task only
    expect(page.locator(f"#entry-{first.pk}")).to_be_visible()
    expect_focus_on(page, f"#filter-{info.pk}")
    assert page.url.endswith(f"?category={info.pk}")
