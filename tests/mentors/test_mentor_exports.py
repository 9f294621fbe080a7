"""Exports: the schedule as iCalendar (RFC 5545, written by hand) and claims with progress as CSV for Excel."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from papers.models import Paper
from students import claims, schedule
from tests.conftest import enroll, make_entry, make_user
from tests.mentors.conftest import make_intro_entries, make_students, mark_read

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def ics_url(topic, **query):
    url = reverse("mentor_schedule_ics", args=[topic.slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def unfold(body: str) -> list[str]:
    """The content lines of an iCalendar text (RFC 5545 §3.1)."""
    return body.replace("\r\n ", "").split("\r\n")[:-1]


def event_lines(body: str) -> list[dict[str, str]]:
    events, current = [], None
    for line in unfold(body):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = value
    return events


@pytest.fixture
def scheduled(mentor, claimed):
    return schedule.set_slot(claimed, actor=mentor, at=datetime(2026, 12, 10, 14, 30, tzinfo=SHANGHAI), order=1)


# iCalendar


def test_calendar_has_one_event_per_timed_talk_in_utc(client, login, mentor, topic, scheduled, other_student, second_entry):
    claims.claim(other_student, second_entry)  # not scheduled: not in the calendar
    login(mentor)
    response = client.get(ics_url(topic))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="topic-2-schedule.ics"'
    body = response.content.decode("utf-8")
    lines = unfold(body)
    assert lines[:3] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Xinya programme//readinglist//EN"]
    assert lines[-1] == "END:VCALENDAR"
    (event,) = event_lines(body)
    assert event["UID"] == f"claim-{scheduled.pk}@testserver"
    assert event["DTSTART"] == "20261210T063000Z"
    assert event["DTEND"] == "20261210T070000Z"  # thirty minutes by default
    assert event["SUMMARY"] == "明 李: DMM"
    assert len(event["DTSTAMP"]) == 16 and event["DTSTAMP"].endswith("Z")


def test_talk_length_can_be_chosen(client, login, mentor, topic, scheduled):
    login(mentor)
    (event,) = event_lines(client.get(ics_url(topic, minutes=45)).content.decode())
    assert event["DTEND"] == "20261210T071500Z"


@pytest.mark.parametrize("minutes", ["0", "-5", "lots", "100000"])
def test_a_bad_talk_length_is_explained_without_an_error_page(client, login, mentor, topic, scheduled, minutes):
    login(mentor)
    response = client.get(ics_url(topic, minutes=minutes))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Length of each talk (minutes)" in html and 'class="errorlist"' in html


def test_every_line_ends_with_crlf_and_is_at_most_75_octets(client, login, mentor, topic, student, scheduled):
    Paper.objects.filter(pk=scheduled.entry.paper_id).update(
        title="多模态融合：一种很长很长的中文标题，用于检查折行是否会把一个汉字切成两半，以及逗号和分号；是否被转义" * 2
    )
    login(mentor)
    raw = client.get(ics_url(topic)).content
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no character is cut in two
    assert any(line.startswith(b" ") for line in raw.split(b"\r\n"))


def test_text_values_escape_commas_semicolons_backslashes_and_newlines():
    assert schedule.ical_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_description_carries_the_title_and_link_escaped(client, login, mentor, topic, scheduled):
    Paper.objects.filter(pk=scheduled.entry.paper_id).update(title="Fusion, depth; and more")
    login(mentor)
    (event,) = event_lines(client.get(ics_url(topic)).content.decode())
    assert event["DESCRIPTION"] == "Fusion\\, depth\\; and more\\nhttps://example.org/topic-2/DMM"


def test_folding_splits_at_75_octets_and_keeps_characters_whole():
    line = "SUMMARY:" + "汉" * 40  # 8 + 120 octets
    folded = schedule.fold_line(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join(piece[1:] if index else piece for index, piece in enumerate(pieces)) == line
    assert schedule.fold_line("SHORT:line") == "SHORT:line"


def test_empty_schedule_is_a_valid_calendar(client, login, mentor, topic):
    login(mentor)
    body = client.get(ics_url(topic)).content.decode()
    assert "BEGIN:VEVENT" not in body
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")


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
    assert record["Kinds"] == "Auxiliary information, Auxiliary task"
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
    assert records["student"]["Status"] == "Proposal pending" and records["student"]["Kinds"] == "Auxiliary task"
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
    # session, user, topic, role; intro total, students with counts, open slots with papers.
    with django_assert_num_queries(7):
        response = client.get(reverse("mentor_claims_csv", args=[topic.slug]))
    assert len(read_csv(response)) == size + 1


@pytest.mark.parametrize("size", [5, 200])
def test_calendar_query_count_does_not_grow_with_the_talks(client, login, mentor, topic, size, django_assert_num_queries):
    at = datetime(2026, 12, 10, 9, 0, tzinfo=SHANGHAI)
    for index, user in enumerate(make_students(topic, size)):
        schedule.set_slot(claims.claim(user, make_entry(topic, f"A{index}")), actor=mentor, at=at, order=index + 1)
    login(mentor)
    # session, user, topic, role; the claimed papers with students and papers.
    with django_assert_num_queries(5):
        response = client.get(ics_url(topic))
    assert len(event_lines(response.content.decode())) == size
