"""Every page is valid HTML for the Nu HTML checker, in both languages; htmx's hx-* attributes are the one exception."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests.a11y.conftest import VNU, SitePage, installed

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]
# The checker knows no hx-* attribute; htmx needs them, and they are all it may complain about.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “(hx|sse)-[^”]*” not allowed")


def test_every_page_is_valid_html(site, tmp_path):
    for name, spec in site.pages.items():
        for language in LANGUAGES:
            (tmp_path / f"{name}.{language}.html").write_text(render(spec, language), encoding="utf-8")
    errors = [
        message for message in run_vnu(tmp_path)
        if message["type"] == "error" or message.get("subType") == "fatal"
        if not HTMX_ATTRIBUTE.match(message.get("message", ""))
    ]
    if errors:
        pytest.fail(describe(errors), pytrace=False)


def render(spec: SitePage, language: str) -> str:
    client = Client(headers={"Accept-Language": language})
    if spec.user is not None:
        client.force_login(spec.user)
    if spec.post is not None:
        response = client.post(spec.path, spec.post)
    else:
        response = client.get(spec.path, follow=True)
    assert response.status_code in (200, 400), f"{spec.path}: {response.status_code}"
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def run_vnu(folder: Path) -> list[dict]:
    """One Java start for every file: the checker takes a few seconds to warm up, then checks fast."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("No `java` on PATH: the Nu HTML checker needs Java 17 or later (`bin/system-packages test` installs it).")
    command = [
        java, "-jar", str(installed(VNU)),
        "--errors-only", "--no-langdetect", "--skip-non-html", "--format", "json", "--stdout", str(folder),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    try:
        return json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no JSON report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}", pytrace=False)


def describe(errors: list[dict]) -> str:
    lines = ["The Nu HTML checker found errors:"]
    for error in errors:
        where = Path(error.get("url", "?")).name
        lines.append(f"  {where}:{error.get('lastLine', '?')}: {error.get('message')}")
        if extract := error.get("extract"):
            lines.append(f"      {extract.strip()[:200]}")
    return "\n".join(lines)
