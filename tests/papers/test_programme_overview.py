"""The staff's view of the whole programme: each topic's students, places, papers and proposals, as a page and a CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from papers.models import EnrollmentMode, Level, Programme, Topic
from students import claims
from students.enrollment import create_student
from students.models import Role
from tests.conftest import enroll, make_category, make_entry, make_topic, make_user

pytestmark = pytest.mark.django_db

PAGE = "/programme/overview/"
CSV = "/programme/overview.csv"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def new_student(number: str):
    return create_student(name=f"学生{number}", student_number=number, email=f"{number}@example.edu", password=None)


@pytest.fixture
def programme(db) -> dict:
    """Topic 2: four students (two on one paper, one with a proposal, one with nothing), 5 places, 3 advanced papers.
    Topic 5: open, no limit, one student with nothing. And a signed-up student in no topic."""
    two = make_topic("xinya-2", number=2, title="辅助信息/辅助任务驱动的视觉感知", student_capacity=5, claim_capacity=2)
    make_entry(two, "ConcatNet", level=Level.INTRO)
    shared = make_entry(two, "DMM", position=1)
    make_entry(two, "SKF", categories=("辅助任务",), position=2)
    make_entry(two, "MSALNet", position=3)
    mentor = make_user("wang", first_name="老师", last_name="王")
    enroll(mentor, two, Role.MENTOR)
    students = [new_student(f"202400{index}") for index in range(1, 5)]
    for student in students:
        enroll(student, two)
    claims.claim(students[0], shared)
    claims.claim(students[1], shared)
    claims.propose(
        students[2], two, claims.PaperDetails(title="Depth Anything", url="https://example.org/depth-anything"),
        justification="", categories=[make_category(two, "辅助任务")],
    )
    five = make_topic("xinya-5", number=5, title="Depth estimation", enrollment_mode=EnrollmentMode.OPEN)
    enroll(new_student("2024005"), five)
    new_student("2024009")  # signed up, in no topic
    return {"two": two, "five": five, "mentor": mentor, "student": students[0]}


def row_of(html: str, topic: Topic) -> str:
    start = html.index(f'id="overview-{topic.pk}"')
    return html[start:html.index("</tr>", start)]


# Staff only


@pytest.mark.parametrize("persona", ["anonymous", "student", "mentor", "outsider"])
@pytest.mark.parametrize("url", [PAGE, CSV])
def test_only_staff_reach_the_overview_and_its_csv(client, programme, persona, url):
    if persona == "student":
        client.force_login(programme["student"])
    elif persona == "mentor":
        client.force_login(programme["mentor"])
    elif persona == "outsider":
        client.force_login(make_user("outsider"))
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response.url
    assert "辅助信息".encode() not in response.content and b"xinya-2" not in response.content


def test_the_overview_answers_get_only(client, programme, admin_user):
    client.force_login(admin_user)
    assert client.post(PAGE).status_code == 405
    assert client.post(CSV).status_code == 405


# What it shows


def test_each_topic_shows_students_places_claimed_papers_students_without_a_paper_and_waiting_proposals(client, programme, admin_user):
    client.force_login(admin_user)
    html = client.get(PAGE).content.decode()
    two = row_of(html, programme["two"])
    assert "2 · 辅助信息/辅助任务驱动的视觉感知" in two and "Code or roster only" in two
    assert "4 / 5" in two
    assert "1 / 3" in two  # two students on one paper: one paper claimed, of three advanced papers
    # One student has no paper (the proposal holds the slot of another), and links to the dashboard's filter.
    assert f'href="{reverse("mentor_dashboard", args=["xinya-2"])}?show=no_claim">1<' in two
    assert f'href="{reverse("mentor_proposals", args=["xinya-2"])}">1<' in two
    five = row_of(html, programme["five"])
    assert "1 / no limit" in five and "0 / 0" in five and "Open to join" in five


def test_the_totals_count_the_programme_and_its_students_without_a_topic_or_paper(client, programme, admin_user):
    client.force_login(admin_user)
    response = client.get(PAGE)
    totals = response.context["totals"]
    assert (totals.topics, totals.students, totals.places, totals.claimed, totals.advanced) == (2, 5, None, 1, 3)
    assert (totals.without_paper, totals.waiting) == (2, 1)
    assert totals.students_in_a_topic == 5
    assert totals.students_without_topic == 1  # 2024009; the mentor and the admin have no student profile
    assert totals.students_without_paper == 2
    html = response.content.decode()
    assert "<dt>Signed-up students without a topic</dt><dd>1</dd>" in html
    assert "5 / no limit" in html.split("<tfoot>")[1]


def test_the_places_add_up_when_every_topic_has_a_limit(client, programme, admin_user):
    Topic.objects.filter(pk=programme["five"].pk).update(student_capacity=3)
    client.force_login(admin_user)
    assert client.get(PAGE).context["totals"].places == 8


def test_a_student_in_two_topics_counts_once_as_a_person_and_once_per_topic(client, programme, admin_user):
    enroll(programme["student"], programme["five"])  # staff may go beyond the limit
    client.force_login(admin_user)
    totals = client.get(PAGE).context["totals"]
    assert totals.students == 6 and totals.students_in_a_topic == 5
    # They have a paper in topic 2 but none in topic 5: they are still missing one.
    assert totals.without_paper == 3 and totals.students_without_paper == 3


def test_an_empty_programme_says_so(client, admin_user):
    client.force_login(admin_user)
    html = client.get(PAGE).content.decode()
    assert "No topics yet" in html and "<tfoot>" not in html


def test_staff_find_the_overview_in_the_menu_and_students_do_not(client, programme, admin_user):
    client.force_login(admin_user)
    assert f'href="{PAGE}"' in client.get("/").content.decode()
    client.force_login(programme["student"])
    assert f'href="{PAGE}"' not in client.get("/").content.decode()


# The CSV


def read_csv(response) -> list[list[str]]:
    raw = response.content
    assert raw.startswith("\ufeff".encode())  # Excel reads UTF-8 only after a byte-order mark
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_csv_has_the_same_table_in_excel_friendly_utf8(client, programme, admin_user):
    client.force_login(admin_user)
    response = client.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="programme-overview.csv"'
    rows = read_csv(response)
    assert rows[0] == [
        "Number", "Slug", "Topic", "Joining", "Students", "Places", "Papers claimed", "Advanced papers",
        "Students without a paper", "Proposals waiting",
    ]
    assert rows[1:] == [
        ["2", "xinya-2", "辅助信息/辅助任务驱动的视觉感知", "Code or roster only", "4", "5", "1", "3", "1", "1"],
        ["5", "xinya-5", "Depth estimation", "Open to join", "1", "", "0", "0", "1", "0"],
    ]


@pytest.mark.parametrize("title", ["=HYPERLINK(\"https://evil.example\")", "+1", "-2", "@SUM(A1)", "\tTab"])
def test_a_title_a_spreadsheet_would_run_as_a_formula_is_made_inert(client, admin_user, title):
    make_topic("danger", title=title)
    make_topic("-slug", title="Slug starting with a dash")
    client.force_login(admin_user)
    rows = read_csv(client.get(CSV))
    titles = {row[2] for row in rows[1:]}
    assert "'" + title in titles
    assert "'-slug" in {row[1] for row in rows[1:]}


def test_the_csv_headers_are_in_the_reader_s_language(client, programme, admin_user):
    client.force_login(admin_user)
    rows = read_csv(client.get(CSV, headers={"Accept-Language": "zh-hans"}))
    assert rows[0][:4] == ["编号", "URL 标识", "专题", "加入方式"]
    assert rows[1][3] == "仅凭加入码或名单"


# Constant queries


def make_programme(size: int) -> None:
    """`size` topics with a mentor, advanced papers, three students (one claim, one proposal) each, and unplaced students."""
    for index in range(size):
        topic = make_topic(f"t{index}", number=index, student_capacity=None if index % 2 else 6)
        first = make_entry(topic, f"A{index}")
        make_entry(topic, f"B{index}", position=1)
        enroll(make_user(f"m{index}"), topic, Role.MENTOR)
        students = [new_student(f"{index:04d}{seat}") for seat in range(3)]
        for student in students:
            enroll(student, topic)
        claims.claim(students[0], first)
        claims.propose(
            students[1], topic, claims.PaperDetails(title=f"Own {index}", url=f"https://example.org/own/{index}"),
            justification="", categories=[make_category(topic, "辅助信息")],
        )
        new_student(f"{index:04d}9")


@pytest.mark.parametrize("size", [5, 70])
def test_the_overview_costs_the_same_queries_for_5_or_70_topics(client, admin_user, size, django_assert_num_queries):
    make_programme(size)
    client.force_login(admin_user)
    # session, user; the topics with their five counts; the people without a topic or a paper: four queries.
    with django_assert_num_queries(4):
        response = client.get(PAGE)
    totals = response.context["totals"]
    assert (totals.topics, totals.students, totals.waiting, totals.without_paper) == (size, 3 * size, size, size)
    assert totals.students_without_topic == size
    # session, user; the topics with their counts: three queries.
    with django_assert_num_queries(3):
        response = client.get(CSV)
    assert len(read_csv(response)) == size + 1


# The programme's settings and the topics' ways in, in the Django admin


def test_the_programme_settings_are_one_row_to_change_in_the_admin_never_to_add_or_delete(client, admin_user):
    client.force_login(admin_user)
    listing = client.get(reverse("admin:papers_programme_changelist"))
    assert listing.status_code == 200 and Programme.objects.count() == 1
    assert reverse("admin:papers_programme_add") not in listing.content.decode()
    assert client.get(reverse("admin:papers_programme_add")).status_code == 403
    assert client.post(reverse("admin:papers_programme_delete", args=[1]), {"post": "yes"}).status_code == 403
    response = client.post(reverse("admin:papers_programme_change", args=[1]), {"topics_per_student": "2"})
    assert response.status_code == 302
    assert Programme.current().topics_per_student == 2 and Programme.objects.count() == 1


def test_the_topic_list_in_the_admin_shows_and_filters_each_topic_s_way_in(client, admin_user):
    make_topic("xinya-5", title="Depth estimation", enrollment_mode=EnrollmentMode.OPEN, student_capacity=3)
    make_topic("xinya-7", title="红外小目标检测", enrollment_mode=EnrollmentMode.PREFERENCE)
    client.force_login(admin_user)
    html = client.get(reverse("admin:papers_topic_changelist"), {"enrollment_mode__exact": "open"}).content.decode()
    assert "Depth estimation" in html and "红外小目标检测" not in html
    assert "Open: students join while places last" in html and "places for students" in html.lower()


def test_students_without_a_profile_are_not_counted_as_signed_up(client, admin_user):
    get_user_model().objects.create_user("no-profile")
    client.force_login(admin_user)
    assert client.get(PAGE).context["totals"].students_without_topic == 0
