"""Security headers on every page, no inline script or style anywhere, and `check --deploy` clean in production."""

from __future__ import annotations

import secrets
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.a11y.conftest import SitePage, build_site

MANAGE_PY = str(settings.BASE_DIR / "manage.py")
PRODUCTION = {
    "PATH": "/usr/bin:/bin",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "readinglist.example.edu",
}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


@pytest.mark.django_db
def test_pages_carry_the_security_headers(client):
    response = client.get(reverse("login"))
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "https:", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_error_pages_carry_them_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_https_pages_ask_browsers_to_stay_on_https(client):
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_plain_http_is_sent_to_https_when_the_redirect_is_on(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"


@pytest.mark.django_db
def test_behind_a_tls_proxy_its_header_marks_https(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"}).status_code == 200


# Every page of the site, as rendered; the browser suite runs them under the policy (test_csp_in_browser.py).

class InlineCode(HTMLParser):
    """Script and style the Content-Security-Policy would refuse: inline scripts, style attributes and elements, on* handlers."""

    DATA_SCRIPTS = {"application/json", "application/ld+json"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in self.DATA_SCRIPTS:
            self.found.append(f"<script> without src, line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> element, line {self.getpos()[0]}")
        for name in attributes:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>, line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def render(spec: SitePage, language: str) -> str:
    client = Client(headers={"Accept-Language": language})
    if spec.user is not None:
        client.force_login(spec.user)
    response = client.post(spec.path, spec.post) if spec.post is not None else client.get(spec.path, follow=True)
    assert response.status_code in (200, 400), f"{spec.path}: {response.status_code}"
    return response.content.decode()


def test_the_checker_finds_inline_code():
    html = '<script>alert(1)</script><script type="application/json">{}</script><p style="width: 5%" onclick="x()">'
    assert len(inline_code(html)) == 3


@pytest.mark.django_db
def test_no_page_has_inline_script_or_style():
    site = build_site()
    found = {
        f"{name} ({language})": problems
        for name, spec in site.pages.items()
        for language in ("zh-hans", "en")
        if (problems := inline_code(render(spec, language)))
    }
    assert not found


@pytest.mark.django_db
def test_progress_bars_keep_their_values_without_a_style_attribute(client):
    site = build_site()
    client.force_login(site.mentor)
    html = client.get(site.pages["mentor-student"].path).content.decode()
    assert 'role="progressbar"' in html and 'aria-valuenow="' in html
    assert '<span class="fill-' in html


# Production settings

def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, MANAGE_PY, *args], env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_notices_a_weakened_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def setting(name: str, **env: str) -> subprocess.CompletedProcess:
    code = f"from django.conf import settings; import django; django.setup(); print(repr(settings.{name}))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={**PRODUCTION, "DJANGO_SETTINGS_MODULE": "readinglist.settings", **env},
    )


def test_production_defaults():
    assert setting("SECURE_SSL_REDIRECT").stdout.strip() == "True"
    assert setting("SECURE_HSTS_SECONDS").stdout.strip() == "31536000"
    assert setting("SECURE_PROXY_SSL_HEADER").stdout.strip() == "None"
    assert setting("SECURE_SSL_REDIRECT", DEBUG="1").stdout.strip() == "False"


def test_a_tls_proxy_is_configured_from_the_environment():
    assert setting("SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO").stdout.strip() == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )
    assert setting("SECURE_HSTS_SECONDS", SECURE_HSTS_SECONDS="3600").stdout.strip() == "3600"
    assert setting("SECURE_HSTS_PRELOAD", SECURE_HSTS_PRELOAD="0").stdout.strip() == "False"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto", "SECURE_PROXY_SSL_HEADER must name a request header"),
    ("CLIENT_IP_HEADER", "x_forwarded_for", "CLIENT_IP_HEADER must name a request header"),
    ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be an integer"),
    ("SECURE_HSTS_SECONDS", "-1", "SECURE_HSTS_SECONDS must be at least 0"),
    ("SECURE_SSL_REDIRECT", "sometimes", "SECURE_SSL_REDIRECT must be a boolean"),
    ("CONN_MAX_AGE", "forever", "CONN_MAX_AGE must be an integer"),
    ("LOGIN_ADDRESS_FAILURE_LIMIT", "2", "LOGIN_ADDRESS_FAILURE_LIMIT must be at least LOGIN_FAILURE_LIMIT"),
])
def test_bad_values_fail_loudly(name, value, message):
    result = setting("DEBUG", **{name: value})
    assert result.returncode != 0
    assert message in result.stderr
