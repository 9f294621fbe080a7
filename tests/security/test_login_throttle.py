"""Failed logins are throttled per account and address, and per address, on the login page and the admin's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from readinglist.throttle import client_ip_address
from tests.conftest import PASSWORD

LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
HOME = "10.0.0.1"
CAFE = "10.0.0.2"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(client: Client, username: str, password: str, *, address: str = HOME, url: str = LOGIN, **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def fail(client: Client, username: str, times: int, *, address: str = HOME, url: str = LOGIN) -> None:
    for _ in range(times):
        log_in(client, username, "wrong password", address=address, url=url)


def is_logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "Try again in 15 minutes." in response.content.decode()
    assert response["Retry-After"] == "900"


def test_wrong_passwords_then_the_right_one_is_refused(client, student):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = log_in(client, "student", "wrong password")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    assert_locked_out(log_in(client, "student", "wrong password"))

    assert_locked_out(log_in(client, "student", PASSWORD))
    assert not is_logged_in(client)


def test_the_lockout_page_speaks_chinese(student):
    client = Client(headers={"Accept-Language": "zh-hans"})
    fail(client, "student", settings.LOGIN_FAILURE_LIMIT)
    html = log_in(client, "student", PASSWORD).content.decode()
    assert "登录失败次数过多" in html and "请在 15 分钟后再试" in html


def test_the_admin_login_is_throttled_too(client, admin_user):
    fail(client, "admin", settings.LOGIN_FAILURE_LIMIT, url=ADMIN_LOGIN)
    assert_locked_out(log_in(client, "admin", PASSWORD, url=ADMIN_LOGIN))
    assert not is_logged_in(client)
    # One count for both doors: the site's login page is closed to that account too.
    assert_locked_out(log_in(client, "admin", PASSWORD))


def test_failures_are_kept_in_the_database_for_every_web_process(client, student):
    fail(client, "student", 2)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("student", HOME, 2)


def test_other_accounts_and_other_addresses_are_unaffected(client, student, other_student):
    fail(client, "student", settings.LOGIN_FAILURE_LIMIT)

    other_account = Client()
    log_in(other_account, "other", PASSWORD)
    assert is_logged_in(other_account)

    other_address = Client()
    log_in(other_address, "student", PASSWORD, address=CAFE)
    assert is_logged_in(other_address)


def test_many_accounts_from_one_address_close_that_address(client, student):
    # Never an account's limit, but the address's own.
    per_account = settings.LOGIN_FAILURE_LIMIT - 1
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        assert log_in(client, f"guess{n // per_account}", "wrong password").status_code == 200
    assert log_in(client, "one-guess-too-many", "wrong password").status_code == 429
    assert_locked_out(log_in(client, "student", PASSWORD))

    elsewhere = Client()
    log_in(elsewhere, "student", PASSWORD, address=CAFE)
    assert is_logged_in(elsewhere)


def test_a_good_password_clears_the_accounts_failures(client, student):
    fail(client, "student", settings.LOGIN_FAILURE_LIMIT - 1)
    log_in(client, "student", PASSWORD)
    assert is_logged_in(client)
    assert not AccessAttempt.objects.filter(username="student").exists()

    client.logout()
    fail(client, "student", settings.LOGIN_FAILURE_LIMIT - 1)
    log_in(client, "student", PASSWORD)
    assert is_logged_in(client)


def test_a_good_password_leaves_other_accounts_failures_from_the_address(client, student):
    fail(client, "someone-else", 3)
    log_in(client, "student", PASSWORD)
    assert AccessAttempt.objects.get().username == "someone-else"


def test_the_lockout_ends_after_the_cool_off(client, student):
    fail(client, "student", settings.LOGIN_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    log_in(client, "student", PASSWORD)
    assert is_logged_in(client)


def test_an_administrator_lifts_a_lockout(client, student):
    fail(client, "student", settings.LOGIN_FAILURE_LIMIT)
    call_command("axes_reset_username", "student", verbosity=0)
    log_in(client, "student", PASSWORD)
    assert is_logged_in(client)


def test_forwarded_addresses_are_ignored_unless_a_proxy_header_is_configured(client, student):
    assert settings.CLIENT_IP_HEADER is None
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        log_in(client, "student", "wrong password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_locked_out(log_in(client, "student", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99"))


def test_behind_a_proxy_the_client_address_is_the_last_forwarded_one(settings, client, student):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = "172.18.0.5"
    # What the client writes into the header itself comes first, and is not trusted.
    fail_from = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": f"192.0.2.1, {HOME}"}
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "student", "password": "wrong"}, **{**fail_from, "HTTP_X_FORWARDED_FOR": f"192.0.2.{n}, {HOME}"})
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}

    locked = client.post(LOGIN, {"username": "student", "password": PASSWORD}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=HOME)
    assert locked.status_code == 429
    elsewhere = Client()
    elsewhere.post(LOGIN, {"username": "student", "password": PASSWORD}, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=CAFE)
    assert is_logged_in(elsewhere)


@pytest.mark.parametrize(("header", "meta", "expected"), [
    (None, {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "192.0.2.7"}, "10.1.1.1"),
    ("HTTP_X_FORWARDED_FOR", {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "192.0.2.7, 198.51.100.3"}, "198.51.100.3"),
    ("HTTP_X_REAL_IP", {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_REAL_IP": "2001:db8::1"}, "2001:db8::1"),
    # Missing or garbled: the proxy's own address, never a string the database refuses.
    ("HTTP_X_FORWARDED_FOR", {"REMOTE_ADDR": "10.1.1.1"}, "10.1.1.1"),
    ("HTTP_X_FORWARDED_FOR", {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "unknown"}, "10.1.1.1"),
])
def test_client_address(settings, header, meta, expected):
    settings.CLIENT_IP_HEADER = header
    assert client_ip_address(RequestFactory().get("/", **meta)) == expected


def test_the_suites_force_login_passes_by_the_throttle(client, student):
    fail(client, "student", settings.LOGIN_FAILURE_LIMIT)
    client.force_login(student)
    assert client.get(reverse("student_page", args=["topic-2"])).status_code == 200
