"""The error pages speak both languages, look like the site, and are valid HTML; htmx gets the message alone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from readinglist.errors import server_error, service_unavailable
from tests.a11y.test_html_valid import HTMX_ATTRIBUTE, describe, run_vnu

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_a_missing_page_says_so_in_the_sites_layout(client, student):
    client.force_login(student)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'class="site-header"' in html and "Log out" in html


def test_a_missing_page_in_chinese():
    html = Client(headers={"Accept-Language": "zh-hans"}).get("/no-such-page/").content.decode()
    assert "页面不存在" in html


def test_a_forbidden_page_gives_the_reason(client, student, mentor):
    client.force_login(student)
    response = client.get(reverse("mentor_dashboard", args=["topic-2"]))
    assert response.status_code == 403
    assert "Only the topic&#x27;s mentors can do this." in response.content.decode()


def test_htmx_gets_the_message_alone(client, student, mentor):
    client.force_login(student)
    response = client.get(reverse("mentor_dashboard", args=["topic-2"]), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in html and "<html" not in html
    missing = client.get("/no-such-page/", headers=HTMX).content.decode()
    assert "<h1>Page not found</h1>" in missing and "<html" not in missing


def test_a_bad_request_has_its_page(settings):
    settings.ALLOWED_HOSTS = ["readinglist.example.edu"]
    response = Client(headers={"Host": "attacker.example"}).get(reverse("login"))
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_a_server_error_in_chinese(rf):
    from django.utils import translation

    with translation.override("zh-hans"):
        try:
            raise ValueError("a bug")
        except ValueError:
            html = server_error(rf.get("/")).content.decode()
    assert "出错了" in html and '<html lang="zh-Hans">' in html


def test_every_error_page_is_valid_html(tmp_path, rf, student, mentor, settings):
    from django.utils import translation

    signed_in = Client()
    signed_in.force_login(student)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "readinglist.example.edu"]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            try:
                raise ValueError("a bug")
            except ValueError as error:
                pages = {"500": server_error(rf.get("/")), "503": service_unavailable(rf.get("/"), error)}
        headers = {"Accept-Language": language}
        pages["404"] = signed_in.get("/no-such-page/", headers=headers)
        pages["403"] = signed_in.get(reverse("mentor_dashboard", args=["topic-2"]), headers=headers)
        pages["400"] = Client().get(reverse("login"), headers={**headers, "Host": "attacker.example"})
        for status, response in pages.items():
            assert response.status_code == int(status)
            (tmp_path / f"{status}.{language}.html").write_bytes(response.content)
    errors = [
        message for message in run_vnu(tmp_path)
        if message["type"] == "error" or message.get("subType") == "fatal"
        if not HTMX_ATTRIBUTE.match(message.get("message", ""))
    ]
    assert not errors, describe(errors)
