from __future__ import annotations

import fcntl
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from papers.arxiv import DatabaseThrottle
from papers.arxiv.throttle import sqlite_lock_path
from papers.models import ArxivThrottle



class FakeTime:
    """A clock that only moves when the throttle sleeps or a request takes time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.pass_time(seconds)

    def pass_time(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def throttle(fake_time: FakeTime) -> DatabaseThrottle:
    return DatabaseThrottle(sleep=fake_time.sleep, clock=fake_time.clock)


@pytest.mark.django_db
def test_consecutive_requests_are_three_seconds_apart(throttle: DatabaseThrottle, fake_time: FakeTime) -> None:
    periods = []
    for _ in range(3):
        with throttle:
            start = fake_time.now
            fake_time.pass_time(0.5)
            periods.append((start, fake_time.now))

    assert fake_time.sleeps == [3.0, 3.0]
    for (_, previous_end), (next_start, _) in zip(periods, periods[1:]):
        assert next_start - previous_end >= timedelta(seconds=3)
    assert ArxivThrottle.objects.get(name="arxiv").last_request_at == periods[-1][1]


@pytest.mark.django_db
def test_waits_only_for_what_is_left_of_the_interval(throttle: DatabaseThrottle, fake_time: FakeTime) -> None:
    with throttle:
        pass
    fake_time.pass_time(1.25)
    with throttle:
        pass
    fake_time.pass_time(10)
    with throttle:
        pass

    assert fake_time.sleeps == [1.75]


@pytest.mark.django_db
def test_a_failed_request_counts_and_its_error_propagates(throttle: DatabaseThrottle, fake_time: FakeTime) -> None:
    with pytest.raises(ConnectionError), throttle:
        raise ConnectionError("arXiv hung up")
    with throttle:
        pass

    assert fake_time.sleeps == [3.0]


@pytest.mark.django_db
def test_each_service_has_its_own_spacing(fake_time: FakeTime) -> None:
    with DatabaseThrottle(name="arxiv", sleep=fake_time.sleep, clock=fake_time.clock):
        pass
    with DatabaseThrottle(name="other", sleep=fake_time.sleep, clock=fake_time.clock):
        pass

    assert fake_time.sleeps == []
    assert set(ArxivThrottle.objects.values_list("name", flat=True)) == {"arxiv", "other"}


@pytest.mark.django_db
def test_a_time_in_the_future_costs_one_interval_at_most(throttle: DatabaseThrottle, fake_time: FakeTime) -> None:
    ArxivThrottle.objects.create(name="arxiv", last_request_at=fake_time.now + timedelta(days=1))

    with throttle:
        pass

    assert fake_time.sleeps == [3.0]


@pytest.mark.django_db
def test_not_re_entrant(throttle: DatabaseThrottle) -> None:
    with throttle, pytest.raises(RuntimeError, match="not re-entrant"), throttle:
        pass


@pytest.mark.django_db(transaction=True)
def test_refuses_to_run_inside_the_callers_transaction(throttle: DatabaseThrottle, fake_time: FakeTime) -> None:
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic\(\)"), transaction.atomic(), throttle:
        pass

    with throttle:
        pass
    assert ArxivThrottle.objects.get(name="arxiv").last_request_at == fake_time.now


@pytest.mark.django_db(transaction=True)
def test_threads_take_turns_and_keep_their_distance() -> None:
    # Each thread stands for a process (web server, worker): its own throttle,
    # its own database connection. Nothing is faked here.
    interval = 0.2
    threads_count, requests_each = 3, 3
    periods: list[tuple[datetime, datetime]] = []
    failures: list[BaseException] = []
    all_ready = threading.Barrier(threads_count)

    def make_requests() -> None:
        throttle = DatabaseThrottle(interval=interval)
        try:
            all_ready.wait()
            for _ in range(requests_each):
                with throttle:
                    start = timezone.now()
                    threading.Event().wait(0.05)
                    periods.append((start, timezone.now()))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=make_requests) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert len(periods) == threads_count * requests_each
    periods.sort()
    for (_, previous_end), (next_start, _) in zip(periods, periods[1:]):
        assert next_start >= previous_end, "two requests overlapped"
        assert (next_start - previous_end).total_seconds() >= interval


@pytest.mark.django_db(transaction=True)
def test_the_throttle_holds_its_lock_during_the_request_and_releases_it(throttle: DatabaseThrottle) -> None:
    # Each database has its own mechanism; CI runs this on both, so neither is skipped.
    if connection.vendor == "postgresql":
        assert_postgresql_holds_the_row_lock(throttle)
    else:
        assert_sqlite_holds_a_file_lock_and_no_transaction(throttle)


def assert_postgresql_holds_the_row_lock(throttle: DatabaseThrottle) -> None:
    # A row created by the throttle itself is invisible to others until its
    # transaction ends (they wait on the primary key instead), so it exists here.
    ArxivThrottle.objects.create(name="arxiv")
    outcome: list[str] = []

    def try_to_lock() -> None:
        try:
            with transaction.atomic():
                ArxivThrottle.objects.select_for_update(nowait=True).get(name="arxiv")
            outcome.append("locked")
        except DatabaseError:
            outcome.append("busy")
        finally:
            connection.close()

    with throttle:
        other = threading.Thread(target=try_to_lock)
        other.start()
        other.join(timeout=10)
    assert outcome == ["busy"]

    other = threading.Thread(target=try_to_lock)
    other.start()
    other.join(timeout=10)
    assert outcome == ["busy", "locked"]


def assert_sqlite_holds_a_file_lock_and_no_transaction(throttle: DatabaseThrottle) -> None:
    lock_path = sqlite_lock_path(connection, "arxiv")
    other_writes: list[str] = []

    def write_meanwhile() -> None:
        try:
            ArxivThrottle.objects.create(name="written-meanwhile")
            other_writes.append("written")
        finally:
            connection.close()

    with throttle:
        assert not connection.in_atomic_block
        with open(lock_path, "a") as other_handle, pytest.raises(BlockingIOError):
            fcntl.flock(other_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        writer = threading.Thread(target=write_meanwhile)
        writer.start()
        writer.join(timeout=10)
    assert other_writes == ["written"]

    with open(lock_path, "a") as other_handle:
        fcntl.flock(other_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_sqlite_lock_file_sits_next_to_the_database() -> None:
    on_disk = SimpleNamespace(
        is_in_memory_db=lambda: False, settings_dict={"NAME": Path("/srv/readinglist/db.sqlite3")}
    )
    assert sqlite_lock_path(on_disk, "arxiv") == Path("/srv/readinglist/db.sqlite3.arxiv.lock")
