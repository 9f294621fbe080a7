"""What takes up the students' background tasks (students.tasks) whose worker stopped.

A worker killed in the middle of a task (a deploy, the OOM killer) leaves its
DBTaskResult RUNNING for ever: /healthz says "stuck", and a round stays
"allocating", which its manager cannot run again. django-tasks-db keeps no
heartbeat, so, as for arXiv jobs (papers.arxiv_recovery), a run is judged by
what it leaves behind. An allocation (a round allocating, its stage not
failed) has stopped when

- its task is over (FAILED, SUCCESSFUL) while the round still waits: at once.
  A worker stopped by a second Ctrl-C records its SystemExit this way;
- its task is RUNNING, or it has none (a request or the cron command ran it
  in its own process): after STALE_AFTER without a sign of life, the latest
  of the allocation's start and its task's.

A task READY waits for a worker: it has not stopped (/healthz reports a queue
that nobody takes). A stopped allocation is queued again, which is safe:
run_allocation computes the draft of a round still allocating from scratch
and leaves any other round alone, so a run that was only slow and the new one
do each other no harm. After MAX_STOPS stops it is failed with a message
instead, and its manager runs it again.

The watch list's emails (email_watchers) RUNNING after STALE_AFTER are not
sent again: some may have gone before the worker stopped, and every watcher
is told on their pages anyway, so an email missing costs less than one twice.
The task of a round cancelled while its worker was dead goes the same way:
no round waits for it.

Either way the stopped task is marked FAILED, so that /healthz no longer calls
the worker stuck; a worker that was only slow overwrites that when it ends.

Who looks: `manage.py run_worker` when the worker starts; a round's page when
its manager opens it (and while it polls).

Two recoveries may find the same round at once (two workers starting, a worker
and a page): each swaps the round's task_result_id with a conditional UPDATE
in the transaction that enqueues its new task (tasks.enqueue_allocation), and
the one that finds it already swapped rolls its task back.

All of this reads django-tasks-db's rows: with another task backend (the
immediate one some tests use) there is nothing to recover, and nothing is.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from students import tasks
from students.models import AllocationStage, Round, RoundState

logger = logging.getLogger(__name__)

# An allocation takes well under a second (1,000 students ranking 70 topics;
# bench/allocation_bench.py allows it 5 s) and waits for nothing but the
# round's row, which a manager's move or publication holds for seconds at most.
# A freeing's emails go over one SMTP connection whose every step fails the
# task after EMAIL_TIMEOUT (30 s unless set). Ten minutes is 120 times the
# slowest allocation allowed, and twenty steps each at the edge of its timeout:
# a run that long has stopped.
STALE_MINUTES = 10
STALE_AFTER = timedelta(minutes=STALE_MINUTES)
# A run of a second that stopped its worker twice is likelier the cause than a victim: failed, not queued again.
MAX_STOPS = 2

RESUMED = "resumed"
GAVE_UP = "failed"


class WorkerStopped(Exception):
    """Recorded on the task of a run that stopped (its exception class path); never raised."""


def queued_in_database() -> bool:
    return isinstance(tasks.run_allocation.get_backend(), DatabaseBackend)


# Allocations


def recover_stopped_allocations(now: datetime | None = None) -> dict[int, str]:
    """Queue again, or fail, every allocation whose run has stopped: round id -> RESUMED or GAVE_UP.

    A query per round allocating: there are hardly ever more than one or two.
    """
    if not queued_in_database():
        return {}
    recovered = {}
    for round_ in Round.objects.filter(state=RoundState.ALLOCATING).exclude(allocation_stage=AllocationStage.FAILED):
        action = recover_allocation(round_, now)
        if action is not None:
            recovered[round_.pk] = action
    return recovered


def recover_allocation(round_: Round, now: datetime | None = None) -> str | None:
    """RESUMED or GAVE_UP when the round's run had stopped; None when it goes on, or another recovery was first."""
    if round_.state != RoundState.ALLOCATING or round_.allocation_stage == AllocationStage.FAILED:
        return None
    if not queued_in_database():
        return None
    now = now or timezone.now()
    task = DBTaskResult.objects.filter(pk=round_.task_result_id).first() if round_.task_result_id else None
    if not run_has_stopped(round_, task, now):
        return None
    life = last_sign_of_life(round_, task).isoformat()
    with transaction.atomic():
        if task is not None:
            _mark_stopped(task, now, f"the allocation of round #{round_.pk} showed no sign of life since {life}")
        stops = stopped_runs(round_)
        action = GAVE_UP if stops >= MAX_STOPS else RESUMED
        taken = _fail(round_, stops) if action == GAVE_UP else tasks.enqueue_allocation(round_, replacing=round_.task_result_id)
        if not taken:
            transaction.set_rollback(True)
            return None
    logger.warning(
        "allocation of round %s: its run stopped (no sign of life since %s, task %s); %s after %d stopped runs",
        round_.pk, life, task.status if task else "none", action, stops,
    )
    return action


