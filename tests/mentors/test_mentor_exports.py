"""Exports: the schedule as iCalendar (RFC 5545, by the icalendar library) and claims with progress as CSV for Excel."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from papers.models import Paper
from students import claims, schedule
from students.models import Claim
from tests.conftest import enroll, make_entry, make_user
from tests.mentors.conftest import make_intro_entries, make_students, mark_read

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def ics_url(topic, **query):
    url = reverse("mentor_schedule_ics", args=[topic.slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def parse(response) -> icalendar.Calendar:
    """The calendar as any client reads it: parsed back, not compared as text."""
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def events(response) -> list[icalendar.Event]:
    return list(parse(response).walk("VEVENT"))


@pytest.fixture
def scheduled(mentor, claimed):
    return schedule.set_slot(claimed, actor=mentor, at=datetime(2026, 12, 10, 14, 30, tzinfo=SHANGHAI), order=1)


# iCalendar


def test_calendar_has_one_event_per_timed_talk_in_utc(client, login, mentor, topic, scheduled, other_student, second_entry):
    claims.claim(other_student, second_entry)  # not scheduled: not in the calendar
    login(mentor)
    response = client.get(ics_url(topic))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="topic-2-schedule.ics"'
    feed = parse(response)
    assert (feed["VERSION"], feed["PRODID"], feed["METHOD"]) == ("2.0", "-//Xinya programme//readinglist//EN", "PUBLISH")
    (event,) = feed.walk("VEVENT")
    assert event["UID"] == f"claim-{scheduled.pk}@testserver"
    assert event.start == datetime(2026, 12, 10, 6, 30, tzinfo=UTC)
    assert event.end == datetime(2026, 12, 10, 7, 0, tzinfo=UTC)  # thirty minutes by default
    assert event.start.utcoffset() == timedelta(0)
    assert event["SUMMARY"] == "明 李: DMM"
    assert event.DTSTAMP.tzinfo is not None and event.DTSTAMP.utcoffset() == timedelta(0)
    assert event["URL"] == "https://example.org/topic-2/DMM"
    assert b"DTSTART:20261210T063000Z\r\n" in response.content  # UTC, with no time-zone block to resolve


def test_calendar_is_named_after_the_topic(client, login, mentor, topic, scheduled):
    topic.title = "新芽, 第二期; 深度\n估计"
    topic.save()
    login(mentor)
    feed = parse(client.get(ics_url(topic)))
    # icalendar reads X-WR-CALNAME back as an unknown property, as written: escaped as TEXT.
    assert str(feed["X-WR-CALNAME"]) == "新芽\\, 第二期\\; 深度\\n估计"


def test_talk_length_can_be_chosen(client, login, mentor, topic, scheduled):
    login(mentor)
    (event,) = events(client.get(ics_url(topic, minutes=45)))
    assert event.end - event.start == timedelta(minutes=45)


@pytest.mark.parametrize("minutes", ["0", "-5", "lots", "100000"])
def test_a_bad_talk_length_is_explained_without_an_error_page(client, login, mentor, topic, scheduled, minutes):
    login(mentor)
    response = client.get(ics_url(topic, minutes=minutes))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Length of each talk (minutes)" in html and 'class="errorlist"' in html


def test_long_chinese_lines_are_folded_at_75_octets_without_cutting_a_character(client, login, mentor, topic, scheduled):
    title = "多模态融合：一种很长很长的中文标题，用于检查折行是否会把一个汉字切成两半，以及逗号和分号；是否被转义" * 2
    Paper.objects.filter(pk=scheduled.entry.paper_id).update(title=title)
    login(mentor)
    response = client.get(ics_url(topic))
    raw = response.content
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # no character is cut in two
    assert any(line.startswith(b" ") for line in lines)
    (event,) = events(response)
    assert event["DESCRIPTION"] == f"{title}\nhttps://example.org/topic-2/DMM"


def test_commas_semicolons_backslashes_and_newlines_survive_the_round_trip(client, login, mentor, topic, student, scheduled):
    Paper.objects.filter(pk=scheduled.entry.paper_id).update(title="Fusion, depth; and\\more\nor less\r\nend")
    student.first_name = "明,;"
    student.save()
    login(mentor)
    response = client.get(ics_url(topic))
    assert b"Fusion\\, depth\\; and\\\\more\\nor less" in response.content  # escaped on the wire
    (event,) = events(response)
    assert event["DESCRIPTION"] == "Fusion, depth; and\\more\nor less\nend\nhttps://example.org/topic-2/DMM"
    assert event["SUMMARY"] == "明,; 李: DMM"


def test_empty_schedule_is_a_valid_calendar(client, login, mentor, topic):
    login(mentor)
    response = client.get(ics_url(topic))
    assert events(response) == []
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n") and response.content.endswith(b"END:VCALENDAR\r\n")


def test_a_stored_time_outside_the_schedule_years_is_left_out_and_the_others_stay(
    client, login, mentor, topic, scheduled, other_student, second_entry
):
    odd = claims.claim(other_student, second_entry)
    Claim.objects.filter(pk=odd.pk).update(presentation_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    login(mentor)
    (event,) = events(client.get(ics_url(topic, minutes=480)))
    assert event["UID"] == f"claim-{scheduled.pk}@testserver"


# CSV


def read_csv(response):
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only after a byte-order mark
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_opens_in_excel_with_chinese_names(client, login, mentor, student, topic, scheduled):
    login(mentor)
    response = client.get(reverse("mentor_claims_csv", args=[topic.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="topic-2-claims.csv"'
    assert response.content.count(b"\r\n") == 2 and b"\n" not in response.content.replace(b"\r\n", b"")
    header, row = read_csv(response)
    assert header[:3] == ["Student number", "Username", "Name"]
    record = dict(zip(header, row))
    assert record["Name"] == "明 李"
    assert record["Paper"] == "DMM" and record["Status"] == "Claimed"
    assert record["Categories"] == "辅助信息, 辅助任务"
    assert record["Presentation time"] == "2026-12-10 14:30" and record["Order"] == "1"


def test_csv_has_a_row_per_student_with_reading_and_proposals(client, login, mentor, student, other_student, topic, proposal):
    idle = make_user("idle")
    enroll(idle, topic)
    mark_read(other_student, *make_intro_entries(topic, 2))
    login(mentor)
    header, *rows = read_csv(client.get(reverse("mentor_claims_csv", args=[topic.slug])))
    records = {row[1]: dict(zip(header, row)) for row in rows}
    assert set(records) == {"student", "other", "idle"}
    assert (records["other"]["Intro papers done"], records["other"]["Intro papers"]) == ("2", "2")
    assert records["student"]["Status"] == "Proposal pending" and records["student"]["Categories"] == "辅助任务"
    assert records["idle"]["Status"] == "No paper yet"


def test_csv_quotes_commas_quotes_and_newlines(client, login, mentor, topic, scheduled):
    Paper.objects.filter(pk=scheduled.entry.paper_id).update(title='Fusion, "depth"\nand more')
    login(mentor)
    header, row = read_csv(client.get(reverse("mentor_claims_csv", args=[topic.slug])))
    assert dict(zip(header, row))["Title"] == 'Fusion, "depth"\nand more'


def test_csv_makes_formula_like_text_inert(client, login, mentor, topic, scheduled):
    Paper.objects.filter(pk=scheduled.entry.paper_id).update(short_name='=HYPERLINK("http://evil")')
    login(mentor)
    header, row = read_csv(client.get(reverse("mentor_claims_csv", args=[topic.slug])))
    assert dict(zip(header, row))["Paper"] == "'=HYPERLINK(\"http://evil\")"


@pytest.mark.parametrize("size", [5, 200])
def test_csv_query_count_does_not_grow_with_the_students(client, login, mentor, topic, size, django_assert_num_queries):
    for index, user in enumerate(make_students(topic, size)):
        claims.claim(user, make_entry(topic, f"A{index}"))
    login(mentor)
    # session, user, the topic with the mentor's role; intro total, students with counts, open slots with
    # papers and their entries' and proposals' categories.
    with django_assert_num_queries(8):
        response = client.get(reverse("mentor_claims_csv", args=[topic.slug]))
    assert len(read_csv(response)) == size + 1


@pytest.mark.parametrize("size", [5, 200])
def test_calendar_query_count_does_not_grow_with_the_talks(client, login, mentor, topic, size, django_assert_num_queries):
    at = datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
    for index, user in enumerate(make_students(topic, size)):
        schedule.set_slot(claims.claim(user, make_entry(topic, f"A{index}")), actor=mentor, at=at, order=index + 1)
    login(mentor)
    # session, user, the topic with the mentor's role; the claimed papers with students and papers.
    with django_assert_num_queries(4):
        response = client.get(ics_url(topic))
    assert len(events(response)) == size
