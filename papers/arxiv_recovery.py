"""What takes up an arXiv job whose worker stopped: it is resumed, or failed after MAX_STOPS stops.

The work itself is in papers.arxiv_jobs. The tasks that run it and that check
for stopped runs (papers.tasks) call this module, and this module enqueues them.

A worker killed in the middle of a job (a deploy, the OOM killer, a lost
machine) leaves the job "running" and its DBTaskResult RUNNING, and no
worker takes either up again. django-tasks-db keeps no heartbeat, so a run
is judged by what it leaves behind (run_has_stopped):

- its task still READY: it waits for a worker, it has not stopped
  (/healthz reports a queue that nobody takes);
- its task over (FAILED, SUCCESSFUL) while the job is not: the run ended
  without finishing it, at once. A worker stopped by a second Ctrl-C
  records its SystemExit this way;
- otherwise (its task RUNNING, or no task: a command runs it, or the row
  was pruned): no sign of life for STALE_AFTER, the latest of the job's
  start, its items' done_at and its task's start.

A stopped run is resumed: a new task for the job, through
papers.tasks.enqueue_job, and run_job takes only the items still waiting;
the old task is marked FAILED, so that /healthz no longer calls the worker
stuck. After MAX_STOPS stopped runs the job is failed with a message
instead.

Who looks: `manage.py run_worker` when the worker starts; the arXiv task
before each job, and a check it schedules for the moment its job would be
stalled, rescheduled while jobs run (an idle worker runs it too); the job's
page when someone opens it.

Two recoveries may find the same job at once (two workers starting, a
worker and a page): each swaps the job's task_result_id with a conditional
UPDATE in the transaction that enqueues its new task, and the one that
finds it already swapped rolls its task back.

All of this reads django-tasks-db's rows: with another task backend (the
immediate one some tests use) there is nothing to recover, and nothing is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from papers.models import FINISHED_JOB_STATUSES, ImportJob, JobStatus

logger = logging.getLogger(__name__)


# The slowest honest silence of a run is one arXiv request that goes wrong all
# the way (papers/arxiv/client.py): 5 attempts (max_retries=4) of a 3 s throttle
# turn, a 5 s connect and a 30 s read timeout, and 4 waits of at most
# LONGEST_RETRY_AFTER (120 s): 5 × 38 + 4 × 120 = 670 s, about 11 minutes. A
# run quiet for almost twice as long has stopped; a test recomputes the bound.
STALE_MINUTES = 20
STALE_AFTER = timedelta(minutes=STALE_MINUTES)
# Longer than a request with a retry or two: the job's page says the job is quiet.
QUIET_AFTER = timedelta(minutes=2)
# A job that stopped its worker this often may be what stops it: it is failed, not resumed again.
MAX_STOPS = 3
# A scheduled check runs this long after the deadline, so that it finds the job past it.
CHECK_MARGIN = timedelta(minutes=1)

RESUMED = "resumed"
GAVE_UP = "failed"


class WorkerStopped(Exception):
    """Recorded on the task of a run that stopped (its exception class path); never raised."""



# What a run leaves behind


def queued_in_database() -> bool:
    from papers.tasks import run_arxiv_job  # papers.tasks imports this module at its top

    return isinstance(run_arxiv_job.get_backend(), DatabaseBackend)


def unfinished_jobs() -> QuerySet[ImportJob]:
    """With last_done_at, the latest of their items' done_at."""
    return ImportJob.objects.exclude(status__in=FINISHED_JOB_STATUSES).annotate(last_done_at=Max("items__done_at"))


def tasks_of(jobs: list[ImportJob]) -> dict[str, DBTaskResult]:
    """The jobs' tasks, by the id the jobs name them with; one query, none without a task."""
    ids = [job.task_result_id for job in jobs if job.task_result_id]
    return {str(task.id): task for task in DBTaskResult.objects.filter(id__in=ids)} if ids else {}


def last_sign_of_life(job: ImportJob, task: DBTaskResult | None) -> datetime:
    """Needs job.last_done_at (unfinished_jobs, or annotated alike)."""
    times = [job.created_at, job.started_at, job.last_done_at, task.started_at if task else None]
    return max(time for time in times if time is not None)


def run_has_stopped(job: ImportJob, task: DBTaskResult | None, now: datetime) -> bool:
    if task is not None and task.status == TaskResultStatus.READY:
        return False
    if task is not None and task.status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL):
        return True
    return last_sign_of_life(job, task) < now - STALE_AFTER


def stopped_runs(job_id: int) -> int:
    """The job's tasks that ended without finishing it."""
    from papers.tasks import run_arxiv_job  # papers.tasks imports this module at its top

    return DBTaskResult.objects.filter(
        task_path=run_arxiv_job.module_path, args_kwargs__args__0=job_id, status=TaskResultStatus.FAILED
    ).count()


# Recovery


def recover_stalled_jobs(now: datetime | None = None) -> dict[int, str]:
    """Resume or fail every job whose run has stopped: job id -> RESUMED or GAVE_UP."""
    if not queued_in_database():
        return {}
    now = now or timezone.now()
    jobs = list(unfinished_jobs())
    tasks = tasks_of(jobs)
    recovered = {}
    for job in jobs:
        action = recover(job, tasks.get(job.task_result_id), now)
        if action is not None:
            recovered[job.pk] = action
    return recovered


