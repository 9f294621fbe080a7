"""Any input to the students' forms, through their views: never a 500, nothing stored on a refusal, all escaped.

The value strategies here serve the mentors' and the arXiv page's fuzz tests too (they import them).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from students.models import Enrollment, ReadingProgress, StudentProfile

pytestmark = pytest.mark.django_db

# Each example is a request or two: fifty of them keep the suite fast. Function-scoped fixtures
# (the personas) are shared by the examples of a test on purpose: each example checks what it changed.
fuzz = hypothesis_settings(
    max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SCRIPT = '<script>fuzz("x")</script>'
IMAGE = "<img src=x onerror=fuzz(1)>"
# What a value would look like on the page had it not been escaped.
UNESCAPED = [b'<script>fuzz("x")', b"<img src=x onerror=fuzz(1)>"]

awkward_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "", " ", "\x00", "a\x00b", "\r\n", SCRIPT, IMAGE, f"{SCRIPT}{IMAGE}", "😀" * 5, "👩‍👩‍👧‍👦", "\u202eevil", "\ud7ff",
        "' OR 1=1 --", "%s%n%(x)s", "{{ x }}{% debug %}", "-1", "0", "1e309", "NaN", "Infinity", "9" * 40,
        "2026-12-10T14:30", "0001-01-01T00:00", "9999-12-31T23:59", "javascript:alert(1)", "//evil.example",
    ]),
    # Huge: a pasted book, in one-, three- and four-byte characters.
    st.builds(lambda char, count: char * count, st.sampled_from(["a", "汉", "😀", "<"]), st.integers(1_000, 60_000)),
)
# What a crafted request can send for one field: text, several values, a number.
field_value = st.one_of(
    awkward_text, awkward_text, st.lists(awkward_text, max_size=3), st.integers(), st.floats(), st.booleans(),
)


def form_data(*names: str, **known) -> st.SearchStrategy[dict]:
    """Any subset of the fields (a missing one is left out), each any value; `known` mixes in sensible ones."""
    return st.fixed_dictionaries({}, optional={
        name: st.one_of(field_value, st.sampled_from(known[name])) if name in known else field_value for name in names
    })


def assert_answered_safely(response) -> None:
    assert response.status_code < 500
    for raw in UNESCAPED:
        assert raw not in response.content


def counts(*models) -> list[int]:
    return [model.objects.count() for model in models]


# Join and sign up


@fuzz
@given(data=form_data("code", "name", "student_number", "email", "password1", "password2",
                      password1=["a-long-passphrase-9"], password2=["a-long-passphrase-9"],
                      student_number=["2024001", "AB12"], email=["li@example.edu"]),
       code_is_real=st.booleans())
def test_sign_up_takes_any_input(client, topic, fast_hashing, data, code_is_real):
    if code_is_real:
        data["code"] = topic.enrollment_code
    before = counts(get_user_model(), StudentProfile, Enrollment)
    response = client.post(reverse("join"), data)
    assert_answered_safely(response)
    if response.status_code == 302:
        assert counts(get_user_model(), StudentProfile, Enrollment) == [n + 1 for n in before]
        client.logout()
    else:
        # An empty POST shows the empty form again (200), as a GET would.
        assert response.status_code == 400 or (response.status_code == 200 and not response.wsgi_request.POST)
        assert counts(get_user_model(), StudentProfile, Enrollment) == before


@fuzz
@given(data=form_data("code"), query=awkward_text)
def test_joining_with_a_code_takes_any_input(client, login, outsider, topic, data, query):
    login(outsider)
    assert_answered_safely(client.get(reverse("join"), {"code": query}))
    before = counts(Enrollment)
    response = client.post(reverse("join"), data)
    assert_answered_safely(response)
    assert response.status_code in (302, 400) or (response.status_code == 200 and not response.wsgi_request.POST)
    if response.status_code != 302:
        assert counts(Enrollment) == before


# Reading progress


@fuzz
@given(data=form_data("status", "notes", "next", status=["to_read", "reading", "done"], next=["/topics/"]),
       htmx=st.booleans())
def test_progress_takes_any_input(client, login, student, intro_entry, data, htmx):
    login(student)
    before = list(ReadingProgress.objects.values())
    response = client.post(
        reverse("update_progress", args=[intro_entry.topic.slug, intro_entry.pk]), data,
        headers={"HX-Request": "true"} if htmx else {},
    )
    assert_answered_safely(response)
    if response.status_code == 302:
        assert response.url.startswith("/") and not response.url.startswith(("//", "/\\"))
    elif response.status_code != 200:
        assert response.status_code == 400
        assert list(ReadingProgress.objects.values()) == before


# The roster upload

roster_cell = st.one_of(st.text(max_size=20), st.sampled_from(["李明", "2024001", "li@example.edu", "\x00", SCRIPT, "😀"]))
csv_text = st.lists(st.lists(roster_cell, min_size=0, max_size=4).map(",".join), max_size=8).map("\n".join)
roster_bytes = st.one_of(
    st.binary(max_size=200),
    st.just(b""),
    st.just(b"\x00" * 100),
    st.just(b"\xff\xfe\x00\x00garbage"),
    csv_text.map(lambda text: text.encode("utf-8")),
    csv_text.map(lambda text: text.encode("utf-8-sig")),
    csv_text.map(lambda text: text.encode("gbk", errors="ignore")),
    csv_text.map(lambda text: text.encode("utf-16")),
    st.just(("😀,2024001,li@example.edu\n" * 3).encode()),
    st.just(b"a" * (2 * 1024 * 1024 + 1)),  # over the 2 MB the form takes
)


@fuzz
@given(content=roster_bytes, name=st.sampled_from(["roster.csv", "名单.csv", "x", SCRIPT]), as_file=st.booleans())
def test_roster_upload_takes_any_bytes(client, admin_user, topic, mailoutbox, content, name, as_file):
    client.force_login(admin_user)
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv")} if as_file else {"file": content[:100]}
    before = counts(get_user_model(), StudentProfile, Enrollment)
    response = client.post(reverse("roster", args=[topic.slug]), data)
    assert_answered_safely(response)
    if response.status_code >= 400:
        assert counts(get_user_model(), StudentProfile, Enrollment) == before


@pytest.fixture
def fast_hashing(settings):
    """A sign-up hashes its password: properly hashed, fifty examples would take a minute."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
