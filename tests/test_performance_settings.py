"""Settings that decide how fast the site answers: PostgreSQL's JIT, and gunicorn's workers (gunicorn.conf.py)."""

import json
import os
import runpy
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

GUNICORN_CONF = settings.BASE_DIR / "gunicorn.conf.py"
GUNICORN_VARIABLES = ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "PORT")


PRINT_OPTIONS = "import json, readinglist.settings as s; print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"


def database_options(**env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_OPTIONS],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", **env}, capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


def test_postgresql_connections_start_with_jit_off():
    options = database_options(DATABASE_URL="postgres://user@db.example/readinglist")
    assert options["options"] == "-c jit=off"


def test_jit_off_joins_the_options_given_in_the_database_url():
    options = database_options(DATABASE_URL="postgres://user@db.example/readinglist?options=-c%20statement_timeout%3D5000")
    assert options["options"] == "-c statement_timeout=5000 -c jit=off"


def test_postgres_jit_leaves_the_servers_setting():
    options = database_options(DATABASE_URL="postgres://user@db.example/readinglist", POSTGRES_JIT="1")
    assert "options" not in options


def test_a_bad_postgres_jit_value_fails_loudly():
    with pytest.raises(subprocess.CalledProcessError) as failure:
        database_options(DATABASE_URL="postgres://user@db.example/readinglist", POSTGRES_JIT="sometimes")
    assert "POSTGRES_JIT must be a boolean" in failure.value.stderr


def test_sqlite_has_no_jit_to_turn_off():
    assert "options" not in database_options(DATABASE_URL="sqlite:////tmp/readinglist.sqlite3")


@pytest.mark.django_db
def test_the_suites_own_connection_runs_as_configured():
    """On PostgreSQL (CI's first pass) the server itself says JIT is off; SQLite has no such option."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
    else:
        assert "options" not in settings.DATABASES["default"]["OPTIONS"]


def gunicorn_config(monkeypatch, *, cores: int = 2, **env: str) -> dict:
    for name in GUNICORN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_defaults_to_two_sync_workers_per_core_and_one_more(monkeypatch):
    config = gunicorn_config(monkeypatch, cores=2)
    assert (config["workers"], config["threads"], config["worker_class"]) == (5, 1, "sync")
    assert config["timeout"] == 60
    assert config["bind"] == ["0.0.0.0:8000"]


def test_gunicorn_caps_the_default_workers_on_a_big_machine(monkeypatch):
    assert gunicorn_config(monkeypatch, cores=64)["workers"] == 12


def test_web_concurrency_sets_the_workers_even_past_the_cap(monkeypatch):
    assert gunicorn_config(monkeypatch, cores=64, WEB_CONCURRENCY="20")["workers"] == 20
    assert gunicorn_config(monkeypatch, cores=2, WEB_CONCURRENCY="1")["workers"] == 1


def test_threads_switch_gunicorn_to_gthread_workers(monkeypatch):
    config = gunicorn_config(monkeypatch, GUNICORN_THREADS="4")
    assert (config["threads"], config["worker_class"]) == (4, "gthread")


def test_timeout_and_port_come_from_the_environment(monkeypatch):
    config = gunicorn_config(monkeypatch, GUNICORN_TIMEOUT="120", PORT="9000")
    assert config["timeout"] == 120
    assert config["bind"] == ["0.0.0.0:9000"]


@pytest.mark.parametrize(("name", "value"), [("WEB_CONCURRENCY", "many"), ("GUNICORN_THREADS", "0"), ("PORT", "-1")])
def test_a_bad_gunicorn_value_stops_the_start_naming_the_variable(monkeypatch, name, value):
    with pytest.raises(SystemExit, match=name):
        gunicorn_config(monkeypatch, **{name: value})


def test_gunicorn_reads_the_config_file_as_its_own_settings():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "--print-config", "readinglist.wsgi"],
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "2", "PORT": "8123"},
        capture_output=True, text=True, cwd=settings.BASE_DIR, check=True,
    )
    printed = {
        name.strip(): value.strip()
        for name, value in (line.split(" = ", 1) for line in result.stdout.splitlines() if " = " in line)
    }
    assert (printed["workers"], printed["threads"], printed["worker_class"]) == ("3", "2", "gthread")
    assert printed["bind"] == "['0.0.0.0:8123']"


def test_the_image_and_compose_start_gunicorn_with_the_config_file():
    assert '"gunicorn", "-c", "gunicorn.conf.py", "readinglist.wsgi"' in (settings.BASE_DIR / "Dockerfile").read_text()
    assert "gunicorn -c gunicorn.conf.py readinglist.wsgi" in (settings.BASE_DIR / "docker-compose.yml").read_text()