def recover(job: ImportJob, task: DBTaskResult | None, now: datetime) -> str | None:
    """None when the run goes on, or when another recovery took the job up first."""
    from papers.tasks import enqueue_job  # papers.tasks imports this module at its top

    if not run_has_stopped(job, task, now):
        return None
    with transaction.atomic():
        if task is not None:
            _mark_stopped(task, job, now)
        stops = stopped_runs(job.pk)
        action = GAVE_UP if stops >= MAX_STOPS else RESUMED
        taken = _fail(job, stops, now) if action == GAVE_UP else enqueue_job(job, replacing=job.task_result_id)
        if not taken:
            transaction.set_rollback(True)
            return None
    logger.warning(
        "arXiv job %s: its run stopped (no sign of life since %s, task %s); %s after %d stopped runs",
        job.pk, last_sign_of_life(job, task).isoformat(), task.status if task else "none", action, stops,
    )
    return action


def _mark_stopped(task: DBTaskResult, job: ImportJob, now: datetime) -> None:
    """A RUNNING task only: its worker, if it lives after all, overwrites this when it ends."""
    DBTaskResult.objects.filter(pk=task.pk, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        return_value=None,
        exception_class_path=f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}",
        traceback=(
            f"WorkerStopped: arXiv job #{job.pk} showed no sign of life since "
            f"{last_sign_of_life(job, task).isoformat()}; the job was taken up again.\n"
        ),
    )


def _fail(job: ImportJob, stops: int, now: datetime) -> bool:
    error = ngettext(
        "The background worker stopped %(count)d time during this job, so it was not resumed again; "
        "the papers still waiting were not imported.",
        "The background worker stopped %(count)d times during this job, so it was not resumed again; "
        "the papers still waiting were not imported.",
        stops,
    ) % {"count": stops}
    jobs = ImportJob.objects.filter(pk=job.pk, task_result_id=job.task_result_id).exclude(status__in=FINISHED_JOB_STATUSES)
    return bool(jobs.update(status=JobStatus.FAILED, finished_at=now, error=error))


# The check that an idle worker runs


def next_stall_deadline() -> datetime | None:
    """When the earliest run that may stop would count as stopped; None when no job runs."""
    if not queued_in_database():
        return None
    jobs = list(unfinished_jobs())
    tasks = tasks_of(jobs)
    deadlines = [
        last_sign_of_life(job, tasks.get(job.task_result_id)) + STALE_AFTER + CHECK_MARGIN
        for job in jobs
        if getattr(tasks.get(job.task_result_id), "status", None) != TaskResultStatus.READY
    ]
    return min(deadlines, default=None)


def schedule_stall_check(at: datetime | None) -> None:
    """A check at `at`, unless one is already due about then (two at once do no harm, only double the work)."""
    from papers.tasks import check_stalled_arxiv_jobs  # papers.tasks imports this module at its top

    if at is None or not queued_in_database():
        return
    at = max(at, timezone.now())
    pending = DBTaskResult.objects.filter(
        task_path=check_stalled_arxiv_jobs.module_path, status=TaskResultStatus.READY, run_after__lte=at + CHECK_MARGIN
    )
    if not pending.exists():
        check_stalled_arxiv_jobs.using(run_after=at).enqueue()


# What the job's page says


@dataclass(frozen=True, slots=True)
class JobWatch:
    recovered: str | None  # RESUMED or GAVE_UP, when this look found the run stopped
    stops: int  # the job's runs that stopped before it was done
    last_sign_of_life: datetime
    quiet: bool  # running, with no sign of life for QUIET_AFTER


def watch_job(job_id: int, now: datetime | None = None) -> JobWatch | None:
    """Recovers the job if its run stopped; None once it is finished."""
    if not queued_in_database():
        return None
    now = now or timezone.now()
    job = unfinished_jobs().filter(pk=job_id).first()
    if job is None:
        return None
    task = tasks_of([job]).get(job.task_result_id)
    recovered = recover(job, task, now)
    life = last_sign_of_life(job, task)
    return JobWatch(
        recovered=recovered,
        stops=stopped_runs(job.pk),
        last_sign_of_life=life,
        quiet=recovered is None and job.status == JobStatus.RUNNING and life < now - QUIET_AFTER,
    )


def stalled_job_ids(jobs: list[ImportJob], now: datetime | None = None) -> set[int]:
    """The jobs of a list whose run has stopped, not yet taken up; jobs with last_done_at.

    Running jobs quiet for STALE_AFTER only, so the tasks are read (one query)
    only when one is.
    """
    if not queued_in_database():
        return set()
    now = now or timezone.now()
    quiet = [
        job for job in jobs
        if job.status == JobStatus.RUNNING and last_sign_of_life(job, None) < now - STALE_AFTER
    ]
    if not quiet:
        return set()
    tasks = tasks_of(quiet)
    return {job.pk for job in quiet if run_has_stopped(job, tasks.get(job.task_result_id), now)}