def last_sign_of_life(round_: Round, task: DBTaskResult | None) -> datetime:
    times = [allocation_started(round_), task.started_at if task else None]
    return max(time for time in times if time is not None)


def allocation_started(round_: Round) -> datetime:
    # A round allocating since before allocation_started_at was recorded counts from its opening.
    return round_.allocation_started_at or round_.created_at


def run_has_stopped(round_: Round, task: DBTaskResult | None, now: datetime) -> bool:
    if task is not None and task.status == TaskResultStatus.READY:
        return False
    if task is not None and task.status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL):
        return True
    return last_sign_of_life(round_, task) < now - STALE_AFTER


def stopped_runs(round_: Round) -> int:
    """The round's tasks that ended without its draft since its allocation started (one that fails marks the round failed)."""
    return DBTaskResult.objects.filter(
        task_path=tasks.run_allocation.module_path,
        args_kwargs__args__0=round_.pk,
        status=TaskResultStatus.FAILED,
        enqueued_at__gte=allocation_started(round_),
    ).count()


def _fail(round_: Round, stops: int) -> bool:
    error = ngettext(
        "The background worker stopped %(count)d time during this allocation, so it was not queued again: "
        "run it again.",
        "The background worker stopped %(count)d times during this allocation, so it was not queued again: "
        "run it again.",
        stops,
    ) % {"count": stops}
    waiting = Round.objects.filter(pk=round_.pk, state=RoundState.ALLOCATING, task_result_id=round_.task_result_id)
    return bool(
        waiting.exclude(allocation_stage=AllocationStage.FAILED).update(
            allocation_stage=AllocationStage.FAILED, allocation_error=error
        )
    )


# Tasks no round waits for: the watch list's emails, the task of a round cancelled meanwhile


def fail_stale_tasks(now: datetime | None = None) -> list[DBTaskResult]:
    """Mark failed, never to run again, the students' tasks RUNNING for STALE_AFTER.

    Run after recover_stopped_allocations, which takes up the tasks of the rounds still waiting.
    """
    if not queued_in_database():
        return []
    now = now or timezone.now()
    stale = DBTaskResult.objects.filter(
        task_path__in=[tasks.email_watchers.module_path, tasks.run_allocation.module_path],
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - STALE_AFTER,
    ).order_by("started_at")
    failed = []
    for task in stale:
        if _mark_stopped(task, now, f"{task.task_path} showed no sign of life since {task.started_at.isoformat()}"):
            logger.warning("task %s (%s): its worker stopped; marked failed, not run again", task.pk, task.task_path)
            failed.append(task)
    return failed


def _mark_stopped(task: DBTaskResult, now: datetime, what: str) -> bool:
    """A RUNNING task only: its worker, if it lives after all, overwrites this when it ends."""
    return bool(
        DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}",
            traceback=f"WorkerStopped: {what}; its worker is taken for stopped.\n",
        )
    )
