"""Preference rounds clicked through in Chromium, in Chinese: a round of topics, then a round of a topic's papers.

An admin (or the topic's mentor) opens the round, students rank with htmx, the manager closes the
rankings, runs the allocation, moves a student and publishes; the students read their result.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from papers.models import EnrollmentMode
from students.models import Allocation, Claim, ClaimAction, ClaimStatus, Enrollment, Role, Round, StudentProfile
from tests.browser.conftest import save_screenshot
from tests.browser_support import sign_in
from tests.conftest import enroll, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def open_as(browser: Browser, live_server):
    """A Chinese browser (zh-CN, so Accept-Language zh-hans) signed in as `user`."""
    contexts = []

    def open_(user) -> Page:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        sign_in(context, user, live_server.url)
        page = context.new_page()
        page.goto(live_server.url + "/rounds/")
        assert page.evaluate("typeof htmx") == "object", "htmx did not load"
        assert page.evaluate("document.documentElement.lang") == "zh-Hans"
        return page

    yield open_
    for context in contexts:
        context.close()


def student_account(username: str, name: str):
    user = make_user(username, first_name=name)
    StudentProfile.objects.create(user=user, student_number=username)
    return user


def htmx_idle(page: Page) -> None:
    """htmx has swapped and wired up everything (the site's CSP forbids wait_for_function's eval)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-added, .htmx-settling")).to_have_count(0)


def rank(page: Page, *labels: str) -> None:
    for position, label in enumerate(labels, start=1):
        page.get_by_label(f"第 {position} 志愿").select_option(label=label)
    page.get_by_role("button", name="保存我的志愿").click()
    expect(page.locator("#messages")).to_contain_text(f"志愿已保存：共 {len(labels)} 项。")
    htmx_idle(page)


def move(page: Page, student: str, place: str) -> None:
    page.get_by_label("学生", exact=True).select_option(label=student)
    page.get_by_label("新的去向").select_option(label=place)
    page.get_by_role("button", name="调整", exact=True).click()
    htmx_idle(page)


def close_and_allocate(page: Page) -> None:
    page.get_by_role("button", name="立即截止填报").click()
    expect(page.locator("#messages")).to_contain_text("志愿填报已截止")
    page.get_by_role("button", name="运行分配").click()
    expect(page.get_by_role("heading", name="分配草案")).to_be_visible()


def test_a_round_of_topics_from_opening_to_the_students_results(open_as, admin_user):
    tracking = make_topic("xinya-8", title="视觉目标跟踪", enrollment_mode=EnrollmentMode.PREFERENCE, student_capacity=1)
    segmentation = make_topic("xinya-9", title="视频目标分割", enrollment_mode=EnrollmentMode.PREFERENCE, student_capacity=3)
    li, zhang = student_account("2024101", "李明"), student_account("2024102", "张华")

    admin = open_as(admin_user)
    admin.get_by_label("标题").fill("2026 秋季专题志愿")
    admin.get_by_label("志愿截止时间").fill("2099-09-01T18:00")
    admin.get_by_role("button", name="开启轮次").click()
    expect(admin.locator("#messages")).to_contain_text("志愿轮次“2026 秋季专题志愿”已开放填报。")
    manage_url = admin.url

    student = open_as(li)
    student.get_by_role("link", name="2026 秋季专题志愿").click()
    rank(student, "视觉目标跟踪", "视频目标分割")
    expect(student.locator("#contest-" + str(tracking.pk))).to_contain_text("1 名学生")
    other = open_as(zhang)
    other.get_by_role("link", name="2026 秋季专题志愿").click()
    rank(other, "视觉目标跟踪")
    # Counts, never names.
    expect(other.locator("#contest-" + str(tracking.pk))).to_contain_text("2 名学生")
    expect(other.locator("main")).not_to_contain_text("李明")
    save_screenshot(other, "round-ranking-topics-1280")

    admin.goto(manage_url)
    close_and_allocate(admin)
    expect(admin.locator("#draft")).to_contain_text("2 名学生中有 2 名获得名额。")
    save_screenshot(admin, "round-draft-topics-1280")
    admin.get_by_role("button", name="发布分配结果").click()
    expect(admin.locator("#messages")).to_contain_text("已发布：共给出 2 个名额。")

    # 张华 ranked only the one-place topic, so the lottery-free optimum gives it to them and 李明 their 2nd choice.
    student.reload()
    expect(student.locator("#round-result")).to_contain_text("你的第 2 志愿")
    expect(student.locator("#round-result")).to_contain_text("你已成为“视频目标分割”的学生。")
    other.reload()
    expect(other.locator("#round-result")).to_contain_text("你的第 1 志愿")
    assert Enrollment.objects.get(user=zhang, role=Role.STUDENT).topic == tracking
    assert Enrollment.objects.get(user=li, role=Role.STUDENT).topic == segmentation
    assert set(Allocation.objects.values_list("student__username", "rank")) == {("2024101", 2), ("2024102", 1)}


