"""A presentation time the schedule would never accept, yet stored: every page still answers and shows it."""

from datetime import UTC, datetime

import icalendar
import pytest
from django.urls import reverse

from students.models import Claim, ClaimAction, ClaimEvent
from tests.mentors.conftest import HTMX

pytestmark = pytest.mark.django_db

# The two ends of what a database column can hold: both overflow once moved to a time zone.
EXTREMES = {
    "year 1": (datetime(1, 1, 1, 0, 0, tzinfo=UTC), "0001-01-01"),
    "year 9999": (datetime(9999, 12, 31, 23, 59, tzinfo=UTC), "9999-12-31"),
}


def slot_url(claim):
    return reverse("mentor_set_slot", args=[claim.topic.slug, claim.pk])


@pytest.fixture(params=list(EXTREMES), ids=list(EXTREMES))
def stored_extreme(request, claimed):
    moment, shown = EXTREMES[request.param]
    Claim.objects.filter(pk=claimed.pk).update(presentation_at=moment, presentation_order=2)
    return claimed, shown


@pytest.fixture
def new_york(settings):
    """West of UTC, year 1 overflows too; the programme's zone is a setting."""
    settings.TIME_ZONE = "America/New_York"


def student_pages(topic):
    return [topic.get_absolute_url(), reverse("student_page", args=[topic.slug])]


def mentor_pages(claim):
    slug = claim.topic.slug
    return [
        claim.topic.get_absolute_url(),
        reverse("mentor_dashboard", args=[slug]),
        reverse("mentor_dashboard", args=[slug]) + "?sort=presentation",
        reverse("mentor_student", args=[slug, claim.student_id]),
        reverse("mentor_schedule", args=[slug]),
    ]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_every_page_that_shows_the_claim_answers_and_shows_the_stored_time(
    client, login, settings, student, mentor, stored_extreme, zone
):
    settings.TIME_ZONE = zone
    claim, shown = stored_extreme
    login(student)
    for url in student_pages(claim.topic):
        response = client.get(url)
        assert response.status_code == 200, url
    assert shown in client.get(reverse("student_page", args=[claim.topic.slug])).content.decode()
    login(mentor)
    for url in mentor_pages(claim):
        response = client.get(url)
        assert response.status_code == 200, url
        if "/mentor/" in url:
            assert shown in response.content.decode(), url


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_the_exports_answer_and_the_csv_keeps_the_stored_time(client, login, settings, mentor, stored_extreme, zone):
    settings.TIME_ZONE = zone
    claim, shown = stored_extreme
    login(mentor)
    slug = claim.topic.slug
    csv_response = client.get(reverse("mentor_claims_csv", args=[slug]))
    assert csv_response.status_code == 200
    assert shown in csv_response.content.decode("utf-8-sig")
    ics_response = client.get(reverse("mentor_schedule_ics", args=[slug]))
    assert ics_response.status_code == 200
    # A time the schedule would refuse is left out of the calendar, which stays valid.
    parsed = icalendar.Calendar.from_ical(ics_response.content)
    assert list(parsed.walk("VEVENT")) == []


def test_the_admin_lists_and_opens_the_claim(client, admin_user, stored_extreme, new_york):
    claim, shown = stored_extreme
    client.force_login(admin_user)
    listing = client.get(reverse("admin:students_claim_changelist"))
    assert listing.status_code == 200
    assert shown in listing.content.decode()
    assert client.get(reverse("admin:students_claim_change", args=[claim.pk])).status_code == 200


def test_the_stored_time_can_be_corrected_from_the_schedule(client, login, mentor, stored_extreme, new_york):
    claim, _shown = stored_extreme
    login(mentor)
    response = client.post(slot_url(claim), {"presentation_at": "2026-12-10T14:30", "presentation_order": "1"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.presentation_at.year == 2026


@pytest.mark.parametrize("typed", [
    "0001-01-01T00:00", "1999-12-31T23:59", "2101-01-01T00:00", "9999-12-31T23:59", "0001-01-01 00:00",
])
def test_a_time_outside_2000_to_2100_is_refused_beside_the_field(client, login, mentor, claimed, typed):
    login(mentor)
    response = client.post(slot_url(claimed), {"presentation_at": typed, "presentation_order": "1"}, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="talk{claimed.pk}_presentation_at_error"><li>Choose a date between 2000 and 2100.</li>' in html
    claimed.refresh_from_db()
    assert (claimed.presentation_at, claimed.presentation_order) == (None, None)
    assert not ClaimEvent.objects.filter(action=ClaimAction.SCHEDULED).exists()


@pytest.mark.parametrize("typed", ["2000-01-01T00:00", "2100-12-31T23:59"])
def test_the_first_and_last_minutes_of_the_range_are_accepted(client, login, mentor, claimed, typed):
    login(mentor)
    assert client.post(slot_url(claimed), {"presentation_at": typed}).status_code == 302
    claimed.refresh_from_db()
    assert claimed.presentation_at is not None


def test_the_refusal_is_translated(client, login, mentor, claimed):
    login(mentor)
    response = client.post(
        slot_url(claimed), {"presentation_at": "0001-01-01T00:00"}, headers={**HTMX, "Accept-Language": "zh-hans"}
    )
    assert response.status_code == 400
    assert "请选择 2000 年到 2100 年之间的日期。" in response.content.decode()
