import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command


def load_settings(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import readinglist.settings"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_placeholder_secret_key():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is the development placeholder" in result.stderr


def test_production_starts_with_a_real_secret_key():
    assert load_settings(DEBUG="0", SECRET_KEY="a-real-secret").returncode == 0


def test_bad_boolean_fails_loudly():
    result = load_settings(DEBUG="maybe")
    assert "DEBUG must be a boolean" in result.stderr


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_development(settings):
    settings.DEMO_ACCOUNTS_ALLOWED = False
    with pytest.raises(CommandError, match="only in development"):
        call_command("setup_demo")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_demo_setup_loads_the_programme_once_and_creates_accounts(settings, capsys):
    from django.contrib.auth import get_user_model

    from papers.models import Entry, Topic
    from students.models import Enrollment

    settings.DEMO_ACCOUNTS_ALLOWED = True
    call_command("setup_demo")
    call_command("setup_demo")
    assert Topic.objects.count() == 11  # topic 2 and the ten pages the project ships
    assert Entry.objects.filter(topic__slug="02-auxiliary").count() == 38
    assert get_user_model().objects.count() == 6
    assert get_user_model().objects.get(username="student1").check_password("student-demo")
    # student4 is in no topic: the catalogue is their home page, and 24-mot is open to join there.
    assert not Enrollment.objects.filter(user__username="student4").exists()
    assert Topic.objects.get(slug="24-mot").enrollment_mode == "open"
    mentored = Enrollment.objects.filter(user__username="mentor", role="mentor").values_list("topic__slug", flat=True)
    assert sorted(mentored) == ["02-auxiliary", "24-mot"]
    output = capsys.readouterr().out
    assert "student1" in output and "11 loaded" in output and "11 already there" in output


def test_manage_py_runs_in_development_without_configuration():
    from django.conf import settings

    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check"],
        env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