def test_a_round_of_papers_with_a_move_and_the_claims_it_makes(open_as, topic_with_papers):
    topic, intro, dmm, skf = topic_with_papers
    mentor = make_user("wang", first_name="老师", last_name="王")
    enroll(mentor, topic, Role.MENTOR)
    li, zhang = make_user("2024001", first_name="李明"), make_user("2024002", first_name="张华")
    for student in (li, zhang):
        enroll(student, topic)

    manager = open_as(mentor)
    manager.goto(manager.url.replace("/rounds/", f"/topics/{topic.slug}/rounds/"))
    manager.get_by_label("标题").fill("汇报文献志愿")
    manager.get_by_label("志愿截止时间").fill("2099-06-01T18:00")
    manager.get_by_role("button", name="开启轮次").click()
    expect(manager.locator("#messages")).to_contain_text("志愿轮次“汇报文献志愿”已开放填报。")
    manage_url = manager.url

    first = open_as(li)
    first.get_by_role("link", name="汇报文献志愿").click()
    # Intro papers are not even offered.
    options = first.get_by_label("第 1 志愿").locator("option").all_inner_texts()
    assert not any("ConcatNet" in option for option in options)
    rank(first, "DMM: a paper", "SKF: a paper")
    second = open_as(zhang)
    second.get_by_role("link", name="汇报文献志愿").click()
    rank(second, "DMM: a paper")

    manager.goto(manage_url)
    close_and_allocate(manager)
    expect(manager.locator("#draft")).to_contain_text("2 名学生中有 2 名获得名额。")
    # Each move meets the rules: DMM's one place is 张华's in the draft; then 李明 is moved to no place.
    move(manager, "李明", "DMM: a paper")
    expect(manager.locator("#draft")).to_contain_text("“DMM”已没有剩余名额。")
    move(manager, "李明", "无名额")
    expect(manager.locator("#messages")).to_contain_text("已调整 李明 的去向。")
    expect(manager.locator("#draft")).to_contain_text("2 名学生中有 1 名获得名额。")
    save_screenshot(manager, "round-draft-papers-1280")
    manager.get_by_role("button", name="发布分配结果").click()
    expect(manager.locator("#messages")).to_contain_text("已发布：共给出 1 个名额。")

    second.reload()
    expect(second.locator("#round-result")).to_contain_text("你的第 1 志愿")
    expect(second.locator("#round-result")).to_contain_text("你将汇报“DMM”。")
    first.reload()
    expect(first.locator("#round-result")).to_contain_text("无名额")
    first.get_by_role("link", name="仍可认领的文献").click()
    expect(first).to_have_url(f"{first.url.split('/topics/')[0]}/topics/{topic.slug}/")

    claim = Claim.objects.get()
    assert (claim.student, claim.entry, claim.status) == (zhang, dmm, ClaimStatus.ACTIVE)
    assert list(claim.events.values_list("action", "actor")) == [(ClaimAction.ALLOCATED, mentor.pk)]
    assert Round.objects.get().published_by == mentor
