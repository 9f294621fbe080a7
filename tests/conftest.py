"""Personas shared by the whole suite: a student, another student, a mentor, an outsider."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.utils import translation

from papers.models import Category, Entry, Level, Paper, Topic
from students.models import Enrollment, Role

PASSWORD = "correct horse battery staple"


def make_user(username: str, **extra) -> AbstractUser:
    extra.setdefault("email", f"{username}@example.edu")
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def make_topic(slug: str = "topic-2", **extra) -> Topic:
    return Topic.objects.create(slug=slug, title=extra.pop("title", f"Topic {slug}"), **extra)


def make_entry(topic: Topic, name: str, *, level: str = Level.ADVANCED, categories: tuple[str, ...] = ("辅助信息",),
               arxiv_id: str | None = None, position: int = 0) -> Entry:
    """An entry of `topic`; an advanced one in the named categories of the topic (created when new)."""
    paper = Paper.objects.create(
        short_name=name, title=f"{name}: a paper", url=f"https://example.org/{topic.slug}/{name}", arxiv_id=arxiv_id,
        venue="CVPR", year=2024,
    )
    entry = Entry.objects.create(topic=topic, paper=paper, level=level, position=position)
    if level == Level.ADVANCED:
        entry.categories.set(make_category(topic, category) for category in categories)
    return entry


def make_category(topic: Topic, name: str) -> Category:
    return Category.objects.get_or_create(topic=topic, name=name, defaults={"position": topic.categories.count() + 1})[0]


def enroll(user: AbstractUser, topic: Topic, role: str = Role.STUDENT) -> Enrollment:
    return Enrollment.objects.create(user=user, topic=topic, role=role)


@pytest.fixture(autouse=True)
def english_by_default(settings):
    """Users get Chinese by default; tests read English unless they ask for Chinese."""
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def topic(db) -> Topic:
    return make_topic()


@pytest.fixture
def student(topic) -> AbstractUser:
    user = make_user("student", first_name="明", last_name="李")
    enroll(user, topic)
    return user


@pytest.fixture
def other_student(topic) -> AbstractUser:
    user = make_user("other", first_name="华", last_name="张")
    enroll(user, topic)
    return user


@pytest.fixture
def mentor(topic) -> AbstractUser:
    user = make_user("mentor", first_name="老师", last_name="王")
    enroll(user, topic, Role.MENTOR)
    return user


@pytest.fixture
def outsider(db) -> AbstractUser:
    return make_user("outsider")


@pytest.fixture
def admin_user(db) -> AbstractUser:
    return get_user_model().objects.create_superuser("admin", "admin@example.edu", PASSWORD)


@pytest.fixture
def intro_entry(topic) -> Entry:
    return make_entry(topic, "ConcatNet", level=Level.INTRO)


@pytest.fixture
def advanced_entry(topic) -> Entry:
    return make_entry(topic, "DMM", categories=("辅助信息", "辅助任务"), position=1)


@pytest.fixture
def second_entry(topic) -> Entry:
    return make_entry(topic, "SKF", categories=("辅助任务",), position=2)


@pytest.fixture
def info(topic) -> Category:
    """Topic 2's first category of advanced papers."""
    return make_category(topic, "辅助信息")


@pytest.fixture
def task(topic) -> Category:
    """Topic 2's second category of advanced papers."""
    return make_category(topic, "辅助任务")


@pytest.fixture
def login(client) -> Callable[[AbstractUser], None]:
    def log_in(user: AbstractUser) -> None:
        client.force_login(user)

    return log_in


# In CI nothing skips: a test that could not run is a failure, not a pass.
_skipped: list[str] = []


def pytest_runtest_logreport(report) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus) -> None:
    if os.environ.get("CI") and _skipped:
        session.config.get_terminal_writer().line(f"CI forbids skipped tests; skipped: {', '.join(_skipped)}", red=True)
        session.exitstatus = 1
