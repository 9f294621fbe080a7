"""How the busiest pages cost as lists grow: time per request and peak memory, as ratios.

Runs against a throwaway SQLite file; machines here are shared and noisy,
so compare the ratios printed in one run, not absolute seconds.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DATABASE = Path(tempfile.gettempdir()) / f"readinglist-bench-{os.getpid()}.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglist.settings")
os.environ.setdefault("DEBUG", "1")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per login from django-axes
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from papers.models import Category, Entry, Level, Paper, Topic  # noqa: E402
from students import claims  # noqa: E402
from students.models import Enrollment, ReadingProgress, ReadingStatus, Role  # noqa: E402

REPEATS = 15


def build_topic(slug: str, papers: int, students: int) -> tuple[Topic, object, object]:
    topic = Topic.objects.create(slug=slug, title=slug)
    Paper.objects.bulk_create(
        Paper(title=f"{slug} paper {i}", url=f"https://example.org/{slug}/{i}", short_name=f"P{i}") for i in range(papers)
    )
    paper_ids = Paper.objects.filter(url__startswith=f"https://example.org/{slug}/").values_list("pk", flat=True)
    Entry.objects.bulk_create(
        Entry(topic=topic, paper_id=paper_id, position=i, level=Level.INTRO if i % 3 == 0 else Level.ADVANCED)
        for i, paper_id in enumerate(paper_ids)
    )
    information = Category.objects.create(topic=topic, name="辅助信息", position=0)
    task = Category.objects.create(topic=topic, name="辅助任务", position=1)
    Entry.categories.through.objects.bulk_create(
        Entry.categories.through(entry_id=entry.pk, category_id=(information if entry.position % 2 == 0 else task).pk)
        for entry in topic.entries.filter(level=Level.ADVANCED)
    )
    User = get_user_model()
    people = User.objects.bulk_create(User(username=f"{slug}-s{i}") for i in range(students))
    Enrollment.objects.bulk_create(Enrollment(topic=topic, user=user, role=Role.STUDENT) for user in people)
    mentor = User.objects.create(username=f"{slug}-mentor", is_staff=True)
    Enrollment.objects.create(topic=topic, user=mentor, role=Role.MENTOR)
    entries = list(topic.entries.all())
    ReadingProgress.objects.bulk_create(
        ReadingProgress(student=user, entry=entry, status=ReadingStatus.DONE)
        for user in people for entry in entries[:: max(1, len(entries) // 10)]
    )
    advanced = [entry for entry in entries if entry.level == Level.ADVANCED]
    for user, entry in zip(people[1:], advanced):
        claims.claim(user, entry)
    return topic, people[0], mentor


def measure(client: Client, url: str) -> tuple[float, int, int]:
    client.get(url)  # warm caches and templates
    timings = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(timings), peak, len(queries)


def main() -> int:
    call_command("migrate", verbosity=0)
    print(f"Pages, median of {REPEATS} requests each (SQLite file, one process)")
    print(f"{'page':<22}{'size':>6}{'ms':>9}{'peak KiB':>10}{'queries':>9}{'time ×':>8}{'mem ×':>7}")
    small_topic, small_student, small_mentor = build_topic("small", papers=10, students=5)
    large_topic, large_student, large_mentor = build_topic("large", papers=500, students=200)
    pages = [("topic page", lambda topic: f"/topics/{topic.slug}/", "student")]
    try:
        from django.urls import reverse

        reverse("mentor_dashboard", args=["x"])
        pages.append(("mentor dashboard", lambda topic: reverse("mentor_dashboard", args=[topic.slug]), "mentor"))
        reverse("mentor_grid", args=["x"])
        pages.append(("students × papers grid", lambda topic: reverse("mentor_grid", args=[topic.slug]), "mentor"))
    except Exception:  # noqa: BLE001 - pages not built yet are simply not measured
        pass
    failures = 0
    for name, url_for, persona in pages:
        results = []
        for topic, student, mentor, size in (
            (small_topic, small_student, small_mentor, "small"),
            (large_topic, large_student, large_mentor, "large"),
        ):
            client = Client()
            client.force_login(student if persona == "student" else mentor)
            results.append((size, *measure(client, url_for(topic))))
        (_, small_t, small_m, small_q), (_, large_t, large_m, large_q) = results
        for size, seconds, peak, queries in results:
            print(f"{name:<22}{size:>6}{seconds * 1000:>9.1f}{peak / 1024:>10.0f}{queries:>9}", end="")
            print(f"{large_t / small_t:>8.1f}{large_m / small_m:>7.1f}" if size == "large" else "")
        if small_q != large_q:
            print(f"  ! {name}: {small_q} queries small, {large_q} large")
            failures += 1
    print("small: 10 papers, 5 students; large: 500 papers, 200 students. Queries must not grow.")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        connection.close()
        DATABASE.unlink(missing_ok=True)
