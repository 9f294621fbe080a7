"""The mentor dashboard: each student's progress, paper, proposal and presentation; filters, sorting, coverage."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from papers.models import Level
from students import claims
from students.models import Enrollment, ReadingStatus
from tests.conftest import enroll, make_category, make_entry, make_user
from students.mentor_views import STUDENTS_PER_PAGE
from tests.mentors.conftest import HTMX, make_intro_entries, make_students, mark_read

pytestmark = pytest.mark.django_db


def dashboard_url(topic, **query):
    url = reverse("mentor_dashboard", args=[topic.slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def shown(client, topic, **query):
    return [row.student.username for row in client.get(dashboard_url(topic, **query)).context["rows"]]


def test_dashboard_shows_each_students_reading_claim_and_presentation(client, login, mentor, student, other_student, topic, advanced_entry):
    intros = make_intro_entries(topic, 12)
    mark_read(student, *intros[:7])
    mark_read(student, intros[7], status=ReadingStatus.READING)
    mark_read(student, advanced_entry)
    claim = claims.claim(student, advanced_entry)
    claim.presentation_at = timezone.make_aware(timezone.datetime(2026, 12, 10, 14, 30))
    claim.save()
    login(mentor)
    response = client.get(dashboard_url(topic))
    html = response.content.decode()
    row = html.split(f'id="student-{student.pk}"')[1].split("</tr>")[0]
    assert 'aria-valuenow="7"' in row and 'aria-valuemax="12"' in row and "7 / 12" in row
    assert ">1</td>" in row  # advanced papers read
    assert "DMM" in row and "辅助信息" in row and "辅助任务" in row and "Claimed" in row
    assert "2026-12-10 14:30" in row
    other_row = html.split(f'id="student-{other_student.pk}"')[1].split("</tr>")[0]
    assert "0 / 12" in other_row and "No paper yet" in other_row


def test_dashboard_shows_a_pending_proposal_linked_to_the_queue(client, login, mentor, topic, proposal):
    login(mentor)
    html = client.get(dashboard_url(topic)).content.decode()
    assert "Depth Anything" not in html.split("<tbody>")[0]  # not in the coverage card
    row = html.split(f'id="student-{proposal.student_id}"')[1].split("</tr>")[0]
    assert "Waiting for you" in row
    assert f'{reverse("mentor_proposals", args=[topic.slug])}#proposal-{proposal.pk}' in row


def test_dashboard_lists_only_students_not_mentors(client, login, mentor, student, topic):
    login(mentor)
    assert shown(client, topic) == ["student"]


def test_filter_no_claim_yet_keeps_students_without_a_paper_or_proposal(client, login, mentor, student, other_student, topic, advanced_entry):
    idle = make_user("idle")
    enroll(idle, topic)
    claims.claim(student, advanced_entry)
    claims.propose(other_student, topic, claims.PaperDetails(title="X", url="https://example.org/x"), justification="", categories=[make_category(topic, "辅助任务")])
    login(mentor)
    assert shown(client, topic, show="no_claim") == ["idle"]


def test_filter_proposal_waiting_keeps_students_with_a_pending_proposal(client, login, mentor, other_student, topic, proposal):
    login(mentor)
    assert shown(client, topic, show="proposal") == ["student"]


def test_filter_behind_uses_the_topics_requirement_by_default(client, login, mentor, student, other_student, topic):
    topic.intro_papers_required = 2
    topic.save()
    intros = make_intro_entries(topic, 3)
    mark_read(student, *intros[:2])
    mark_read(other_student, intros[0])
    login(mentor)
    assert shown(client, topic, show="behind") == ["other"]


def test_filter_behind_takes_the_number_the_mentor_types(client, login, mentor, student, other_student, topic):
    intros = make_intro_entries(topic, 3)
    mark_read(student, *intros[:2])
    mark_read(other_student, intros[0])
    login(mentor)
    assert shown(client, topic, show="behind", behind=3) == ["other", "student"]
    assert shown(client, topic, show="behind", behind=2) == ["other"]


def test_reading_in_another_topic_does_not_count(client, login, mentor, student, topic, other_topic):
    enroll(student, other_topic)
    mark_read(student, *make_intro_entries(other_topic, 2))
    make_intro_entries(topic, 2)
    login(mentor)
    (row,) = client.get(dashboard_url(topic)).context["rows"]
    assert row.intro_done == 0


def test_filter_inactive_keeps_students_idle_for_n_days(client, login, mentor, student, other_student, topic):
    now = timezone.now()
    Enrollment.objects.filter(user=student).update(last_activity_at=now - timedelta(days=20))
    Enrollment.objects.filter(user=other_student).update(last_activity_at=now - timedelta(days=2))
    login(mentor)
    assert shown(client, topic, show="inactive") == ["student"]  # 14 days by default
    assert shown(client, topic, show="inactive", days=1) == ["other", "student"]


def test_a_student_who_never_did_anything_is_inactive_from_the_day_they_joined(client, login, mentor, student, other_student, topic):
    Enrollment.objects.filter(user=student).update(joined_at=timezone.now() - timedelta(days=30))
    login(mentor)
    assert shown(client, topic, show="inactive") == ["student"]


def test_sorting_by_intro_progress_puts_the_furthest_behind_first(client, login, mentor, student, other_student, topic):
    intros = make_intro_entries(topic, 3)
    mark_read(student, intros[0])
    mark_read(other_student, *intros)
    login(mentor)
    assert shown(client, topic, sort="progress") == ["student", "other"]


def test_sorting_by_presentation_puts_unscheduled_students_last(client, login, mentor, student, other_student, topic, advanced_entry, second_entry):
    early, late = claims.claim(student, advanced_entry), claims.claim(other_student, second_entry)
    idle = make_user("idle", first_name="A")
    enroll(idle, topic)
    early.presentation_at = timezone.now() + timedelta(days=1)
    late.presentation_at = timezone.now() + timedelta(days=2)
    early.save()
    late.save()
    login(mentor)
    assert shown(client, topic, sort="presentation") == ["student", "other", "idle"]


def test_sorting_by_last_activity_puts_the_longest_idle_first(client, login, mentor, student, other_student, topic):
    Enrollment.objects.filter(user=student).update(last_activity_at=timezone.now())
    Enrollment.objects.filter(user=other_student).update(last_activity_at=timezone.now() - timedelta(days=3))
    login(mentor)
    assert shown(client, topic, sort="activity") == ["other", "student"]


def test_sort_links_keep_the_current_filter(client, login, mentor, student, topic):
    login(mentor)
    html = client.get(dashboard_url(topic, show="no_claim")).content.decode()
    assert 'href="?show=no_claim&amp;sort=progress"' in html


def test_bad_filter_values_are_explained_and_the_defaults_used(client, login, mentor, student, topic):
    login(mentor)
    response = client.get(dashboard_url(topic, show="everyone", behind="-3", days="soon", sort="height"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html and "Enter a whole number" in html
    assert response.context["chosen"] == {"show": "all", "behind": 0, "days": 14, "sort": "name"}
    assert [row.student for row in response.context["rows"]] == [student]


def test_htmx_filter_returns_only_the_students_partial(client, login, mentor, student, topic):
    login(mentor)
    response = client.get(dashboard_url(topic, show="no_claim"), headers={**HTMX, "HX-Target": "students"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="students"')
    assert "<html" not in html and "Coverage" not in html


def test_filter_form_and_sort_links_work_without_javascript(client, login, mentor, student, topic):
    login(mentor)
    html = client.get(dashboard_url(topic)).content.decode()
    assert f'<form method="get" action="{dashboard_url(topic)}"' in html
    assert 'href="?sort=activity"' in html and 'hx-get="?sort=activity"' in html


def test_coverage_lists_free_papers_by_category_and_students_without_a_paper(client, login, mentor, student, other_student, topic, advanced_entry, second_entry):
    info_only = make_entry(topic, "SAMLP", categories=("辅助信息",), position=3)
    make_entry(topic, "ConcatNet", level=Level.INTRO)
    claims.claim(student, advanced_entry)  # DMM, in both categories: no longer free
    topic.claim_deadline = timezone.now() + timedelta(days=3)
    topic.save()
    login(mentor)
    response = client.get(dashboard_url(topic))
    coverage = response.context["coverage"]
    assert dict(coverage.free_by_category) == {"辅助信息": [info_only], "辅助任务": [second_entry]}
    assert (coverage.students, coverage.students_without_paper) == (2, 1)
    html = response.content.decode()
    assert "1 of 2 students has no paper yet." in html
    assert f"Claim deadline: {timezone.localtime(topic.claim_deadline):%Y-%m-%d %H:%M}" in html


def test_coverage_counts_a_paper_as_free_while_places_are_left(client, login, mentor, student, topic, advanced_entry):
    topic.claim_capacity = 2
    topic.save()
    claims.claim(student, advanced_entry)
    login(mentor)
    free = dict(client.get(dashboard_url(topic)).context["coverage"].free_by_category)
    assert free["辅助信息"] == [advanced_entry]


def test_coverage_lists_advanced_papers_without_a_category_apart(client, login, mentor, topic, advanced_entry):
    loose = make_entry(topic, "Loose", categories=(), position=5)
    login(mentor)
    response = client.get(dashboard_url(topic))
    assert dict(response.context["coverage"].free_by_category)[""] == [loose]
    assert "No category" in response.content.decode()


def test_dashboard_is_translated_into_chinese(client, login, mentor, student, topic):
    login(mentor)
    response = client.get(dashboard_url(topic), headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 200
    assert 'lang="zh-Hans"' in response.content.decode()


@pytest.mark.parametrize("size", [5, 200])
def test_dashboard_query_count_does_not_grow_with_the_students(client, login, mentor, topic, size, django_assert_num_queries):
    intros = make_intro_entries(topic, 3)
    advanced = [make_entry(topic, f"A{index}", position=index) for index in range(size)]
    students = make_students(topic, size)
    for index, user in enumerate(students):
        mark_read(user, intros[index % 3])
        if index % 2:
            claims.claim(user, advanced[index])
    claims.propose(students[0], topic, claims.PaperDetails(title="Own", url="https://example.org/own"), justification="", categories=[make_category(topic, "辅助任务")])
    login(mentor)
    # session, user, the topic with the mentor's role; the page's students, the topic's categories
    # with their papers (read once for the rows and the coverage panel), the topic's counts (intro
    # papers, students with and without a slot, pending proposals), the shown students' reading
    # counts, their open slots with papers; coverage: the free advanced papers: nine queries for 5 or
    # 200 students.
    with django_assert_num_queries(9):
        response = client.get(dashboard_url(topic))
    assert len(response.context["rows"]) == min(size, STUDENTS_PER_PAGE)


@pytest.mark.parametrize("size", [5, 200])
def test_filtered_htmx_dashboard_query_count_does_not_grow_with_the_students(client, login, mentor, topic, size, django_assert_num_queries):
    make_intro_entries(topic, 3)
    make_students(topic, size)
    login(mentor)
    # session, user, the topic with the role; the filtered students, the topic's counts (its intro total), their reading counts,
    # their open slots (none: no category is asked).
    with django_assert_num_queries(7):
        response = client.get(dashboard_url(topic, show="behind", behind=1), headers={**HTMX, "HX-Target": "students"})
    assert len(response.context["rows"]) == min(size, STUDENTS_PER_PAGE)


def test_a_long_class_reads_fifty_students_at_a_time(client, login, mentor, topic):
    from students.mentor_views import STUDENTS_PER_PAGE

    students = make_students(topic, STUDENTS_PER_PAGE + 7)
    login(mentor)
    first = client.get(dashboard_url(topic, sort="name"))
    assert len(first.context["rows"]) == STUDENTS_PER_PAGE
    html = first.content.decode()
    assert 'id="more-students"' in html and "page=2" in html
    more = client.get(dashboard_url(topic, sort="name", page=2), headers={**HTMX, "HX-Target": "more-students"})
    chunk = more.content.decode()
    assert "<html" not in chunk and "<table" not in chunk and chunk.count('<tr id="student-') == 7
    assert 'id="more-students"' not in chunk
    shown = {row.student.pk for row in first.context["rows"]} | {int(part.split('"')[0]) for part in chunk.split('<tr id="student-')[1:]}
    assert shown == {user.pk for user in students}
    plain = client.get(dashboard_url(topic, sort="name", page=2)).content.decode()
    assert "Previous students" in plain
