"""Background tasks (django-tasks, run by `manage.py db_worker`); the work itself is in students.rounds and students.watching."""

from __future__ import annotations

from django_tasks import task

from students import rounds, watching
from students.models import Round


@task()
def run_allocation(round_id: int) -> str:
    return rounds.run_allocation(round_id).state


def enqueue_allocation(round_: Round) -> None:
    """Hand the round to the worker; its page shows the stages as they pass."""
    result = run_allocation.enqueue(round_.pk)
    Round.objects.filter(pk=round_.pk).update(task_result_id=str(result.id))


@task()
def email_watchers(watch_ids: list[int]) -> int:
    """Tell watchers by email that a place freed (students.watching)."""
    return watching.send_emails(watch_ids)
