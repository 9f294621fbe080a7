"""Rules hold when requests race: real threads, real connections, real row locks."""

from collections import Counter

import pytest

from students import claims
from students.models import Claim, ClaimStatus
from tests.conftest import enroll, make_entry, make_topic, make_user
from tests.races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def race(callables):
    """Every claim at the same instant: "claimed", or the refusal's code."""
    return ["claimed" if hasattr(outcome, "pk") else outcome for outcome in at_once(callables)]


def test_twenty_students_claiming_one_paper_at_once_give_exactly_one_claim():
    topic = make_topic("race")
    entry = make_entry(topic, "DMM")
    students = [make_user(f"s{index}") for index in range(20)]
    for student in students:
        enroll(student, topic)

    outcomes = race([lambda student=student: claims.claim(student, entry) for student in students])

    assert Counter(outcomes) == {"claimed": 1, "paper_full": 19}
    assert Claim.objects.filter(entry=entry, status=ClaimStatus.ACTIVE).count() == 1


def test_one_student_claiming_two_papers_at_once_ends_with_one_claim():
    topic = make_topic("race")
    first, second = make_entry(topic, "DMM"), make_entry(topic, "SKF")
    student = make_user("s")
    enroll(student, topic)

    outcomes = race([lambda: claims.claim(student, first), lambda: claims.claim(student, second)])

    assert sorted(outcomes) == ["claimed", "slot_taken"]
    assert Claim.objects.filter(student=student, status=ClaimStatus.ACTIVE).count() == 1


def test_capacity_of_three_holds_under_a_race():
    topic = make_topic("race", claim_capacity=3)
    entry = make_entry(topic, "DMM")
    students = [make_user(f"s{index}") for index in range(10)]
    for student in students:
        enroll(student, topic)

    outcomes = race([lambda student=student: claims.claim(student, entry) for student in students])

    assert Counter(outcomes) == {"claimed": 3, "paper_full": 7}


def test_switches_racing_for_the_last_place_never_leave_a_student_without_a_paper():
    topic = make_topic("race")
    target = make_entry(topic, "Target")
    students = [make_user(f"s{index}") for index in range(6)]
    for index, student in enumerate(students):
        enroll(student, topic)
        claims.claim(student, make_entry(topic, f"Own{index}"))

    outcomes = race([lambda student=student: claims.switch(student, target) for student in students])

    assert Counter(outcomes) == {"claimed": 1, "paper_full": 5}
    for student in students:
        assert Claim.objects.filter(student=student, status=ClaimStatus.ACTIVE).count() == 1
