"""docker-compose.yml is valid for Compose, and its health checks ask what /healthz and readinglist.health answer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml
from django.conf import settings

COMPOSE_FILE = settings.BASE_DIR / "docker-compose.yml"


def compose_command() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    if legacy := shutil.which("docker-compose"):
        return [legacy]
    pytest.fail("Neither `docker compose` nor `docker-compose` is installed: `bin/system-packages test` installs it.")


def compose_config(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*compose_command(), "--file", str(COMPOSE_FILE), "config"],
        env={"PATH": os.environ["PATH"], **env}, capture_output=True, text=True,
    )


@pytest.fixture(scope="module")
def services() -> dict:
    result = compose_config(SECRET_KEY="compose-test-only")
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)["services"]


def test_compose_refuses_to_start_without_a_secret_key():
    result = compose_config()
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_web_and_worker_read_the_production_settings(services):
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert environment["DEBUG"] == "0"
        assert environment["SECURE_SSL_REDIRECT"] == "1"
        assert environment["SECURE_PROXY_SSL_HEADER"] == "HTTP_X_FORWARDED_PROTO"
        assert environment["CLIENT_IP_HEADER"] == "HTTP_X_FORWARDED_FOR"


@pytest.mark.django_db(transaction=True)
def test_the_web_health_check_asks_healthz(services, live_server):
    check = services["web"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"] and "/healthz" in check[3]
    # The same one-liner, against a server of this suite instead of the container's.
    script = check[3].replace("http://127.0.0.1:8000", live_server.url)
    assert script != check[3]
    assert subprocess.run([sys.executable, "-c", script], capture_output=True).returncode == 0


def test_the_worker_health_check_is_readinglist_health(services):
    assert services["worker"]["healthcheck"]["test"] == ["CMD", "python", "-m", "readinglist.health"]
    assert (settings.BASE_DIR / "readinglist" / "health.py").exists()
