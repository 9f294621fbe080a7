"""A mentor approves a proposal and schedules the talk, clicked through in Chromium; the student sees both."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from papers.models import Entry, Level
from students import claims
from students.models import Claim, ClaimAction, ClaimStatus, Feedback, Role
from tests.browser.conftest import save_screenshot
from tests.conftest import PASSWORD, enroll, make_category, make_entry, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Depth Anything: Unleashing the Power of Large-Scale Unlabeled Data"


def test_mentor_approves_and_schedules_and_the_student_sees_both(page, live_server, log_in_as):
    topic = make_topic("xinya-2", title="辅助信息/辅助任务驱动的视觉感知")
    make_entry(topic, "DMM", categories=("辅助信息", "辅助任务"), position=1)
    mentor = make_user("wang", first_name="老师", last_name="王")
    enroll(mentor, topic, Role.MENTOR)
    student = make_user("li", first_name="李明")
    enroll(student, topic)
    proposal = claims.propose(
        student, topic, claims.PaperDetails(title=TITLE, url="https://example.org/depth-anything", arxiv_id=None),
        justification="Depth as an auxiliary task, like SKF.", categories=[make_category(topic, "辅助任务")],
    )
    base = f"{live_server.url}/topics/xinya-2/mentor"

    log_in_as("wang", PASSWORD)
    page.goto(f"{base}/")
    expect(page.locator(f"#student-{student.pk}")).to_contain_text("Waiting for you")
    page.get_by_role("link", name="Proposals").click()

    card = page.locator(f"#proposal-{proposal.pk}")
    expect(card).to_contain_text("Depth as an auxiliary task, like SKF.")
    expect(card.get_by_label("辅助任务")).to_be_checked()
    card.get_by_label("辅助信息").check()
    card.get_by_role("button", name="Approve").click()
    expect(card).to_contain_text("Approved")
    expect(page.locator("#messages")).to_contain_text(f"Approved: “{TITLE}” joins the list, presented by 李明.")

    page.get_by_role("link", name="Presentation schedule").click()
    row = page.locator(f"#talk-{proposal.pk}")
    row.get_by_label("Date and time").fill("2026-12-10T14:30")
    row.get_by_label("Order").fill("2")
    row.get_by_role("button", name="Save slot").click()
    expect(page.locator("#messages")).to_contain_text("Saved the slot of 李明.")
    expect(row.get_by_label("Date and time")).to_have_value("2026-12-10T14:30")
    save_screenshot(page, "mentor-schedule-1280")

    page.goto(f"{base}/students/{student.pk}/")
    page.get_by_label("Feedback the student will read").fill("Prepare **15 minutes** of slides.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.locator("#student-feedback strong")).to_have_text("15 minutes")

    log_in_as("li", PASSWORD)
    page.goto(f"{live_server.url}/topics/xinya-2/me/")
    slot = page.locator("#my-slot")
    expect(slot).to_contain_text(TITLE)
    expect(slot).to_contain_text("2026-12-10 14:30")
    expect(slot).to_contain_text("#2")
    expect(page.get_by_text("Prepare 15 minutes of slides.")).to_be_visible()
    save_screenshot(page, "student-after-mentor-1280")

    claim = Claim.objects.get(pk=proposal.pk)
    entry = Entry.objects.get(pk=claim.entry_id)
    assert (claim.status, claim.decided_by, claim.presentation_order) == (ClaimStatus.ACTIVE, mentor, 2)
    assert claim.presentation_at == datetime(2026, 12, 10, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert (entry.level, entry.category_names) == (Level.ADVANCED, ["辅助信息", "辅助任务"])
    assert list(claim.events.values_list("action", "actor")) == [
        (ClaimAction.PROPOSED, student.pk), (ClaimAction.APPROVED, mentor.pk), (ClaimAction.SCHEDULED, mentor.pk),
    ]
    assert Feedback.objects.get().author == mentor


def test_mentor_rejects_without_javascript_and_the_student_reads_the_reason(browser, live_server):
    topic = make_topic("xinya-2")
    mentor = make_user("wang")
    enroll(mentor, topic, Role.MENTOR)
    student = make_user("li")
    enroll(student, topic)
    proposal = claims.propose(
        student, topic, claims.PaperDetails(title="A survey of dehazing", url="https://example.org/survey", arxiv_id=None),
        justification="A good overview.", categories=[make_category(topic, "辅助任务")],
    )
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()

    def log_in(username):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Student number or username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

    log_in("wang")
    page.goto(f"{live_server.url}/topics/xinya-2/mentor/proposals/")
    card = page.locator(f"#proposal-{proposal.pk}")
    card.get_by_role("button", name="Reject").click()
    expect(page.locator(f"#proposal{proposal.pk}_reason_error")).to_have_text("Give the student a reason for the rejection.")
    page.locator(f"#proposal-{proposal.pk}").get_by_label("Reason the student will read").fill("A survey is not a method paper.")
    page.locator(f"#proposal-{proposal.pk}").get_by_role("button", name="Reject").click()
    expect(page.locator("#messages")).to_contain_text("Rejected the proposal")
    expect(page.locator("main")).to_contain_text("No proposal is waiting.")

    log_in("li")
    page.goto(f"{live_server.url}/topics/xinya-2/me/")
    expect(page.locator("#my-slot")).to_contain_text("A survey is not a method paper.")
    context.close()
    assert Claim.objects.get(pk=proposal.pk).status == ClaimStatus.REJECTED
