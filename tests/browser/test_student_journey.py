"""A student's whole journey, clicked through in Chromium."""

import pytest
from playwright.sync_api import expect

from students import claims
from students.models import Claim, ClaimStatus, ReadingProgress
from tests.browser.conftest import save_screenshot
from tests.conftest import PASSWORD, enroll, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_student_joins_with_a_code(page, live_server, topic_with_papers):
    topic, *_ = topic_with_papers
    page.goto(f"{live_server.url}/join/?code={topic.enrollment_code}")
    page.get_by_label("Name").fill("李明")
    page.get_by_label("Student number").fill("2024001")
    page.get_by_label("Email").fill("li@example.edu")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-9")
    page.get_by_label("Password again").fill("a-long-passphrase-9")
    page.get_by_role("button", name="Sign up and join").click()
    expect(page.locator("h1")).to_have_text(topic.title)
    expect(page.locator("#messages")).to_contain_text("Welcome")
    save_screenshot(page, "topic-1280")


def test_student_marks_a_paper_read_with_a_note(page, live_server, log_in_as, topic_with_papers):
    topic, intro, *_ = topic_with_papers
    student = make_user("li")
    enroll(student, topic)
    log_in_as("li", PASSWORD)
    page.goto(f"{live_server.url}/topics/xinya-2/")
    page.get_by_label("Reading status of ConcatNet").select_option("done")
    expect(page.get_by_label("Reading status of ConcatNet")).to_have_class("status-select status-done")
    page.get_by_role("link", name="ConcatNet").first.click()
    page.get_by_label("Notes").fill("Location context helps **a lot**.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notes-preview strong")).to_have_text("a lot")
    progress = ReadingProgress.objects.get(student=student, entry=intro)
    assert progress.status == "done" and "a lot" in progress.notes


def test_student_claims_then_switches(page, live_server, log_in_as, topic_with_papers):
    topic, _, first, second = topic_with_papers
    student = make_user("li")
    enroll(student, topic)
    log_in_as("li", PASSWORD)
    page.goto(f"{live_server.url}/topics/xinya-2/")
    page.locator(f"#entry-{first.pk}").get_by_role("button", name="Claim").click()
    expect(page.locator(f"#entry-{first.pk}")).to_contain_text("Yours")
    page.locator(f"#entry-{second.pk}").get_by_role("button", name="Switch to this").click()
    expect(page.locator(f"#entry-{second.pk}")).to_contain_text("Yours")
    expect(page.locator(f"#entry-{first.pk}")).to_contain_text("Free")
    assert Claim.objects.get(student=student, status=ClaimStatus.ACTIVE).entry == second


def test_student_loses_a_race_gracefully(page, live_server, log_in_as, topic_with_papers):
    topic, _, first, _ = topic_with_papers
    enroll(make_user("li"), topic)
    rival = make_user("rival")
    enroll(rival, topic)
    log_in_as("li", PASSWORD)
    page.goto(f"{live_server.url}/topics/xinya-2/")
    claims.claim(rival, first)  # taken while li's page is open
    page.locator(f"#entry-{first.pk}").get_by_role("button", name="Claim").click()
    expect(page.locator("#messages")).to_contain_text("was just taken")
    expect(page.locator(f"#entry-{first.pk}")).to_contain_text("Taken")
    assert Claim.objects.get().student == rival


def test_student_proposes_a_paper_of_their_own(page, live_server, log_in_as, topic_with_papers):
    topic, *_ = topic_with_papers
    student = make_user("li")
    enroll(student, topic)
    log_in_as("li", PASSWORD)
    page.goto(f"{live_server.url}/topics/xinya-2/")
    page.get_by_role("link", name="Propose a paper of your own").click()
    page.get_by_label("Title").fill("Depth-Guided Dehazing")
    page.get_by_label("Link", exact=True).fill("https://openaccess.thecvf.com/dehazing.pdf")
    page.get_by_label("辅助信息").check()
    page.get_by_label("Why this paper?").fill("Recent CVPR paper that uses depth as auxiliary information.")
    page.get_by_role("button", name="Send the proposal").click()
    expect(page.locator("#my-slot")).to_contain_text("Proposal pending")
    save_screenshot(page, "student-page-1280")
    assert Claim.objects.get(student=student).status == ClaimStatus.PROPOSED
