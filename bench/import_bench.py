"""How long importing the programme's pages takes: into an empty database, then again unchanged.

Run: .venv/bin/python bench/import_bench.py   (part of `make bench`)
The pages are the ones `make run` loads (papers/data/topics/: topic 2 and ten
more). Each page imports in its own transaction through import_reading_list's
code path; the queries of each page are counted. Target: under 5 s for each
pass on SQLite, and queries bounded per page, not per entry. Exits with status
1 when a target is missed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = Path(tempfile.gettempdir()) / f"readinglist-import-bench-{os.getpid()}.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglist.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from papers.models import Entry, Material, Paper, Topic  # noqa: E402
from papers.reading_lists import import_file  # noqa: E402

PAGES = sorted((ROOT / "papers" / "data" / "topics").glob("*.md"))
TARGET_SECONDS = 5.0
# Bulk writes, not one per entry: SQLite's batches of about 40 rows are the only growth.
MAX_QUERIES_PER_PAGE = 40


def import_all() -> tuple[float, dict[str, int], list[str]]:
    queries, errors = {}, []
    start = time.perf_counter()
    for page in PAGES:
        with CaptureQueriesContext(connection) as captured:
            outcome = import_file(page.name, page.read_bytes())
        queries[page.stem] = len(captured)
        if outcome.error:
            errors.append(outcome.error)
    return time.perf_counter() - start, queries, errors


def main() -> int:
    call_command("migrate", verbosity=0)
    first, first_queries, errors = import_all()
    papers, entries, materials = Paper.objects.count(), Entry.objects.count(), Material.objects.count()
    again, again_queries, errors_again = import_all()
    print(f"Import of {len(PAGES)} topic pages (SQLite file, one process): {Topic.objects.count()} topics, "
          f"{papers} papers, {entries} entries, {materials} materials")
    print(f"{'page':<20}{'entries':>8}{'queries, empty db':>19}{'queries, again':>16}")
    counts = dict(Entry.objects.values_list("topic__slug").annotate(count=django.db.models.Count("pk")).values_list("topic__slug", "count"))
    for page in PAGES:
        print(f"{page.stem:<20}{counts.get(page.stem, 0):>8}{first_queries[page.stem]:>19}{again_queries[page.stem]:>16}")
    print(f"into an empty database: {first:.2f} s; again, unchanged: {again:.2f} s (target: under {TARGET_SECONDS:.0f} s each)")
    failures = errors + errors_again
    if max(first, again) >= TARGET_SECONDS:
        failures.append(f"an import took {max(first, again):.2f} s")
    if max([*first_queries.values(), *again_queries.values()]) > MAX_QUERIES_PER_PAGE:
        failures.append(f"a page took more than {MAX_QUERIES_PER_PAGE} queries")
    if (papers, entries) != (Paper.objects.count(), Entry.objects.count()):
        failures.append("importing the same pages again changed the catalogue")
    for failure in failures:
        print(f"  ! {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        connection.close()
        DATABASE.unlink(missing_ok=True)
