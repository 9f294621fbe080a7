"""Background tasks (django-tasks, run by `manage.py run_worker`).

The work itself is in papers.arxiv_jobs; what takes up an arXiv job whose
worker stopped, which these tasks call and which enqueues them, is in
papers.arxiv_recovery.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from papers import arxiv_jobs, arxiv_recovery
from papers.models import FINISHED_JOB_STATUSES, ImportJob, JobStatus


@task()
def run_arxiv_job(job_id: int) -> str:
    arxiv_recovery.recover_stalled_jobs()
    arxiv_recovery.schedule_stall_check(timezone.now() + arxiv_recovery.STALE_AFTER + arxiv_recovery.CHECK_MARGIN)
    return arxiv_jobs.run_job(job_id).status


@task()
def check_stalled_arxiv_jobs() -> dict[str, str]:
    recovered = arxiv_recovery.recover_stalled_jobs()
    arxiv_recovery.schedule_stall_check(arxiv_recovery.next_stall_deadline())
    return {str(job_id): action for job_id, action in recovered.items()}


@task()
def fetch_recent_arxiv() -> dict[str, dict[str, object]]:
    report = arxiv_jobs.fetch_recent_papers()
    return {"stored": report.stored, "errors": report.errors}


def enqueue_job(job: ImportJob, replacing: str | None = None) -> bool:
    """Hand the job to the worker; its page shows the progress.

    replacing: the task_result_id the job had when its run was found stopped.
    Should it have changed since (another recovery), nothing is enqueued and
    the answer is False.
    """
    if not arxiv_recovery.queued_in_database():
        # A backend that runs the task at once runs it here, outside a transaction (the arXiv throttle refuses one).
        result = run_arxiv_job.enqueue(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
        return True
    with transaction.atomic():
        # In the transaction, the worker sees the task only once the job names it.
        result = run_arxiv_job.enqueue(job.pk)
        jobs = ImportJob.objects.filter(pk=job.pk)
        if replacing is not None:
            jobs = jobs.filter(task_result_id=replacing).exclude(status__in=FINISHED_JOB_STATUSES)
        if not jobs.update(task_result_id=str(result.id), status=JobStatus.QUEUED):
            transaction.set_rollback(True)
            return False
    return True
