"""A newcomer searches the programme's catalogue and joins an open topic, clicked through in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from papers.models import EnrollmentMode
from students.models import Enrollment
from tests.conftest import PASSWORD, enroll, make_category, make_entry, make_topic, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def programme():
    closed = make_topic("xinya-2", number=2, title="辅助信息/辅助任务驱动的视觉感知")
    make_entry(closed, "DMM", categories=("辅助信息", "辅助任务"))
    opened = make_topic("xinya-5", number=5, title="单目深度估计", enrollment_mode=EnrollmentMode.OPEN, student_capacity=2)
    make_category(opened, "深度基础模型")
    last_place = make_topic("xinya-6", number=6, title="多模态融合目标检测", enrollment_mode=EnrollmentMode.OPEN,
                            student_capacity=1)
    return closed, opened, last_place


def test_newcomer_searches_as_they_type_and_joins_an_open_topic(page, live_server, log_in_as, programme):
    closed, opened, _ = programme
    make_user("chen")
    log_in_as("chen", PASSWORD)
    expect(page.locator("h1")).to_have_text("Choose a topic")
    expect(page.locator("#programme-count")).to_have_text("3 topics")

    page.get_by_label("Search").fill("深度")
    expect(page.locator("#programme-count")).to_have_text("1 topic")
    expect(page.locator(f"#topic-{closed.pk}")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"\?q=%E6%B7%B1%E5%BA%A6"))
    assert page.evaluate("typeof htmx") == "object"  # the page was not reloaded

    card = page.locator(f"#topic-{opened.pk}")
    card.get_by_role("button", name="Join").click()
    expect(card).to_contain_text("You are in this topic")
    expect(card).to_contain_text("1 of 2 places")
    expect(page.locator("#messages")).to_contain_text("Welcome to “单目深度估计”.")
    # The action keeps its id, so focus stays where the student was.
    expect(card.get_by_role("link", name="Open the topic")).to_be_focused()
    assert Enrollment.objects.filter(user__username="chen", topic=opened).exists()

    card.get_by_role("link", name="Open the topic").click()
    expect(page.locator("h1")).to_have_text("单目深度估计")


def test_the_last_place_taken_meanwhile_is_refused_in_the_card(page, live_server, log_in_as, programme):
    *_, last_place = programme
    make_user("chen")
    log_in_as("chen", PASSWORD)
    card = page.locator(f"#topic-{last_place.pk}")
    expect(card.get_by_role("button", name="Join")).to_be_visible()

    enroll(make_user("faster"), last_place)
    card.get_by_role("button", name="Join").click()

    expect(page.locator("#messages")).to_contain_text("“多模态融合目标检测” is full: all 1 places are taken.")
    expect(card).to_contain_text("No places left")
    expect(card.get_by_role("button", name="Join")).to_have_count(0)
    assert not Enrollment.objects.filter(user__username="chen").exists()
