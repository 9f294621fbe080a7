"""Requests that race: real threads, each on its own database connection, started at the same instant."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """What each call returned; a rule's refusal (a ValidationError) as its code; any other failure as "error: …"."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except ValidationError as refusal:
            outcomes[index] = refusal.code
        except Exception as error:  # noqa: BLE001 - any other failure is the test's finding
            outcomes[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return outcomes
