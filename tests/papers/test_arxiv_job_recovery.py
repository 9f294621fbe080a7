"""A job whose worker stopped is taken up again, by the worker or its page; a job whose every paper failed is failed.

A killed worker is simulated by what it leaves behind: the job "running",
started long ago, some items still waiting, its DBTaskResult RUNNING. The
worker that takes the job up again is django-tasks-db's own, run in batch
mode against the fake arXiv.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from papers import arxiv_jobs, arxiv_recovery, tasks
from papers.arxiv.client import LONGEST_RETRY_AFTER
from papers.models import ImportJob, ImportJobItem, ItemOutcome, JobStatus, Level, Paper
from readinglist.health import worker_status
from tests.conftest import make_topic
from tests.papers.test_arxiv_fakes import FakeArxiv, fake_arxiv  # noqa: F401
from tests.races import at_once
from tests.worker import claim as claim_task
from tests.worker import run_worker_until_idle, runs_of, task_of

pytestmark = pytest.mark.django_db

IDS = ["2401.00001", "2401.00002", "2401.00003"]
LONG_AGO = timedelta(hours=2)


def import_job(topic, arxiv_ids=IDS) -> ImportJob:
    return arxiv_jobs.start_import(arxiv_ids, arxiv_jobs.ImportTarget(topic=topic, level=Level.INTRO))


def killed_job(topic, quiet_for: timedelta = LONG_AGO, done: int = 1) -> ImportJob:
    """Enqueued, claimed by a worker that did `done` items and was killed `quiet_for` ago."""
    job = import_job(topic)
    tasks.enqueue_job(job)
    job.refresh_from_db()
    then = timezone.now() - quiet_for
    claim(job, at=then)
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, created_at=then, started_at=then)
    ImportJobItem.objects.filter(job=job, position__lte=done).update(outcome=ItemOutcome.UNCHANGED, done_at=then)
    job.refresh_from_db()
    return job


def claim(job: ImportJob, at=None) -> None:
    """What db_worker does to the job's task when it takes it."""
    claim_task(job.task_result_id, at)


def job_runs(job: ImportJob):
    return runs_of(tasks.run_arxiv_job, job.pk)


def job_url(job: ImportJob) -> str:
    return reverse("arxiv_job", args=[job.pk])


# Death: what counts as a stopped run


def test_a_job_whose_worker_was_killed_is_resumed_and_asks_arxiv_only_for_its_waiting_papers(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know(*IDS)
    job = killed_job(topic)
    dead_task = task_of(job)
    assert worker_status(timezone.now()) == "stuck"

    assert arxiv_recovery.recover_stalled_jobs() == {job.pk: arxiv_recovery.RESUMED}

    dead_task.refresh_from_db()
    assert dead_task.status == TaskResultStatus.FAILED and dead_task.exception_class_path == "papers.arxiv_recovery.WorkerStopped"
    assert task_of(job).status == TaskResultStatus.READY and job.status == JobStatus.QUEUED
    assert worker_status(timezone.now()) == "ok"  # a task waits for the worker, none is stuck
    run_worker_until_idle()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and task_of(job).status == TaskResultStatus.SUCCESSFUL
    assert fake_arxiv.id_requests == [["2401.00002", "2401.00003"]]
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"2401.00002", "2401.00003"}


def test_a_job_run_by_a_command_that_died_is_given_to_the_worker(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know(*IDS)
    job = import_job(topic)  # a command runs it in its own process: no task
    then = timezone.now() - LONG_AGO
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, created_at=then, started_at=then)

    assert arxiv_recovery.recover_stalled_jobs() == {job.pk: arxiv_recovery.RESUMED}

    run_worker_until_idle()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and fake_arxiv.id_requests == [IDS]


def test_a_run_whose_task_ended_without_finishing_the_job_is_resumed_at_once(topic, fake_arxiv: FakeArxiv):
    # A worker stopped with a second Ctrl-C records SystemExit on its task and leaves the job running.
    job = killed_job(topic, quiet_for=timedelta(seconds=5))
    DBTaskResult.objects.filter(pk=job.task_result_id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now(), exception_class_path="builtins.SystemExit"
    )

    assert arxiv_recovery.recover_stalled_jobs() == {job.pk: arxiv_recovery.RESUMED}
    assert task_of(job).status == TaskResultStatus.READY


