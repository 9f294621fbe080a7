"""/healthz tells the load balancer and compose whether the database answers and the worker takes its tasks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from papers.tasks import fetch_recent_arxiv
from readinglist import health
from tests.security.test_database_outage import database_down

pytestmark = pytest.mark.django_db(transaction=True)


def healthz(client, **extra):
    return client.get("/healthz", **extra)


def enqueue(*, waiting: timedelta = timedelta(0)) -> DBTaskResult:
    result = fetch_recent_arxiv.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - waiting)
    return DBTaskResult.objects.get(pk=result.id)


def start(task: DBTaskResult, *, running: timedelta = timedelta(0)) -> None:
    task.claim("worker-1")
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() - running)


def test_the_database_answers_and_no_task_waits(client, django_assert_max_num_queries):
    # SELECT 1, then one look at the unfinished tasks.
    with django_assert_max_num_queries(2):
        response = healthz(client)
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "idle"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_a_task_just_enqueued_is_no_alarm(client):
    enqueue()
    assert healthz(client).json()["worker"] == "ok"


def test_a_task_waiting_with_none_running_means_no_worker_takes_work(client):
    enqueue(waiting=timedelta(minutes=10))
    response = healthz(client)
    assert response.status_code == 200, "the web pages need no worker: the load balancer keeps this process"
    assert response.json() == {"database": "ok", "worker": "stalled"}


def test_tasks_waiting_behind_a_running_one_are_no_alarm(client):
    start(enqueue(waiting=timedelta(minutes=12)), running=timedelta(minutes=11))
    enqueue(waiting=timedelta(minutes=10))
    assert healthz(client).json()["worker"] == "ok"


def test_a_task_running_for_hours_is_stuck(client):
    start(enqueue(waiting=timedelta(hours=3)), running=timedelta(hours=2))
    assert healthz(client).json()["worker"] == "stuck"


def test_a_task_scheduled_for_later_is_not_waiting(client):
    later = fetch_recent_arxiv.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    DBTaskResult.objects.filter(pk=later.id).update(enqueued_at=timezone.now() - timedelta(minutes=30))
    assert healthz(client).json()["worker"] == "idle"


def test_finished_tasks_do_not_count(client):
    task = enqueue(waiting=timedelta(days=2))
    start(task, running=timedelta(days=2))
    task.refresh_from_db()
    task.set_successful(None)
    assert healthz(client).json()["worker"] == "idle"


def test_the_database_down_answers_503(client):
    with database_down():
        response = healthz(client)
    assert response.status_code == 503
    assert response.json() == {"database": "unavailable"}
    assert healthz(client).status_code == 200


def test_the_load_balancer_asks_by_address_over_plain_http(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["readinglist.example.edu"]
    response = healthz(client, headers={"Host": "10.0.0.7:8000"})
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_is_never_throttled(settings, client, student):
    for _ in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    assert healthz(client).status_code == 200


@pytest.mark.parametrize(("setup", "exit_code"), [
    (lambda: None, 0),
    (lambda: enqueue(), 0),
    (lambda: enqueue(waiting=timedelta(minutes=10)), 1),
])
def test_the_worker_containers_health_check(setup, exit_code, capsys):
    setup()
    assert health.main() == exit_code
    assert json.loads(capsys.readouterr().out)["database"] == "ok"
