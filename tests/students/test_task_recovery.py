"""An allocation whose worker stopped is queued again, by the worker or its page; stale email tasks are failed.

A killed worker is simulated by what it leaves behind: the round "allocating"
at the stage it reached, its DBTaskResult RUNNING since long ago. The worker
that takes the allocation up again is django-tasks-db's own, in batch mode.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from readinglist.health import worker_status
from students import rounds, task_recovery, tasks
from students.models import Allocation, AllocationStage, Role, Round, RoundState
from tests.conftest import enroll, make_entry, make_topic, make_user
from tests.races import at_once
from tests.worker import claim, run_worker_until_idle, runs_of, task_of

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(minutes=30)
STOPPED = "students.task_recovery.WorkerStopped"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def paper_round(topic, mentor, student, advanced_entry) -> Round:
    """Its deadline passed; the student ranked the one advanced paper."""
    round_ = rounds.open_paper_round(topic, title="Round 1", deadline=timezone.now() + timedelta(days=1), actor=mentor)
    rounds.save_ranking(round_, student, [advanced_entry])
    return closed(round_)


def closed(round_: Round) -> Round:
    Round.objects.filter(pk=round_.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    round_.refresh_from_db()
    return round_


def killed_allocation(round_: Round, manager, quiet_for: timedelta = LONG_AGO) -> Round:
    """Started by its manager, given to the worker, claimed by one that read the rankings and was killed `quiet_for` ago."""
    round_ = rounds.start_allocation(round_, actor=manager)
    tasks.enqueue_allocation(round_)
    round_.refresh_from_db()
    then = timezone.now() - quiet_for
    claim(round_.task_result_id, at=then)
    DBTaskResult.objects.filter(pk=round_.task_result_id).update(enqueued_at=then)
    Round.objects.filter(pk=round_.pk).update(allocation_stage=AllocationStage.READING, allocation_started_at=then)
    round_.refresh_from_db()
    return round_


def email_task(started_ago: timedelta) -> DBTaskResult:
    result = tasks.email_watchers.enqueue([1])
    claim(str(result.id), at=timezone.now() - started_ago)
    return DBTaskResult.objects.get(pk=result.id)


def manage_url(round_: Round) -> str:
    return reverse("round_manage", args=[round_.pk])


# What counts as a stopped allocation


def test_an_allocation_whose_worker_was_killed_is_queued_again_and_ends_with_a_draft(paper_round, mentor, advanced_entry):
    round_ = killed_allocation(paper_round, mentor)
    dead_task = task_of(round_)

    assert task_recovery.recover_stopped_allocations() == {round_.pk: task_recovery.RESUMED}

    dead_task.refresh_from_db()
    assert dead_task.status == TaskResultStatus.FAILED and dead_task.exception_class_path == STOPPED
    assert task_of(round_).status == TaskResultStatus.READY and round_.allocation_stage == AllocationStage.QUEUED
    assert worker_status(timezone.now()) == "ok"  # a task waits for the worker, none is stuck
    run_worker_until_idle()
    round_.refresh_from_db()
    assert round_.state == RoundState.DRAFT and task_of(round_).status == TaskResultStatus.SUCCESSFUL
    assert list(Allocation.objects.filter(round=round_).values_list("entry", flat=True)) == [advanced_entry.pk]


def test_an_allocation_run_by_a_request_that_died_is_given_to_the_worker(paper_round, mentor):
    round_ = rounds.start_allocation(paper_round, actor=mentor)  # small: the request runs it, without a task
    Round.objects.filter(pk=round_.pk).update(
        allocation_stage=AllocationStage.SOLVING, allocation_started_at=timezone.now() - LONG_AGO
    )

    assert task_recovery.recover_stopped_allocations() == {round_.pk: task_recovery.RESUMED}

    run_worker_until_idle()
    round_.refresh_from_db()
    assert round_.state == RoundState.DRAFT


def test_a_run_whose_task_ended_while_the_round_still_waits_is_queued_again_at_once(paper_round, mentor):
    # A worker stopped with a second Ctrl-C records SystemExit on its task and leaves the round allocating.
    round_ = killed_allocation(paper_round, mentor, quiet_for=timedelta(seconds=5))
    DBTaskResult.objects.filter(pk=round_.task_result_id).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now(), exception_class_path="builtins.SystemExit"
    )

    assert task_recovery.recover_stopped_allocations() == {round_.pk: task_recovery.RESUMED}
    assert task_of(round_).status == TaskResultStatus.READY


@pytest.mark.parametrize(
    "sign_of_life", ["its task claimed a minute ago", "its task still waiting for a worker", "a request allocating it"]
)
def test_an_allocation_with_a_recent_sign_of_life_is_left_alone(paper_round, mentor, sign_of_life):
    round_ = killed_allocation(paper_round, mentor)
    if sign_of_life == "its task claimed a minute ago":
        claim(round_.task_result_id, at=timezone.now() - timedelta(minutes=1))
    elif sign_of_life == "its task still waiting for a worker":  # /healthz says so, the round waits its turn
        DBTaskResult.objects.filter(pk=round_.task_result_id).update(status=TaskResultStatus.READY, started_at=None)
    else:
        Round.objects.filter(pk=round_.pk).update(task_result_id="", allocation_started_at=timezone.now())
    round_.refresh_from_db()
    before = (round_.task_result_id, round_.allocation_stage)

    assert task_recovery.recover_stopped_allocations() == {}

    round_.refresh_from_db()
    assert (round_.task_result_id, round_.allocation_stage) == before
    runs = runs_of(tasks.run_allocation, round_.pk)
    assert runs.count() == 1 and not runs.filter(status=TaskResultStatus.FAILED)


def test_the_last_runs_task_does_not_make_a_new_run_look_stopped(paper_round, mentor):
    round_ = rounds.start_allocation(paper_round, actor=mentor)
    tasks.enqueue_allocation(round_)
    run_worker_until_idle()  # a draft, its task SUCCESSFUL

    round_ = rounds.start_allocation(round_, actor=mentor)  # run again, by the request this time

    assert round_.task_result_id == "" and task_recovery.recover_stopped_allocations() == {}


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_with_a_backend_that_runs_tasks_at_once_there_is_nothing_to_recover(client, login, paper_round, mentor):
    round_ = rounds.start_allocation(paper_round, actor=mentor)
    Round.objects.filter(pk=round_.pk).update(
        allocation_stage=AllocationStage.READING, allocation_started_at=timezone.now() - LONG_AGO,
        task_result_id="immediate-id",
    )
    login(mentor)

    assert task_recovery.recover_stopped_allocations() == {} and task_recovery.fail_stale_tasks() == []
    assert client.get(manage_url(round_)).status_code == 200
    round_.refresh_from_db()
    assert round_.allocation_stage == AllocationStage.READING


# Too many stops


def test_an_allocation_that_stopped_its_worker_twice_is_failed_with_a_message_and_runs_again(client, login, paper_round, mentor):
    round_ = killed_allocation(paper_round, mentor)

    actions = []
    for _ in range(task_recovery.MAX_STOPS):
        actions.append(task_recovery.recover_stopped_allocations().get(round_.pk))
        round_.refresh_from_db()
        if round_.allocation_stage == AllocationStage.QUEUED:
            claim(round_.task_result_id, at=timezone.now() - LONG_AGO)  # the new run is killed too

    assert actions == [task_recovery.RESUMED, task_recovery.GAVE_UP]
    round_.refresh_from_db()
    assert (round_.state, round_.allocation_stage) == (RoundState.ALLOCATING, AllocationStage.FAILED)
    message = "The background worker stopped 2 times during this allocation, so it was not queued again: run it again."
    assert round_.allocation_error == message
    runs = runs_of(tasks.run_allocation, round_.pk)
    assert runs.count() == 2 and not runs.exclude(status=TaskResultStatus.FAILED)
    login(mentor)
    page = client.get(manage_url(round_)).content.decode()
    assert message in page and "Run the allocation again" in page and "every 1s" not in page

    client.post(reverse("round_allocate", args=[round_.pk]))

    round_.refresh_from_db()
    assert round_.state == RoundState.DRAFT


# Two recoveries at once


@pytest.mark.django_db(transaction=True)
def test_two_recoveries_at_once_queue_the_allocation_once():
    topic = make_topic("race")
    mentor, student = make_user("race-mentor"), make_user("race-student")
    enroll(mentor, topic, role=Role.MENTOR)
    enroll(student, topic)
    entry = make_entry(topic, "DMM")
    round_ = rounds.open_paper_round(topic, title="Race", deadline=timezone.now() + timedelta(days=1), actor=mentor)
    rounds.save_ranking(round_, student, [entry])
    round_ = killed_allocation(closed(round_), mentor)
    dead_task = task_of(round_)

    outcomes = at_once([lambda: task_recovery.recover_stopped_allocations().get(round_.pk, "left alone")] * 4)

    assert Counter(outcomes) == {task_recovery.RESUMED: 1, "left alone": 3}
    assert runs_of(tasks.run_allocation, round_.pk).filter(status=TaskResultStatus.READY).count() == 1
    assert task_of(round_).status == TaskResultStatus.READY
    dead_task.refresh_from_db()
    assert dead_task.status == TaskResultStatus.FAILED


def test_a_recovery_that_finds_the_round_taken_up_meanwhile_enqueues_nothing(paper_round, mentor):
    round_ = killed_allocation(paper_round, mentor)
    seen_by_the_page = Round.objects.get(pk=round_.pk)

    assert task_recovery.recover_allocation(round_) == task_recovery.RESUMED
    assert task_recovery.recover_allocation(seen_by_the_page) is None

    runs = runs_of(tasks.run_allocation, round_.pk)
    assert runs.count() == 2 and runs.filter(status=TaskResultStatus.READY).count() == 1


# Tasks no round waits for


def test_a_stale_email_task_is_marked_failed_never_sent_again_and_health_is_no_longer_stuck():
    stale, fresh = email_task(started_ago=timedelta(hours=2)), email_task(started_ago=timedelta(minutes=1))
    assert worker_status(timezone.now()) == "stuck"

    assert task_recovery.fail_stale_tasks() == [stale]

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == TaskResultStatus.FAILED and stale.exception_class_path == STOPPED
    assert fresh.status == TaskResultStatus.RUNNING  # left to its worker
    assert worker_status(timezone.now()) == "ok"
    run_worker_until_idle()
    assert mail.outbox == []


def test_the_task_of_a_round_cancelled_while_its_worker_was_dead_is_marked_failed(paper_round, mentor):
    round_ = killed_allocation(paper_round, mentor, quiet_for=timedelta(hours=2))
    rounds.cancel(round_, actor=mentor)
    assert worker_status(timezone.now()) == "stuck"

    assert task_recovery.recover_stopped_allocations() == {}
    assert [task.pk for task in task_recovery.fail_stale_tasks()] == [task_of(round_).pk]

    assert worker_status(timezone.now()) == "idle"


# Who looks: the worker when it starts, the round's page


def test_run_worker_takes_up_stopped_allocations_and_stale_tasks_then_hands_over_to_db_worker(paper_round, mentor, monkeypatch):
    round_ = killed_allocation(paper_round, mentor)
    stale = email_task(started_ago=timedelta(hours=2))
    handed = {}

    def db_worker_handle(command, *args, **options):
        handed.update(options, round_stage=Round.objects.get(pk=round_.pk).allocation_stage)

    monkeypatch.setattr(db_worker.Command, "handle", db_worker_handle)
    out = StringIO()

    call_command("run_worker", "--batch", "--no-startup-delay", stdout=out)

    assert out.getvalue() == (
        f"Allocation of round #{round_.pk}: its worker had stopped; it is queued again.\n"
        f"Task {stale.pk} (email_watchers): its worker had stopped; it is marked failed, not run again.\n"
    )
    assert handed["round_stage"] == AllocationStage.QUEUED  # recovered before the worker took any task
    assert worker_status(timezone.now()) == "ok"


def test_the_manager_opening_the_page_of_a_stopped_allocation_sees_it_queued_again(client, login, paper_round, mentor):
    round_ = killed_allocation(paper_round, mentor)
    login(mentor)

    page = client.get(manage_url(round_)).content.decode()

    assert "The background worker had stopped during this allocation: it is queued again." in page
    assert "Waiting for the background worker" in page and 'hx-trigger="every 1s"' in page
    assert "Reading the rankings" not in page
    assert task_of(round_).status == TaskResultStatus.READY
    run_worker_until_idle()
    polling = {"HX-Request": "true", "HX-Target": "round-status"}
    assert client.get(manage_url(round_), headers=polling)["HX-Refresh"] == "true"  # the draft is there


def test_the_page_of_a_running_allocation_leaves_it_alone(client, login, paper_round, mentor):
    round_ = killed_allocation(paper_round, mentor, quiet_for=timedelta(seconds=5))
    login(mentor)

    page = client.get(manage_url(round_)).content.decode()

    assert "Reading the rankings" in page and "queued again" not in page
    assert task_of(round_).status == TaskResultStatus.RUNNING
