"""The mentors' settings page: how students join the topic and claim its papers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from papers.models import EnrollmentMode, Topic
from students import claims, watching
from students.models import Watch
from tests.conftest import enroll, make_user

pytestmark = pytest.mark.django_db
VALID = {"enrollment_mode": "open", "student_capacity": "30", "claim_capacity": "1", "claim_deadline": "",
         "intro_papers_required": "2"}


def settings_url(topic):
    return reverse("mentor_settings", args=[topic.slug])


def test_a_mentor_opens_a_topic_and_sets_its_places_and_deadline(client, login, mentor, topic):
    login(mentor)
    html = client.get(settings_url(topic)).content.decode()
    assert 'name="enrollment_mode"' in html and topic.enrollment_code in html
    response = client.post(settings_url(topic), {**VALID, "claim_deadline": "2026-12-20T18:00"}, follow=True)
    assert "The topic&#x27;s settings are saved." in response.content.decode()
    topic.refresh_from_db()
    assert (topic.enrollment_mode, topic.student_capacity, topic.intro_papers_required) == (EnrollmentMode.OPEN, 30, 2)
    assert topic.claim_deadline == datetime(2026, 12, 20, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_change_refreshes_open_topic_pages(client, login, mentor, topic):
    before = topic.list_version
    login(mentor)
    client.post(settings_url(topic), VALID)
    topic.refresh_from_db()
    assert topic.list_version == before + 1


def test_more_students_per_paper_tells_the_papers_watchers(client, login, mentor, topic, student, other_student, advanced_entry):
    claims.claim(other_student, advanced_entry)
    watching.watch_paper(student, advanced_entry)
    login(mentor)
    client.post(settings_url(topic), {**VALID, "claim_capacity": "2"})
    assert Watch.objects.get().freed_at is not None


def test_more_places_tell_the_topics_watchers(client, login, mentor, topic, outsider):
    Topic.objects.filter(pk=topic.pk).update(student_capacity=1)
    enroll(make_user("first"), topic)
    topic.refresh_from_db()
    watch = watching.watch_topic(outsider, topic)
    login(mentor)
    client.post(settings_url(topic), {**VALID, "student_capacity": "2"})
    watch.refresh_from_db()
    assert watch.freed_at is not None


@pytest.mark.parametrize("field, value, message", [
    ("student_capacity", "0", "greater than or equal to 1"),
    ("student_capacity", "100000", "less than or equal to 999"),
    ("claim_capacity", "0", "greater than or equal to 1"),
    ("claim_capacity", "", "This field is required"),
    ("intro_papers_required", "-1", "greater than or equal to 0"),
    ("claim_deadline", "0001-01-01T00:00", "Choose a date between 2000 and 2100"),
    ("claim_deadline", "next week", "Enter a date and time such as"),
    ("enrollment_mode", "everyone", "Select a valid choice"),
])
def test_bad_settings_are_refused_with_a_message_and_change_nothing(client, login, mentor, topic, field, value, message):
    before = list(Topic.objects.values())
    login(mentor)
    response = client.post(settings_url(topic), {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Topic.objects.values()) == before
