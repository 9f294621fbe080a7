"""One request at a time, at least `interval` seconds apart, for the whole installation.

arXiv's terms ask this of every installation, not of every process, so the
time of the last request lives in the database (papers.ArxivThrottle), where
the web server and the background worker both see it.

Serialising the requests needs a lock held for the whole request:
- PostgreSQL: the throttle row, locked with SELECT … FOR UPDATE inside a
  transaction that lasts as long as the request. Other writes are unaffected.
- SQLite: a transaction open that long would hold SQLite's single write lock
  (transactions are IMMEDIATE here) and stall every other write of the app, so
  the request is serialised by an flock on a file next to the database, and
  the row is read and written in two short transactions.

Either way the throttle needs transactions of its own: inside the caller's
transaction.atomic() the lock would last as long as the caller's work and a
rollback would forget that a request was made. Using it inside one raises
RuntimeError.
"""

from __future__ import annotations

import fcntl
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from papers.models import ArxivThrottle

NESTED_TRANSACTION_MESSAGE = (
    "The arXiv throttle was used inside transaction.atomic(). It needs transactions of its own: "
    "an outer one would hold the lock for all of the caller's work, and its rollback would forget "
    "that the request was made. Call arXiv before or after the atomic block."
)


def sqlite_lock_path(connection: BaseDatabaseWrapper, name: str) -> Path:
    if connection.is_in_memory_db():
        # An in-memory database (the tests') exists in one process only; any
        # path shared by its threads will do.
        return Path(tempfile.gettempdir()) / f"readinglist-memorydb.{name}.lock"
    return Path(f"{connection.settings_dict['NAME']}.{name}.lock")


class DatabaseThrottle:
    """A context manager around each request; safe to share between threads."""

    def __init__(
        self,
        name: str = "arxiv",
        interval: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = timezone.now,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.name = name
        self.interval = interval
        self.sleep = sleep
        self.clock = clock
        self.using = using
        self._turns = threading.local()

    def __enter__(self) -> None:
        if getattr(self._turns, "held", None) is not None:
            raise RuntimeError("The arXiv throttle is not re-entrant: this thread is already making a request.")
        with ExitStack() as turn:
            last_request_at = self._acquire(turn)
            self._wait_after(last_request_at)
            self._turns.held = turn.pop_all()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # A failed request still counts as a request, so the time is stored
        # and the lock released as usual; the request's exception propagates.
        held: ExitStack = self._turns.held
        self._turns.held = None
        with held, transaction.atomic(using=self.using):
            ArxivThrottle.objects.using(self.using).filter(name=self.name).update(last_request_at=self.clock())

    def _acquire(self, turn: ExitStack) -> datetime | None:
        """Take the installation-wide lock (released when `turn` closes); the last request's time."""
        connection = connections[self.using]
        if connection.vendor == "sqlite":
            lock_file = turn.enter_context(open(sqlite_lock_path(connection, self.name), "a"))
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            with ExitStack() as short_transaction:
                self._enter_own_transaction(short_transaction)
                row, _ = ArxivThrottle.objects.using(self.using).get_or_create(name=self.name)
            return row.last_request_at
        self._enter_own_transaction(turn)
        row, _ = ArxivThrottle.objects.using(self.using).select_for_update().get_or_create(name=self.name)
        return row.last_request_at

    def _enter_own_transaction(self, stack: ExitStack) -> None:
        try:
            stack.enter_context(transaction.atomic(using=self.using, durable=True))
        except RuntimeError as error:
            raise RuntimeError(NESTED_TRANSACTION_MESSAGE) from error

    def _wait_after(self, last_request_at: datetime | None) -> None:
        if last_request_at is None:
            return
        wait = (last_request_at + timedelta(seconds=self.interval) - self.clock()).total_seconds()
        # A time in the future (a clock set wrong somewhere) must not stall
        # every import: one interval is the most there is to wait.
        wait = min(wait, self.interval)
        if wait > 0:
            self.sleep(wait)
