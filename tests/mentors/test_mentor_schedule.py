"""The presentation schedule: a time and an order for each claim, marking talks given, feedback and a score."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from students import claims, schedule
from students.claims import ClaimRefused
from students.models import Claim, ClaimAction, ClaimEvent, ClaimStatus
from tests.conftest import make_entry
from tests.mentors.conftest import HTMX, make_students

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def schedule_url(topic):
    return reverse("mentor_schedule", args=[topic.slug])


def slot_url(claim):
    return reverse("mentor_set_slot", args=[claim.topic.slug, claim.pk])


def presentation_url(claim):
    return reverse("mentor_record_presentation", args=[claim.topic.slug, claim.pk])


# The domain layer


def test_setting_a_slot_is_recorded_with_who_did_it(mentor, claimed):
    at = datetime(2026, 12, 10, 14, 30, tzinfo=SHANGHAI)
    schedule.set_slot(claimed, actor=mentor, at=at, order=2)
    claimed.refresh_from_db()
    assert (claimed.presentation_at, claimed.presentation_order) == (at, 2)
    event = ClaimEvent.objects.get(action=ClaimAction.SCHEDULED)
    assert (event.actor, event.from_status, event.to_status, event.entry, event.note) == (
        mentor, ClaimStatus.ACTIVE, ClaimStatus.ACTIVE, claimed.entry, "2026-12-10 14:30 · #2"
    )


def test_saving_an_unchanged_slot_records_nothing(mentor, claimed):
    schedule.set_slot(claimed, actor=mentor, at=None, order=None)
    assert not ClaimEvent.objects.filter(action=ClaimAction.SCHEDULED).exists()


def test_a_student_cannot_schedule_even_through_the_domain_layer(student, claimed):
    with pytest.raises(ClaimRefused) as refusal:
        schedule.set_slot(claimed, actor=student, at=None, order=1)
    assert refusal.value.code == "not_mentor"
    assert Claim.objects.get().presentation_order is None


def test_a_released_claim_cannot_be_scheduled(mentor, student, topic, claimed):
    claims.release(student, topic)
    with pytest.raises(ClaimRefused) as refusal:
        schedule.set_slot(claimed, actor=mentor, at=None, order=1)
    assert (refusal.value.code, refusal.value.http_status) == ("no_claim", 409)


def test_marking_presented_keeps_feedback_and_score_and_records_it(mentor, claimed):
    schedule.record_presentation(claimed, actor=mentor, presented=True, feedback=" Clear slides. ", score=Decimal("88.5"))
    claimed.refresh_from_db()
    assert (claimed.presented, claimed.presentation_feedback, claimed.score) == (True, "Clear slides.", Decimal("88.5"))
    event = ClaimEvent.objects.get(action=ClaimAction.PRESENTED)
    assert (event.actor, event.note) == (mentor, "presented · 88.5")


@pytest.mark.parametrize("score", [Decimal("-0.5"), Decimal("100.1")])
def test_a_score_outside_0_to_100_is_refused(mentor, claimed, score):
    with pytest.raises(ClaimRefused) as refusal:
        schedule.record_presentation(claimed, actor=mentor, presented=True, feedback="", score=score)
    assert refusal.value.code == "score_range"
    assert Claim.objects.get().score is None


# The page


def test_schedule_lists_claimed_papers_timed_ones_first(client, login, mentor, student, other_student, topic, advanced_entry, second_entry):
    first, second = claims.claim(student, advanced_entry), claims.claim(other_student, second_entry)
    schedule.set_slot(second, actor=mentor, at=datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI), order=1)
    login(mentor)
    response = client.get(schedule_url(topic))
    assert [talk.claim for talk in response.context["talks"]] == [second, first]
    html = response.content.decode()
    assert 'value="2026-12-10T09:00"' in html  # shown in the programme's time zone
    assert "Times are in Asia/Shanghai." in html


def test_datetime_local_input_is_read_in_the_programme_time_zone(client, login, mentor, claimed):
    login(mentor)
    response = client.post(slot_url(claimed), {"presentation_at": "2026-12-10T14:30", "presentation_order": "3"})
    assert response.status_code == 302 and response.url == schedule_url(claimed.topic)
    claimed.refresh_from_db()
    assert claimed.presentation_at == datetime(2026, 12, 10, 6, 30, tzinfo=ZoneInfo("UTC"))
    assert claimed.presentation_order == 3


def test_the_student_sees_their_slot_on_their_page(client, login, mentor, student, claimed):
    login(mentor)
    client.post(slot_url(claimed), {"presentation_at": "2026-12-10T14:30", "presentation_order": "3"})
    login(student)
    html = client.get(reverse("student_page", args=[claimed.topic.slug])).content.decode()
    assert "2026-12-10 14:30" in html and "#3" in html


def test_setting_a_slot_with_htmx_swaps_the_row_and_says_so(client, login, mentor, claimed):
    login(mentor)
    response = client.post(slot_url(claimed), {"presentation_at": "2026-12-10T14:30"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="talk-{claimed.pk}">')
    assert 'value="2026-12-10T14:30"' in html
    assert 'hx-swap-oob="true"' in html and "Saved the slot of 明 李." in html


def test_clearing_the_time_unschedules_the_talk(client, login, mentor, claimed):
    schedule.set_slot(claimed, actor=mentor, at=datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI), order=1)
    login(mentor)
    client.post(slot_url(claimed), {"presentation_at": "", "presentation_order": ""})
    claimed.refresh_from_db()
    assert (claimed.presentation_at, claimed.presentation_order) == (None, None)


@pytest.mark.parametrize("data, error", [
    ({"presentation_at": "next tuesday"}, "Enter a date and time such as 2025-06-18 14:30."),
    ({"presentation_at": "2026-02-30T10:00"}, "Enter a date and time such as 2025-06-18 14:30."),
    ({"presentation_order": "0"}, "Ensure this value is greater than or equal to 1."),
    ({"presentation_order": "first"}, "Enter a whole number."),
])
def test_bad_slot_input_is_explained_beside_the_field_and_changes_nothing(client, login, mentor, claimed, data, error):
    login(mentor)
    response = client.post(slot_url(claimed), data, headers=HTMX)
    assert response.status_code == 400
    assert error in response.content.decode()
    claimed.refresh_from_db()
    assert (claimed.presentation_at, claimed.presentation_order) == (None, None)
    assert not ClaimEvent.objects.filter(action=ClaimAction.SCHEDULED).exists()


def test_recording_the_presentation_through_the_page(client, login, mentor, student, claimed):
    login(mentor)
    response = client.post(presentation_url(claimed), {"presented": "on", "score": "92.5", "presentation_feedback": "Great **demo**."})
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert (claimed.presented, claimed.score, claimed.presentation_feedback) == (True, Decimal("92.5"), "Great **demo**.")
    login(student)
    html = client.get(reverse("student_page", args=[claimed.topic.slug])).content.decode()
    assert "Presented" in html and "<strong>demo</strong>" in html


@pytest.mark.parametrize("score, error", [
    ("101", "A score is between 0 and 100."),
    ("-1", "A score is between 0 and 100."),
    ("88.25", "Ensure that there are no more than 1 decimal place."),
    ("NaN", "Enter a number."),
    ("ninety", "Enter a number."),
])
def test_a_bad_score_is_explained_beside_the_field_and_changes_nothing(client, login, mentor, claimed, score, error):
    login(mentor)
    response = client.post(presentation_url(claimed), {"presented": "on", "score": score}, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="talk{claimed.pk}_score_error"><li>{error}</li>' in html
    claimed.refresh_from_db()
    assert (claimed.presented, claimed.score) == (False, None)


def test_scheduling_a_released_claim_through_the_page_is_refused(client, login, mentor, student, topic, claimed):
    claims.release(student, topic)
    login(mentor)
    response = client.post(slot_url(claimed), {"presentation_at": "2026-12-10T14:30"})
    assert response.status_code == 409
    assert "there is no talk to schedule" in response.content.decode()
    assert Claim.objects.get().presentation_at is None


def test_schedule_forms_work_without_javascript_and_are_labelled(client, login, mentor, claimed):
    login(mentor)
    html = client.get(schedule_url(claimed.topic)).content.decode()
    assert f'<form method="post" action="{slot_url(claimed)}" hx-post="{slot_url(claimed)}"' in html
    assert f'<label for="talk{claimed.pk}_presentation_at">Date and time</label>' in html
    assert 'type="datetime-local" name="presentation_at"' in html
    assert f'<label for="talk{claimed.pk}_score">Score (0–100, optional)</label>' in html


@pytest.mark.parametrize("size", [5, 60])
def test_schedule_query_count_does_not_grow_with_the_talks(client, login, mentor, topic, size, django_assert_num_queries):
    for index, user in enumerate(make_students(topic, size)):
        claims.claim(user, make_entry(topic, f"A{index}", position=index))
    login(mentor)
    # session, user, the topic with the mentor's role, the claimed papers with students and papers, their categories.
    with django_assert_num_queries(5):
        response = client.get(schedule_url(topic))
    assert len(response.context["talks"]) == size