@pytest.mark.parametrize(
    "sign_of_life",
    ["an item done 5 minutes ago", "its task claimed a minute ago", "its task still waiting for a worker"],
)
def test_a_job_with_a_recent_sign_of_life_is_left_alone(topic, sign_of_life):
    job = killed_job(topic)
    if sign_of_life == "an item done 5 minutes ago":
        ImportJobItem.objects.filter(job=job, position=2).update(
            outcome=ItemOutcome.CREATED, done_at=timezone.now() - timedelta(minutes=5)
        )
    elif sign_of_life == "its task claimed a minute ago":  # a resumed run, before its first batch
        claim(job, at=timezone.now() - timedelta(minutes=1))
    else:  # no worker runs: /healthz says so, the job waits its turn
        DBTaskResult.objects.filter(pk=job.task_result_id).update(status=TaskResultStatus.READY, started_at=None)
    task_before = task_of(job)

    assert arxiv_recovery.recover_stalled_jobs() == {}

    assert task_of(job).status == task_before.status and job.status == JobStatus.RUNNING
    assert job_runs(job).count() == 1


def test_the_stale_threshold_outlasts_the_slowest_honest_request():
    # One request that goes wrong all the way: every attempt waits its throttle turn and
    # times out, and every retry waits the longest Retry-After that is waited out.
    client = arxiv_jobs.arxiv_client()
    connect, read = client.timeout
    attempts = client.max_retries + 1
    slowest = attempts * (client.throttle.interval + connect + read) + client.max_retries * LONGEST_RETRY_AFTER
    assert slowest == 670
    assert arxiv_recovery.STALE_AFTER.total_seconds() >= 1.5 * slowest


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_with_a_backend_that_runs_tasks_at_once_there_is_nothing_to_recover(client, login, admin_user, topic):
    job = import_job(topic)
    then = timezone.now() - LONG_AGO
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, created_at=then, task_result_id="immediate-id")
    login(admin_user)

    assert arxiv_recovery.recover_stalled_jobs() == {}
    assert client.get(job_url(job)).status_code == 200 and client.get(reverse("arxiv_jobs")).status_code == 200


# Too many stops


def test_a_job_that_stopped_its_worker_three_times_is_failed_with_a_message(client, login, admin_user, topic, fake_arxiv):
    job = killed_job(topic)

    actions = []
    for _ in range(arxiv_recovery.MAX_STOPS):
        actions.append(arxiv_recovery.recover_stalled_jobs().get(job.pk))
        job.refresh_from_db()
        if job.status == JobStatus.QUEUED:
            claim(job, at=timezone.now() - LONG_AGO)  # the resumed run is killed too

    assert actions == [arxiv_recovery.RESUMED, arxiv_recovery.RESUMED, arxiv_recovery.GAVE_UP]
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert job.error == (
        "The background worker stopped 3 times during this job, so it was not resumed again; "
        "the papers still waiting were not imported."
    )
    assert job_runs(job).count() == 3 and not job_runs(job).exclude(status=TaskResultStatus.FAILED).exists()
    run_worker_until_idle()
    assert fake_arxiv.id_requests == []
    login(admin_user)
    page = client.get(job_url(job)).content.decode()
    assert '<span class="badge job-failed">Failed</span>' in page and "stopped 3 times" in page
    assert "hx-trigger" not in page


# Two recoveries at once


@pytest.mark.django_db(transaction=True)
def test_two_recoveries_at_once_resume_the_job_once():
    job = killed_job(make_topic("race"))
    dead_task = task_of(job)
    outcomes = at_once([lambda: arxiv_recovery.recover_stalled_jobs().get(job.pk, "left alone")] * 4)

    assert Counter(outcomes) == {arxiv_recovery.RESUMED: 1, "left alone": 3}
    assert job_runs(job).filter(status=TaskResultStatus.READY).count() == 1
    assert task_of(job).status == TaskResultStatus.READY
    dead_task.refresh_from_db()
    assert dead_task.status == TaskResultStatus.FAILED
    assert arxiv_recovery.stopped_runs(job.pk) == 1


def test_a_slow_run_taken_for_stopped_gives_the_job_up_before_its_next_request(topic, fake_arxiv: FakeArxiv):
    wanted = [f"2401.{number:05d}" for number in range(1, 151)]
    fake_arxiv.know(*wanted)
    job = import_job(topic, wanted)

    def recovered_during_the_first_batch(done: int, total: int) -> None:
        if done == 100:
            ImportJob.objects.filter(pk=job.pk).update(task_result_id="a-newer-task", status=JobStatus.QUEUED)

    arxiv_jobs.run_job(job.pk, on_progress=recovered_during_the_first_batch)

    assert len(fake_arxiv.id_requests) == 1  # the second batch is the new run's
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and not job.finished_at
    assert job.items.filter(outcome=ItemOutcome.PENDING).count() == 50


