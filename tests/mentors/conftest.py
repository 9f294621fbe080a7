"""Personas and helpers of the mentor pages, on top of tests/conftest.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from papers.models import Level, Topic
from students import claims
from students.models import Claim, Enrollment, ReadingProgress, ReadingStatus, Role
from tests.conftest import enroll, make_category, make_entry, make_topic, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Each persona is a real account with a password; hashing them properly only slows these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def other_topic(db) -> Topic:
    return make_topic("topic-3")


@pytest.fixture
def other_mentor(other_topic) -> AbstractUser:
    """A mentor, but of another topic."""
    user = make_user("other-mentor", first_name="老师", last_name="赵")
    enroll(user, other_topic, Role.MENTOR)
    return user


@pytest.fixture
def proposal(student, topic) -> Claim:
    return claims.propose(
        student, topic,
        claims.PaperDetails(
            title="Depth Anything: Unleashing the Power of Large-Scale Unlabeled Data", url="https://arxiv.org/abs/2401.10891",
            arxiv_id="2401.10891", authors=("Lihe Yang", "Bingyi Kang"), venue="CVPR", year=2024,
            abstract="A practical solution for robust monocular depth estimation.",
        ),
        justification="Depth as an auxiliary task, like the list's SKF.",
        categories=[make_category(topic, "辅助任务")],
    )


@pytest.fixture
def claimed(student, advanced_entry) -> Claim:
    return claims.claim(student, advanced_entry)


def make_students(topic: Topic, count: int, *, prefix: str = "s") -> list[AbstractUser]:
    """Many students at once, for the pages that must not slow down as a topic grows."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{prefix}{index:03d}", first_name=f"学生{index}", password="!") for index in range(count)
    )
    Enrollment.objects.bulk_create(Enrollment(user=user, topic=topic, role=Role.STUDENT) for user in users)
    return users


def mark_read(student: AbstractUser, *entries, status: str = ReadingStatus.DONE, notes: str = "") -> None:
    for entry in entries:
        ReadingProgress.objects.create(student=student, entry=entry, status=status, notes=notes)


def make_intro_entries(topic: Topic, count: int) -> list:
    return [make_entry(topic, f"Intro{index}", level=Level.INTRO, position=index) for index in range(count)]
