"""Background tasks (django-tasks, run by `manage.py run_worker`); the work itself is in students.rounds and students.watching.

What takes up these tasks when their worker stopped, and calls enqueue_allocation to do it, is students.task_recovery.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from students import rounds, watching
from students.models import AllocationStage, Round, RoundState


@task()
def run_allocation(round_id: int) -> str:
    return rounds.run_allocation(round_id).state


def enqueue_allocation(round_: Round, replacing: str | None = None) -> bool:
    """Hand the round to the worker; its page shows the stages as they pass.

    replacing: the task_result_id the round had when its run was found stopped.
    Should the round have changed since (another recovery, a manager), nothing is
    enqueued and the answer is False.
    """
    with transaction.atomic():
        # In the transaction, the worker sees the task only once the round names it.
        result = run_allocation.enqueue(round_.pk)
        waiting, changes = Round.objects.filter(pk=round_.pk), {"task_result_id": str(result.id)}
        if replacing is not None:
            waiting = waiting.filter(state=RoundState.ALLOCATING, task_result_id=replacing).exclude(
                allocation_stage=AllocationStage.FAILED
            )
            changes["allocation_stage"] = AllocationStage.QUEUED
        if not waiting.update(**changes):
            transaction.set_rollback(True)
            return False
    return True


@task()
def email_watchers(watch_ids: list[int]) -> int:
    """Tell watchers by email that a place freed (students.watching)."""
    return watching.send_emails(watch_ids)
