"""The README lists every variable the settings read, and .env.example passes `check --deploy`."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

from django.conf import settings

ROOT = settings.BASE_DIR
ENV_READ = re.compile(r'env_(?:str|bool|int|list|header)\(\s*"([A-Z_]+)"')


def variables_read_by_settings() -> set[str]:
    return set(ENV_READ.findall((ROOT / "readinglist" / "settings.py").read_text(encoding="utf-8")))


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_the_readme_lists_every_variable_the_settings_read():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Production settings", 1)[1]
    assert {"SECURE_SSL_REDIRECT", "CLIENT_IP_HEADER", "DATABASE_URL"} <= variables_read_by_settings()
    missing = {name for name in variables_read_by_settings() if f"`{name}`" not in section}
    assert not missing


def test_env_example_names_only_variables_the_settings_read():
    assert set(env_example()) - variables_read_by_settings() == set()


def test_env_example_is_a_clean_production_configuration():
    env = {**env_example(), "SECRET_KEY": secrets.token_urlsafe(50), "DATABASE_URL": "sqlite:///unused.sqlite3", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
