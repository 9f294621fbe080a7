"""The product's settings, served with the bare baseline pages beside it (bench/urls.py). Only `make bench` uses this."""

import os
import tempfile
from pathlib import Path

from readinglist.settings import *  # noqa: F403
from readinglist.settings import BASE_DIR, STORAGES, TEMPLATES

ROOT_URLCONF = "bench.urls"

# The product's templates first, then bench/templates for the bare pages.
TEMPLATES = [{**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]}]

# Plain static storage: no collectstatic manifest is needed to render the pages, and no static file is
# asked for; an empty STATIC_ROOT keeps WhiteNoise quiet.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
STATIC_ROOT = Path(os.environ.get("BENCH_STATIC_ROOT", Path(tempfile.gettempdir()) / "readinglist-bench-static"))
