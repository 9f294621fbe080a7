import re

import pytest
from playwright.sync_api import expect

from students import claims
from students.models import Claim, ClaimStatus
from tests.browser_support import sign_in
from tests.conftest import PASSWORD, enroll, make_entry, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_student_claims_sees_intro_has_no_claim_and_releases(live_server, log_in_as):
    topic = make_topic("xinya-2")
    intro = make_entry(topic, "ConcatNet", level="intro")
    advanced = make_entry(topic, "DMM", categories=("辅助信息", "辅助任务"), position=1)
    student = make_user("li")
    enroll(student, topic)

    page = log_in_as("li", PASSWORD)
    page.goto(f"{live_server.url}/topics/xinya-2/")

    intro_row = page.locator(f"#entry-{intro.pk}")
    expect(intro_row).to_contain_text("Reading practice only")
    expect(intro_row.get_by_role("button", name="Claim")).to_have_count(0)
    expect(intro_row.locator("form[action$='/claim/']")).to_have_count(0)

    row = page.locator(f"#entry-{advanced.pk}")
    row.get_by_role("button", name="Claim").click()
    expect(row).to_contain_text("Yours")
    expect(page.locator("#messages")).to_contain_text("You claimed “DMM”")
    expect(page.locator("#slot-panel")).to_contain_text("You will present DMM")
    assert Claim.objects.get(student=student).status == ClaimStatus.ACTIVE

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#entry-{advanced.pk}").get_by_role("button", name="Release").click()
    expect(page.locator(f"#entry-{advanced.pk}")).to_contain_text("Free")
    expect(page.locator("#messages")).to_contain_text("You released")
    assert Claim.objects.get(student=student).status == ClaimStatus.RELEASED


def test_claim_works_without_javascript(browser, live_server):
    topic = make_topic("xinya-2")
    advanced = make_entry(topic, "DMM")
    enroll(make_user("li"), topic)
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Student number or username").fill("li")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/topics/xinya-2/")
    page.locator(f"#entry-{advanced.pk}").get_by_role("button", name="Claim").click()
    expect(page.locator(f"#entry-{advanced.pk}")).to_contain_text("Yours")
    expect(page.locator("#messages")).to_contain_text("You claimed “DMM”")
    context.close()


def test_release_without_javascript_asks_on_a_page_of_its_own(browser, live_server):
    topic = make_topic("xinya-2")
    advanced = make_entry(topic, "DMM")
    student = make_user("li")
    enroll(student, topic)
    claims.claim(student, advanced)
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    sign_in(context, student, live_server.url)
    page = context.new_page()
    info = advanced.categories.get()
    page.goto(f"{live_server.url}/topics/xinya-2/?category={info.pk}")
    page.locator(f"#entry-{advanced.pk}").get_by_role("button", name="Release").click()
    expect(page).to_have_url(re.compile(rf"/topics/xinya-2/release/\?category={info.pk}$"))
    expect(page.locator("main")).to_contain_text("You will present DMM")
    assert Claim.objects.get().status == ClaimStatus.ACTIVE, "asking must change nothing"
    page.get_by_role("button", name="Yes, release it").click()
    expect(page).to_have_url(re.compile(rf"/topics/xinya-2/\?category={info.pk}$"))
    expect(page.locator("#messages")).to_contain_text("You released")
    expect(page.locator(f"#entry-{advanced.pk}")).to_contain_text("Free")
    assert Claim.objects.get().status == ClaimStatus.RELEASED
    context.close()
