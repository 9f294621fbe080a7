"""Prepared queries (readinglist/prepared.py): the ORM's answer, compiled once, never with a stale value."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Entry, Level, Paper, Topic
from readinglist import prepared
from readinglist.prepared import Prepared, PreparationError, instance
from students import claims
from students.claims import with_availability
from students.models import Claim
from tests.conftest import enroll, make_entry, make_topic, make_user

pytestmark = pytest.mark.django_db


class Counting:
    """A builder that counts how often it is asked to build."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, **arguments):
        self.calls += 1
        return self.build(**arguments)


def _entries(topic_id, level):
    return with_availability(Entry.objects.filter(topic_id=topic_id, level=level).order_by("position", "pk")).values_list(
        "pk", "paper__short_name", "taken"
    )


def test_each_run_answers_for_its_own_values_as_the_orm_does():
    first, second = make_topic("first"), make_topic("second")
    for topic, names in ((first, ["A", "B", "C"]), (second, ["X", "Y"])):
        for position, name in enumerate(names):
            make_entry(topic, name, position=position)
    make_entry(first, "Intro", level=Level.INTRO)
    student = enroll(make_user("student"), first).user
    claims.claim(student, Entry.objects.get(paper__short_name="B"))
    query = Prepared(_entries, values=("topic_id",))
    for topic in (first, second, first):
        assert query(topic_id=topic.pk, level=Level.ADVANCED) == list(_entries(topic.pk, Level.ADVANCED))
    assert [row[2] for row in query(topic_id=first.pk, level=Level.ADVANCED)] == [0, 1, 0]
    assert query(topic_id=first.pk, level=Level.INTRO) == list(_entries(first.pk, Level.INTRO))
    assert query(topic_id=-5, level=Level.ADVANCED) == []


def test_it_is_built_once_per_shape_and_runs_as_one_counted_query():
    topic = make_topic()
    make_entry(topic, "A")
    builder = Counting(_entries)
    query = Prepared(builder, values=("topic_id",))
    query(topic_id=topic.pk, level=Level.ADVANCED)
    with CaptureQueriesContext(connection) as captured:
        assert query(topic_id=topic.pk + 1, level=Level.ADVANCED) == []
        assert len(query(topic_id=topic.pk, level=Level.ADVANCED)) == 1
    assert builder.calls == 1
    assert len(captured.captured_queries) == 2  # assertNumQueries and execute wrappers see prepared queries
    query(topic_id=topic.pk, level=Level.INTRO)  # another shape: built again
    assert builder.calls == 2


def test_a_process_keeps_a_bounded_number_of_shapes(monkeypatch):
    monkeypatch.setattr(prepared, "MAX_SHAPES", 3)
    topic = make_topic()
    builder = Counting(lambda topic_id, stop: Entry.objects.filter(topic_id=topic_id).values_list("pk")[:stop])
    query = Prepared(builder, values=("topic_id",))
    for stop in range(1, 6):  # a crafted page number is a new shape: only the last few are kept
        query(topic_id=topic.pk, stop=stop)
    assert builder.calls == 5
    query(topic_id=topic.pk, stop=5)
    assert builder.calls == 5
    query(topic_id=topic.pk, stop=1)
    assert builder.calls == 6


def test_a_value_compared_with_a_count_is_a_value_on_both_databases():
    """PostgreSQL is given the capacity as a typed int (psycopg's Int4): it is still the value, not a fixed stand-in."""
    topic = make_topic()
    claimed, free = make_entry(topic, "A", position=1), make_entry(topic, "B", position=2)
    claims.claim(enroll(make_user("student"), topic).user, claimed)
    query = Prepared(
        lambda topic_id, capacity: with_availability(Entry.objects.filter(topic_id=topic_id).order_by("position"))
        .filter(taken__lt=capacity).values_list("pk"),
        values=("topic_id", "capacity"),
    )
    assert query(topic_id=topic.pk, capacity=1) == [(free.pk,)]
    assert query(topic_id=topic.pk, capacity=2) == [(claimed.pk,), (free.pk,)]


def test_strings_are_values_too():
    topic = make_topic("a-slug")
    query = Prepared(lambda slug: Topic.objects.filter(slug=slug).values_list("pk"), values=("slug",))
    assert query(slug="a-slug") == [(topic.pk,)]
    assert query(slug="another") == []


@pytest.mark.parametrize(
    ("build", "value"),
    [
        # A lookup that rewrites the value ('%value%'): running it with another value would search for the stand-in.
        (lambda title: Paper.objects.filter(title__contains=title).values_list("pk"), "Net"),
        # A value written into the SQL itself (LIMIT): it would never change.
        (lambda count: Paper.objects.values_list("pk")[:count], 3),
        # Neither an int nor a string.
        (lambda since: Paper.objects.filter(created_at__gte=since).values_list("pk"), datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)),
    ],
)
def test_a_value_that_is_not_a_parameter_of_its_own_is_refused(build, value):
    name = build.__code__.co_varnames[0]
    with pytest.raises(PreparationError):
        Prepared(build, values=(name,))(**{name: value})


def test_a_value_of_another_type_is_checked_again_not_run_with_the_query_of_an_int():
    query = Prepared(lambda since: Paper.objects.filter(pk__gte=since).values_list("pk"), values=("since",))
    assert query(since=10**6) == []
    with pytest.raises(PreparationError):
        query(since=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))


def test_database_values_are_converted_as_the_orm_converts_them():
    topic = make_topic()
    entry = make_entry(topic, "A")
    student = enroll(make_user("student"), topic).user
    claims.claim(student, entry)
    query = Prepared(
        lambda student_id: Claim.objects.filter(student_id=student_id).values_list("created_at", "presented"), values=("student_id",)
    )
    [(created_at, presented)] = query(student_id=student.pk)
    assert isinstance(created_at, datetime.datetime) and created_at.tzinfo is not None
    assert presented is False
    assert [(created_at, presented)] == list(Claim.objects.filter(student=student).values_list("created_at", "presented"))


def test_an_instance_from_some_columns_reads_the_others_when_asked(django_assert_num_queries):
    topic = make_topic()
    entry = make_entry(topic, "A")
    paper = instance(Paper, {"id": entry.paper_id, "short_name": "A"})
    assert paper.display_name == "A" and paper._state.adding is False
    with django_assert_num_queries(1):
        assert paper.venue == "CVPR"
