"""/healthz: does this web process reach the database, and does the background worker take its tasks?

200 {"database": "ok", "worker": ...} while the database answers, whatever the
worker's state: the load balancer keeps sending pages, which need no worker.
503 {"database": "unavailable"} when it does not. Two queries, no login, no data.

django-tasks-db keeps no heartbeat of its workers, so the worker is judged by
its queue (the tasks not yet finished), with the limits of settings.py:

- "ok": tasks are running, or waiting less than HEALTH_TASK_WAIT_MINUTES;
- "idle": no task waits or runs, so nothing shows whether a worker is there;
- "stalled": a task has waited longer than that and none runs: no worker takes work;
- "stuck": a task has run longer than HEALTH_TASK_RUN_MINUTES: its worker
  stopped in the middle of it, or the task hangs;
- "unknown": the task table cannot be read (before the first migration).

`python -m readinglist.health` prints the same report and exits 1 unless the
database is ok and the worker ok or idle: the worker container's health check.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

PATH = "/healthz"
HEALTHY_WORKER = ("ok", "idle")


def healthz(request: HttpRequest) -> JsonResponse:
    report = check()
    response = JsonResponse(report, status=200 if report["database"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response


def check() -> dict[str, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return {"database": "unavailable"}
    return {"database": "ok", "worker": worker_status(timezone.now())}


def worker_status(now: datetime) -> str:
    # Models load once Django is set up, which `python -m readinglist.health` does first.
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    waited_too_long = now - timedelta(minutes=settings.HEALTH_TASK_WAIT_MINUTES)
    ran_too_long = now - timedelta(minutes=settings.HEALTH_TASK_RUN_MINUTES)
    no_run_after = get_date_max()  # how django-tasks-db stores "run at once"
    ready = Q(status=TaskResultStatus.READY)
    running = Q(status=TaskResultStatus.RUNNING)
    try:
        # Only unfinished tasks, which the status index finds.
        queue = DBTaskResult.objects.filter(ready | running).aggregate(
            running=Count("pk", filter=running),
            stuck=Count("pk", filter=running & Q(started_at__lt=ran_too_long)),
            due=Count("pk", filter=ready & (Q(run_after=no_run_after) | Q(run_after__lte=now))),
            overdue=Count("pk", filter=ready & Q(enqueued_at__lt=waited_too_long) & (
                Q(run_after=no_run_after) | Q(run_after__lt=waited_too_long)
            )),
        )
    except DatabaseError:
        return "unknown"
    if queue["stuck"]:
        return "stuck"
    if queue["overdue"] and not queue["running"]:
        return "stalled"
    if queue["running"] or queue["due"]:
        return "ok"
    return "idle"


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readinglist.settings")
    django.setup()
    report = check()
    print(json.dumps(report))
    return 0 if report["database"] == "ok" and report["worker"] in HEALTHY_WORKER else 1


if __name__ == "__main__":
    sys.exit(main())
