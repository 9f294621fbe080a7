"""Recorded arXiv answers, answers made from the real entry, and a client that never waits.

Helpers are fixtures rather than importable functions: test directories are
not packages, so a conftest cannot be imported reliably.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import requests
import responses

from papers.arxiv import ArxivClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "arxiv"
RECORDED_ID = "1605.08386"


def _recorded(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _feed_for_ids(ids: Sequence[str]) -> bytes:
    """An API answer with the recorded entry repeated under each of these ids."""
    text = _recorded("new-backend-id-1605.08386.xml").decode()
    head, rest = text.split("<entry>", 1)
    entry, tail = rest.split("</entry>", 1)
    head = head.replace("<opensearch:totalResults>1<", f"<opensearch:totalResults>{len(ids)}<")
    entries = "".join(f"<entry>{entry.replace(RECORDED_ID, arxiv_id)}</entry>" for arxiv_id in ids)
    return (head + entries + tail).encode()


class RecordingThrottle:
    """Stands in for the database throttle: counts turns and checks they never overlap."""

    def __init__(self) -> None:
        self.turns = 0
        self.active = False

    def __enter__(self) -> None:
        assert not self.active, "two requests at once"
        self.active = True
        self.turns += 1

    def __exit__(self, *exc_info: object) -> None:
        self.active = False


@pytest.fixture
def recorded() -> Callable[[str], bytes]:
    return _recorded


@pytest.fixture
def feed_for_ids() -> Callable[[Sequence[str]], bytes]:
    return _feed_for_ids


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def recording_throttle() -> RecordingThrottle:
    return RecordingThrottle()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def arxiv_client(recording_throttle: RecordingThrottle, sleeps: list[float]) -> ArxivClient:
    return ArxivClient(session=requests.Session(), throttle=recording_throttle, sleep=sleeps.append)
