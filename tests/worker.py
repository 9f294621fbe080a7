"""django-tasks-db's worker in a test, and what a killed one leaves behind."""

from __future__ import annotations

from datetime import datetime
from unittest import mock

from django.db.models import Model, QuerySet
from django.utils import timezone
from django_tasks.base import Task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult


def run_worker_until_idle() -> None:
    """What `db_worker --batch` runs: every task due, then back; without the worker's signal handlers.

    It closes the connection between tasks, which would end the test's transaction.
    """
    worker = db_worker.Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    )
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()


def claim(task_id: str, at: datetime | None = None) -> None:
    """What db_worker does to a task when it takes it; a worker killed then leaves it so."""
    DBTaskResult.objects.filter(pk=task_id).update(
        status=TaskResultStatus.RUNNING, started_at=at or timezone.now(), worker_ids=["killed-worker"]
    )


def task_of(holder: Model) -> DBTaskResult:
    """The task an arXiv job or a round names now (its task_result_id)."""
    holder.refresh_from_db()
    return DBTaskResult.objects.get(pk=holder.task_result_id)


def runs_of(task: Task, object_id: int) -> QuerySet[DBTaskResult]:
    """Every run of `task` for one job or round, the task's first argument."""
    return DBTaskResult.objects.filter(task_path=task.module_path, args_kwargs__args__0=object_id)
