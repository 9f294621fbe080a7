"""Background tasks (django-tasks, run by `manage.py db_worker`); the work itself is in papers.arxiv_jobs."""

from __future__ import annotations

from django_tasks import task

from papers import arxiv_jobs
from papers.models import ImportJob


@task()
def run_arxiv_job(job_id: int) -> str:
    return arxiv_jobs.run_job(job_id).status


@task()
def fetch_recent_arxiv() -> dict[str, dict[str, object]]:
    report = arxiv_jobs.fetch_recent_papers()
    return {"stored": report.stored, "errors": report.errors}


def enqueue_job(job: ImportJob) -> None:
    """Hand the job to the worker; its page shows the progress."""
    result = run_arxiv_job.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_result_id=str(result.id))
