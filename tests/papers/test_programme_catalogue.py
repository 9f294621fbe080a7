"""The programme's catalogue: every topic to choose from, searched and filtered, and the Join button of open topics."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from papers.models import EnrollmentMode, Level, Programme, Topic
from students.enrollment import create_student
from students.models import Enrollment, Role
from tests.conftest import enroll, make_category, make_entry, make_topic, make_user
from tests.races import at_once

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SEARCH = {**HTMX, "HX-Target": "programme-results"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def programme(db) -> dict[str, Topic]:
    """Four topics, one for each way in: closed (topic 2's real categories), open with places, open and full, by round."""
    Programme.current()
    closed = make_topic(
        "xinya-2", number=2, title="辅助信息/辅助任务驱动的视觉感知", student_capacity=12,
        introduction="视觉感知中引入**辅助信息**与辅助任务。",
    )
    make_entry(closed, "ConcatNet", level=Level.INTRO)
    make_entry(closed, "DMM", categories=("辅助信息", "辅助任务"), position=1)
    make_entry(closed, "SKF", categories=("辅助任务",), position=2)
    opened = make_topic("xinya-5", number=5, title="Depth estimation in the wild", enrollment_mode=EnrollmentMode.OPEN,
                        student_capacity=3)
    make_entry(opened, "MiDaS", level=Level.INTRO)
    make_category(opened, "单目深度")
    full = make_topic("xinya-6", number=6, title="多模态图像复原", enrollment_mode=EnrollmentMode.OPEN, student_capacity=1)
    make_entry(full, "Restormer")
    enroll(make_user("first-in"), full)
    ranked = make_topic("xinya-7", number=7, title="红外小目标检测", enrollment_mode=EnrollmentMode.PREFERENCE)
    make_entry(ranked, "DNANet", categories=("检测",))
    mentor = make_user("wang", first_name="老师", last_name="王")
    enroll(mentor, closed, Role.MENTOR)
    enroll(make_user("zhao", first_name="敏", last_name="赵"), closed, Role.MENTOR)
    return {"closed": closed, "open": opened, "full": full, "preference": ranked, "mentor": mentor}


@pytest.fixture
def newcomer(db):
    return create_student(name="陈晨", student_number="2024009", email="chen@example.edu", password="a long passphrase")


def card(html: str, topic: Topic) -> str:
    start = html.index(f'id="topic-{topic.pk}"')
    return html[start:html.index("</li>", start)]


def catalogue(client, url: str = "/programme/", **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# Who sees what


@pytest.mark.parametrize("url", ["/", "/programme/"])
def test_a_visitor_who_is_not_signed_in_is_sent_to_log_in(client, programme, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_newcomer_sees_every_topic_with_its_mentors_introduction_papers_and_places(client, programme, newcomer):
    client.force_login(newcomer)
    html = catalogue(client, "/")
    assert "Choose a topic" in html and "You are not in any topic yet" in html
    closed = card(html, programme["closed"])
    assert "Topic 2" in closed and "辅助信息/辅助任务驱动的视觉感知" in closed
    assert "Mentors: 老师 王, 敏 赵" in closed  # person_name, as the mentor pages write names
    assert "视觉感知中引入 辅助信息 与辅助任务。" in closed and "**" not in closed  # the summary, not the Markdown
    assert "<dt>Intro papers</dt><dd>1</dd>" in closed and "<dt>Advanced papers</dt><dd>2</dd>" in closed
    assert "0 of 12 places" in closed and "Code or roster only" in closed
    assert "辅助信息" in closed and "辅助任务" in closed
    assert "3 places left" in card(html, programme["open"]) and "Open to join" in card(html, programme["open"])
    assert "(no limit)" in card(html, programme["preference"])
    # Nobody reads the mentors' code off the catalogue.
    for topic in Topic.objects.all():
        assert topic.enrollment_code not in html


def test_each_way_in_says_how_to_join(client, programme, newcomer):
    client.force_login(newcomer)
    html = catalogue(client)
    assert 'action="/programme/topics/xinya-5/join/"' in card(html, programme["open"])
    full = card(html, programme["full"])
    assert "No places left" in full and "/join/" not in full and 'action="/programme/topics/xinya-6/watch/"' in full
    ranked = card(html, programme["preference"])
    assert "rank this topic there" in ranked and "<form" not in ranked
    closed = card(html, programme["closed"])
    assert 'href="/join/"' in closed and "with your mentors' code" in closed and "<form" not in closed


def test_a_topic_page_is_linked_only_for_its_members(client, programme, newcomer):
    # A topic's page answers 404 to others: the catalogue does not send them there.
    client.force_login(newcomer)
    html = catalogue(client)
    for topic in Topic.objects.all():
        assert f'href="{topic.get_absolute_url()}"' not in html


def test_a_student_in_a_topic_sees_theirs_first_then_the_catalogue(client, programme, student, topic):
    client.force_login(student)
    html = catalogue(client, "/")
    assert "<h1>Your topics</h1>" in html
    mine = html.index(f'href="{topic.get_absolute_url()}"')
    assert mine < html.index("All topics</h2>")
    assert "You are in this topic" in card(html, topic)
    # Topics of their own are linked; the others are not.
    assert f'href="{programme["open"].get_absolute_url()}"' not in html


def test_a_student_may_join_an_open_topic_from_the_catalogue_however_many_topics_they_are_in(client, programme, student):
    # The programme's limit is join_topic's to enforce; the button is there, and the refusal says why.
    client.force_login(student)
    assert "<form" in card(catalogue(client), programme["open"])


def test_a_mentor_sees_the_catalogue_with_their_topic_and_no_join_button(client, programme):
    client.force_login(programme["mentor"])
    html = catalogue(client, "/")
    assert "<h1>Your topics</h1>" in html and "You mentor this topic" in card(html, programme["closed"])
    assert "/join/" not in html.split('id="programme-results"')[1]


def test_staff_see_every_topic_linked_and_no_join_button(client, programme, admin_user):
    client.force_login(admin_user)
    html = catalogue(client, "/")
    assert "<h1>The programme's topics</h1>" in html
    for topic in Topic.objects.all():
        assert f'href="{topic.get_absolute_url()}"' in html
    assert "/join/" not in html.split('id="programme-results"')[1]
    assert reverse("programme_overview") in html


def test_a_signed_in_outsider_sees_the_catalogue_and_the_overview_link_is_for_staff_only(client, programme, outsider):
    client.force_login(outsider)
    html = catalogue(client)
    assert "红外小目标检测" in html
    assert reverse("programme_overview") not in html


# Search and filters


@pytest.mark.parametrize(("words", "found"), [
    ("depth", {"open"}),  # a topic's title, in any case
    ("DEPTH wild", {"open"}),  # every word must be found
    ("depth 复原", set()),
    ("单目深度", {"open"}),  # a category's name
    ("辅助任务", {"closed"}),  # a category, and the title
    ("restormer", {"full"}),  # a paper's short name
    ("a paper", {"closed", "open", "full", "preference"}),  # a paper's title
    ("红外", {"preference"}),
    ("7", {"preference"}),  # the topic's number
    ("nothing-like-this", set()),
])
def test_search_finds_words_in_titles_categories_and_papers_in_chinese_and_english(client, programme, newcomer, words, found):
    client.force_login(newcomer)
    response = client.get("/programme/", {"q": words})
    shown = {row.topic.slug for row in response.context["rows"]}
    assert shown == {programme[name].slug for name in found}


def test_filters_by_way_in_and_places_left(client, programme, newcomer):
    client.force_login(newcomer)

    def shown(**params):
        return {row.topic.slug for row in client.get("/programme/", params).context["rows"]}

    assert shown(mode="open") == {"xinya-5", "xinya-6"}
    assert shown(mode="preference") == {"xinya-7"}
    assert shown(places="on") == {"xinya-2", "xinya-5", "xinya-7"}  # no limit counts as places left
    assert shown(mode="open", places="on") == {"xinya-5"}


def test_an_empty_search_says_so_and_offers_every_topic(client, programme, newcomer):
    client.force_login(newcomer)
    html = catalogue(client, q="nothing-like-this")
    assert "No topic matches this search." in html and "0 topics" in html


@pytest.mark.parametrize("params", [{"mode": "everything"}, {"q": "深" * 101}, {"q": "李\x00明"}, {"places": "maybe"}])
def test_bad_filters_are_ignored_with_their_error_shown_and_nothing_breaks(client, programme, newcomer, params):
    client.force_login(newcomer)
    response = client.get("/programme/", params)
    assert response.status_code == 200
    assert len(response.context["rows"]) >= 3


def test_htmx_search_answers_with_the_results_and_their_count_only(client, programme, newcomer):
    client.force_login(newcomer)
    response = client.get("/", {"q": "深度"}, headers=SEARCH)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form method=\"get\"" not in html and "site-header" not in html
    assert html.lstrip().startswith('<div id="programme-results">')
    assert '<p id="programme-count" hx-swap-oob="innerHTML">1 topic</p>' in html
    assert "Depth estimation in the wild" in html and "辅助信息/辅助任务驱动的视觉感知" not in html
    # The page and the fragment share a URL: caches, and the back button, must keep them apart.
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in client.get("/", {"q": "深度"})["Vary"]


def test_the_search_form_works_without_javascript(client, programme, newcomer):
    client.force_login(newcomer)
    html = catalogue(client, "/", q="红外", mode="preference")
    assert '<form method="get" action="/"' in html and 'hx-get="/"' in html and 'hx-push-url="true"' in html
    assert 'value="红外"' in html and '<option value="preference" selected>' in html
    assert "1 topic" in html and "红外小目标检测" in html and "多模态图像复原" not in html


def make_programme(size: int) -> None:
    """`size` topics, each with two mentors, categories, intro and advanced papers, and two students."""
    Programme.current()
    modes = [EnrollmentMode.OPEN, EnrollmentMode.CLOSED, EnrollmentMode.PREFERENCE]
    for index in range(size):
        topic = make_topic(f"t{index}", number=index, enrollment_mode=modes[index % 3],
                           student_capacity=None if index % 2 else 4, introduction=f"About topic {index}.")
        make_entry(topic, f"I{index}", level=Level.INTRO)
        make_entry(topic, f"A{index}", categories=("辅助信息", "辅助任务"), position=1)
        make_entry(topic, f"B{index}", categories=("辅助任务",), position=2)
        for role, name in [(Role.MENTOR, "m1"), (Role.MENTOR, "m2"), (Role.STUDENT, "s1"), (Role.STUDENT, "s2")]:
            enroll(make_user(f"{name}-{index}"), topic, role)


@pytest.mark.parametrize("size", [5, 70])
def test_the_catalogue_costs_the_same_queries_for_5_or_70_topics(client, newcomer, size, django_assert_num_queries):
    make_programme(size)
    client.force_login(newcomer)
    # session, user; the newcomer's own topics; the programme's settings; the topics with their counts and the
    # viewer's role; their mentors with their accounts; their categories: seven queries for 5 or 70 topics.
    with django_assert_num_queries(7):
        response = client.get("/")
    assert len(response.context["rows"]) == size
    with django_assert_num_queries(7):
        response = client.get("/programme/", {"q": "辅助", "mode": "open", "places": "on"}, headers=SEARCH)
    assert response.content.decode().count('class="card topic-card"') == (size + 2) // 3


# Joining an open topic


def test_joining_an_open_topic_without_javascript_takes_the_student_to_it(client, programme, newcomer):
    client.force_login(newcomer)
    response = client.post(reverse("programme_join", args=["xinya-5"]))
    assert response.status_code == 302 and response.url == programme["open"].get_absolute_url()
    assert Enrollment.objects.get(user=newcomer).topic == programme["open"]
    page = client.get(response.url).content.decode()
    assert "Welcome to “Depth estimation in the wild”." in page


def test_joining_with_htmx_swaps_only_the_topic_card_and_the_messages(client, programme, newcomer):
    client.force_login(newcomer)
    topic = programme["open"]
    response = client.post(reverse("programme_join", args=[topic.slug]), headers={**HTMX, "HX-Target": f"topic-{topic.pk}"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith(f'<li class="card topic-card" id="topic-{topic.pk}">')
    assert "You are in this topic" in html and f'id="join-{topic.pk}" href="{topic.get_absolute_url()}"' in html
    assert "1 of 3 places" in html
    assert '<div id="messages" hx-swap-oob="innerHTML">' in html and "Welcome to “Depth estimation in the wild”." in html


def test_joining_twice_keeps_one_enrollment(client, programme, newcomer):
    client.force_login(newcomer)
    url = reverse("programme_join", args=["xinya-5"])
    client.post(url)
    response = client.post(url, headers=HTMX)
    assert "You are already in “Depth estimation in the wild”." in response.content.decode()
    assert Enrollment.objects.filter(user=newcomer).count() == 1


@pytest.mark.parametrize(("name", "status", "says"), [
    ("full", 409, "“多模态图像复原” is full: all 1 places are taken."),
    ("closed", 403, "“辅助信息/辅助任务驱动的视觉感知” is not open for joining."),
    ("preference", 403, "“红外小目标检测” is not open for joining."),
])
@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_join_says_why_with_its_status_and_changes_nothing(client, programme, newcomer, name, status, says, htmx):
    client.force_login(newcomer)
    topic = programme[name]
    response = client.post(reverse("programme_join", args=[topic.slug]), headers=HTMX if htmx else {})
    html = response.content.decode()
    assert response.status_code == status
    assert says in html and 'class="message message-error" role="alert"' in html
    assert ("<html" in html) is not htmx
    if not htmx:  # the whole catalogue again, whose search still goes to the catalogue
        assert '<form method="get" action="/programme/"' in html
    assert not Enrollment.objects.filter(user=newcomer).exists()


def test_a_student_already_in_as_many_topics_as_allowed_is_refused_in_chinese(client, programme, student, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(student)
    response = client.post(reverse("programme_join", args=["xinya-5"]), headers={**HTMX, "Accept-Language": "zh-hans"})
    assert response.status_code == 409
    assert "你已在 1 个专题中，已达到本项目允许的上限。" in response.content.decode()
    assert not programme["open"].enrollments.filter(user=student).exists()


def test_a_raised_limit_lets_a_student_join_a_second_topic(client, programme, student):
    Programme.objects.filter(pk=1).update(topics_per_student=2)
    client.force_login(student)
    assert client.post(reverse("programme_join", args=["xinya-5"])).status_code == 302
    assert Enrollment.objects.students().filter(user=student).count() == 2


def test_joining_a_topic_that_does_not_exist_is_404_and_only_post_is_allowed(client, programme, newcomer):
    client.force_login(newcomer)
    assert client.post(reverse("programme_join", args=["no-such-topic"])).status_code == 404
    assert client.get(reverse("programme_join", args=["xinya-5"])).status_code == 405


def test_a_visitor_who_is_not_signed_in_cannot_join(client, programme):
    response = client.post(reverse("programme_join", args=["xinya-5"]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not programme["open"].enrollments.exists()


# Races: real threads, real connections, the topic's row lock (PostgreSQL) or SQLite's write lock.


def race(posts) -> list[int]:
    """Every POST at the same instant, each on its own connection; their status codes."""
    return [getattr(outcome, "status_code", outcome) for outcome in at_once(posts)]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_twenty_students_joining_an_open_topic_with_three_places_at_once_give_three_enrollments():
    topic = make_topic("race", title="Race", enrollment_mode=EnrollmentMode.OPEN, student_capacity=3)
    url = reverse("programme_join", args=[topic.slug])
    clients = [signed_in(make_user(f"s{index}")) for index in range(20)]

    outcomes = race([lambda client=client: client.post(url, headers=HTMX) for client in clients])

    assert Counter(outcomes) == {200: 3, 409: 17}
    assert topic.enrollments.students().count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_student_joining_two_open_topics_at_once_ends_in_one():
    first = make_topic("first", enrollment_mode=EnrollmentMode.OPEN)
    second = make_topic("second", enrollment_mode=EnrollmentMode.OPEN)
    student = make_user("s")
    clients = [signed_in(student), signed_in(student)]

    outcomes = race([
        lambda: clients[0].post(reverse("programme_join", args=[first.slug]), headers=HTMX),
        lambda: clients[1].post(reverse("programme_join", args=[second.slug]), headers=HTMX),
    ])

    assert sorted(outcomes) == [200, 409]
    assert Enrollment.objects.filter(user=student).count() == 1