def test_papers_another_run_wrote_while_this_one_asked_arxiv_are_left_as_it_wrote_them(topic, fake_arxiv: FakeArxiv, monkeypatch):
    fake_arxiv.know(*IDS)
    job = import_job(topic)
    fetch = fake_arxiv.client.fetch

    def fetch_while_the_other_run_writes(ids):
        result = fetch(ids)
        ImportJobItem.objects.filter(job=job, arxiv_id="2401.00002").update(
            outcome=ItemOutcome.UNCHANGED, done_at=timezone.now()
        )
        return result

    monkeypatch.setattr(fake_arxiv.client, "fetch", fetch_while_the_other_run_writes)

    arxiv_jobs.run_job(job.pk)

    item = ImportJobItem.objects.get(job=job, arxiv_id="2401.00002")
    assert item.outcome == ItemOutcome.UNCHANGED and item.paper is None
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"2401.00001", "2401.00003"}
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


# Who looks: the worker when it starts, the worker while it runs, the page


def test_run_worker_recovers_the_stopped_jobs_then_hands_over_to_db_worker(topic, monkeypatch):
    job = killed_job(topic)
    handed = {}

    def db_worker_handle(command, *args, **options):
        handed.update(options, job_status=ImportJob.objects.get(pk=job.pk).status)

    monkeypatch.setattr(db_worker.Command, "handle", db_worker_handle)
    out = StringIO()

    call_command("run_worker", "--batch", "--no-startup-delay", "--queue-name", "default", stdout=out)

    assert out.getvalue() == f"arXiv job #{job.pk}: its worker had stopped; it is queued again.\n"
    assert handed["job_status"] == JobStatus.QUEUED  # recovered before the worker took any task
    assert handed["batch"] is True and handed["startup_delay"] is False and handed["queue_name"] == "default"


