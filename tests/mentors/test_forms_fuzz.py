"""Any input to the mentor pages' forms: never a 500, nothing stored on a refusal, all escaped."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from students.models import Claim, ClaimEvent, Feedback
from tests.mentors.conftest import HTMX
from tests.students.test_forms_fuzz import assert_answered_safely, field_value, form_data, fuzz

pytestmark = pytest.mark.django_db

headers = st.sampled_from([{}, HTMX])


def claim_state(claim: Claim) -> tuple:
    claim.refresh_from_db()
    return (claim.status, claim.presentation_at, claim.presentation_order, claim.presented, claim.score,
            claim.presentation_feedback, ClaimEvent.objects.count())


def assert_refusal_changed_nothing(response, before, after) -> None:
    assert_answered_safely(response)
    if response.status_code >= 400:
        assert after == before


@fuzz
@given(data=form_data("presentation_at", "presentation_order",
                      presentation_at=["2026-12-10T14:30", "2026-12-10 14:30", "2000-01-01T00:00", "2100-12-31T23:59",
                                       "0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T16:00"],
                      presentation_order=["1", "999", "1000"]),
       extra=headers)
def test_setting_a_slot_takes_any_input(client, login, mentor, claimed, data, extra):
    login(mentor)
    before = claim_state(claimed)
    response = client.post(reverse("mentor_set_slot", args=[claimed.topic.slug, claimed.pk]), data, headers=extra)
    assert_refusal_changed_nothing(response, before, claim_state(claimed))
    # Whatever was saved, every page that shows it still answers.
    for name in ("mentor_schedule", "mentor_dashboard", "mentor_claims_csv", "mentor_schedule_ics"):
        assert client.get(reverse(name, args=[claimed.topic.slug])).status_code == 200


@fuzz
@given(data=form_data("presented", "score", "presentation_feedback", presented=["on"], score=["0", "88.5", "100"]),
       extra=headers)
def test_recording_a_presentation_takes_any_input(client, login, mentor, claimed, data, extra):
    login(mentor)
    before = claim_state(claimed)
    response = client.post(
        reverse("mentor_record_presentation", args=[claimed.topic.slug, claimed.pk]), data, headers=extra
    )
    assert_refusal_changed_nothing(response, before, claim_state(claimed))


@fuzz
@given(data=form_data("body", body=["Clear **notes**."]), extra=headers)
def test_feedback_takes_any_input(client, login, mentor, student, topic, data, extra):
    login(mentor)
    before = Feedback.objects.count()
    response = client.post(reverse("mentor_add_feedback", args=[topic.slug, student.pk]), data, headers=extra)
    assert_refusal_changed_nothing(response, before, Feedback.objects.count())
    assert_answered_safely(client.get(reverse("student_page", args=[topic.slug])))


@fuzz
@given(data=form_data("reason", reason=["Not recent enough."]), extra=headers)
def test_rejecting_a_proposal_takes_any_input(client, login, mentor, proposal, data, extra):
    login(mentor)
    before = claim_state(proposal)
    response = client.post(
        reverse("mentor_reject_proposal", args=[proposal.topic.slug, proposal.pk]), data, headers=extra
    )
    assert_refusal_changed_nothing(response, before, claim_state(proposal))


@fuzz
@given(params=form_data("show", "behind", "days", "sort", show=["all", "behind", "inactive"], sort=["presentation"]),
       extra=st.sampled_from([{}, {**HTMX, "HX-Target": "students"}]))
def test_dashboard_filters_take_any_input(client, login, mentor, claimed, params, extra):
    login(mentor)
    response = client.get(reverse("mentor_dashboard", args=[claimed.topic.slug]), params, headers=extra)
    assert response.status_code == 200  # a bad filter is shown beside its field, with the default applied
    assert_answered_safely(response)


@fuzz
@given(params=form_data("minutes", minutes=["5", "45", "480"]), junk=field_value)
def test_calendar_length_takes_any_input(client, login, mentor, claimed, params, junk):
    login(mentor)
    response = client.get(reverse("mentor_schedule_ics", args=[claimed.topic.slug]), {**params, "other": junk})
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_answered_safely(response)
    else:
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
