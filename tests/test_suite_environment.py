"""The suite runs where it says it runs: CI sets DATABASE_URL and must really reach PostgreSQL."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_the_one_configured():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