def test_the_arxiv_task_takes_up_other_stopped_jobs_and_schedules_a_check_for_its_own(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know(*IDS)
    stopped = killed_job(topic)
    job = import_job(make_topic("other"), ["2401.00009"])
    fake_arxiv.know("2401.00009")

    tasks.run_arxiv_job.call(job.pk)

    assert task_of(stopped).status == TaskResultStatus.READY
    check = DBTaskResult.objects.get(task_path=tasks.check_stalled_arxiv_jobs.module_path)
    expected = timezone.now() + arxiv_recovery.STALE_AFTER + arxiv_recovery.CHECK_MARGIN
    assert check.status == TaskResultStatus.READY and abs(check.run_after - expected) < timedelta(seconds=30)


def test_the_scheduled_check_resumes_a_stopped_job_and_comes_back_while_jobs_run(topic):
    stopped = killed_job(topic)
    running = killed_job(make_topic("other"))
    recent = timezone.now() - timedelta(minutes=5)
    ImportJobItem.objects.filter(job=running, position=2).update(outcome=ItemOutcome.CREATED, done_at=recent)

    assert tasks.check_stalled_arxiv_jobs.call() == {str(stopped.pk): arxiv_recovery.RESUMED}

    check = DBTaskResult.objects.get(task_path=tasks.check_stalled_arxiv_jobs.module_path)
    assert check.run_after == recent + arxiv_recovery.STALE_AFTER + arxiv_recovery.CHECK_MARGIN  # when `running` would be stalled
    tasks.check_stalled_arxiv_jobs.call()  # the same check is not scheduled twice
    assert DBTaskResult.objects.filter(task_path=tasks.check_stalled_arxiv_jobs.module_path).count() == 1


def test_the_scheduled_check_ends_when_no_job_runs(topic):
    assert tasks.check_stalled_arxiv_jobs.call() == {}
    assert not DBTaskResult.objects.exists()


def test_the_page_of_a_stopped_job_shows_it_queued_again_and_keeps_polling(client, login, admin_user, topic):
    job = killed_job(topic)
    login(admin_user)

    page = client.get(job_url(job), headers={"HX-Request": "true"}).content.decode()

    assert '<span class="badge job-queued">Queued</span>' in page and "Running" not in page
    assert "The background worker stopped 1 time during this job; it was queued again for the papers still waiting." in page
    assert "Waiting for the background worker (manage.py run_worker)" in page and 'hx-trigger="every 1s"' in page
    assert task_of(job).status == TaskResultStatus.READY
    assert "stopped 1 time during this job" in client.get(job_url(job)).content.decode()  # while it waits


def test_the_page_of_a_quiet_running_job_says_since_when_it_made_no_progress(client, login, admin_user, topic):
    job = killed_job(topic)
    quiet_since = timezone.now() - timedelta(minutes=5)
    ImportJobItem.objects.filter(job=job, position=2).update(outcome=ItemOutcome.CREATED, done_at=quiet_since)
    login(admin_user)

    page = client.get(job_url(job)).content.decode()

    assert '<span class="badge job-running">Running</span>' in page
    since = timezone.localtime(quiet_since).strftime("%H:%M")
    assert f"No progress since {since}: arXiv may be slow to answer." in page
    assert "resumed after 20 minutes without progress" in page
    assert task_of(job).status == TaskResultStatus.RUNNING  # left to its worker


def test_the_page_of_a_running_job_with_recent_progress_says_nothing_more(client, login, admin_user, topic):
    job = killed_job(topic)
    ImportJobItem.objects.filter(job=job, position=2).update(outcome=ItemOutcome.CREATED, done_at=timezone.now())
    login(admin_user)

    page = client.get(job_url(job)).content.decode()

    assert "No progress since" not in page and "The background worker stopped" not in page


def test_the_job_list_marks_a_stopped_job_stalled_and_changes_nothing(client, login, admin_user, topic):
    stopped = killed_job(topic)
    running = killed_job(make_topic("other"))
    ImportJobItem.objects.filter(job=running, position=2).update(outcome=ItemOutcome.CREATED, done_at=timezone.now())
    login(admin_user)

    page = client.get(reverse("arxiv_jobs")).content.decode()

    assert page.count('<span class="badge job-failed">Stalled</span>') == 1
    assert page.count('<span class="badge job-running">Running</span>') == 1
    assert "Stalled: the job has made no progress for 20 minutes" in page
    assert task_of(stopped).status == TaskResultStatus.RUNNING


@pytest.mark.parametrize("size", [3, 30])
def test_job_list_query_count_with_stalled_jobs_does_not_grow_with_them(client, login, admin_user, size, django_assert_num_queries):
    for number in range(size):
        killed_job(make_topic(f"t{number}"))
    login(admin_user)
    # session, user, the jobs with their counts, topics and authors, the tasks of the quiet running ones
    with django_assert_num_queries(4):
        page = client.get(reverse("arxiv_jobs")).content.decode()
    assert page.count(">Stalled</span>") == size


# A job whose every paper failed


def test_a_job_whose_every_paper_failed_is_failed_with_the_reasons(client, login, admin_user, topic, fake_arxiv: FakeArxiv):
    job = import_job(topic, ["2401.00008", "2401.00009"])  # arXiv knows neither

    tasks.run_arxiv_job.call(job.pk)

    summary = arxiv_jobs.JobSummary.of(job.pk)
    assert summary.job.status == JobStatus.FAILED and summary.job.finished_at
    assert summary.lines()[-1] == "Every paper of this job failed: nothing was imported or updated."
    assert [labels for _, labels in summary.failures()] == [["2401.00008"], ["2401.00009"]]
    login(admin_user)
    page = client.get(job_url(job)).content.decode()
    assert '<span class="badge job-failed">Failed</span>' in page
    assert "<strong>2401.00009</strong>: arXiv has no paper with the identifier 2401.00009." in page


def test_a_job_with_some_failures_is_done_and_lists_them(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001")
    job = import_job(topic, ["2401.00001", "2401.00009"])

    tasks.run_arxiv_job.call(job.pk)

    summary = arxiv_jobs.JobSummary.of(job.pk)
    assert summary.job.status == JobStatus.DONE and not summary.job.error
    assert summary.failures() == [("arXiv has no paper with the identifier 2401.00009.", ["2401.00009"])]


def test_the_import_command_exits_with_an_error_when_every_paper_failed(topic, fake_arxiv: FakeArxiv):
    out = StringIO()
    with pytest.raises(CommandError, match=r"2 of 2 papers failed"):
        call_command("import_arxiv", "2401.00008", "2401.00009", "--topic", topic.slug, "--level", "intro", stdout=out, stderr=StringIO())

    assert "Every paper of this job failed: nothing was imported or updated." in out.getvalue()
    assert ImportJob.objects.get().status == JobStatus.FAILED
