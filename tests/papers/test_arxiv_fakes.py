"""A fake arXiv for the import tests, answering from the recorded responses in tests/fixtures/arxiv.

The other test_arxiv_* modules import it (as tests import tests.conftest); importing
the fixture makes it theirs:
    from tests.papers.test_arxiv_fakes import FakeArxiv, FakePaper, fake_arxiv  # noqa: F401
The tests at the end check that what it builds reads like what it was built from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest
import requests
import responses

from papers import arxiv_jobs
from papers.arxiv import API_URL, RSS_URL, ArxivClient, ArxivEntry, comparable_title, parse_api_response, parse_rss_feed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "arxiv"
SEED_PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "topic-2.md"
RECORDED_ID = "1605.08386"
RECORDED_TITLE = "Heat-bath random walks with Markov bases"
RECORDED_UPDATED = "<updated>2016-05-26T17:59:46Z</updated>"
# How a request for a batch can go wrong: recorded answers, a dropped connection, a busy arXiv.
# status, headers, and the body or the recorded file holding it; a timeout has no answer.
FAILURES: dict[str, tuple[int, dict[str, str], bytes | str] | None] = {
    "unavailable": (503, {"Retry-After": "5"}, b"Service Unavailable"),
    "rate_limited": (429, {"Retry-After": "5"}, b"Rate exceeded."),
    "broken": (200, {}, "broken-truncated.xml"),
    "refused": (400, {}, "new-backend-error-bad-id.xml"),
    "timeout": None,
}


def recorded(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class FakePaper:
    arxiv_id: str
    version: int = 1
    title: str = RECORDED_TITLE
    updated: str = "2016-05-26T17:59:46Z"


def atom_feed(papers: Sequence[FakePaper | str]) -> bytes:
    """An API answer with the recorded entry once per paper, under its id, version, title and date."""
    text = recorded("new-backend-id-1605.08386.xml").decode()
    head, rest = text.split("<entry>", 1)
    entry, tail = rest.split("</entry>", 1)
    head = head.replace("<opensearch:totalResults>1<", f"<opensearch:totalResults>{len(papers)}<")
    entries = []
    for paper in papers:
        paper = FakePaper(paper) if isinstance(paper, str) else paper
        body = entry.replace(f"{RECORDED_ID}v1", f"{paper.arxiv_id}v{paper.version}")
        body = body.replace(RECORDED_TITLE, escape(paper.title)).replace(RECORDED_UPDATED, f"<updated>{paper.updated}</updated>")
        entries.append(f"<entry>{body}</entry>")
    return (head + "".join(entries) + tail).encode()


def arxiv_entry(paper: FakePaper | str) -> ArxivEntry:
    return parse_api_response(atom_feed([paper])).entries[0]


def rss_feed(extra_items: str = "") -> bytes:
    """The recorded new-submissions feed (one new, one cross-listed item), with items added before its end."""
    return recorded("rss-cs-lg-abridged.xml").replace(b"  </channel>", extra_items.encode() + b"  </channel>")


def rss_item(arxiv_id: str, title: str, announce_type: str = "replace") -> str:
    """An RSS item shaped like the recorded ones."""
    return f"""    <item>
      <title>{escape(title)}</title>
      <link>https://arxiv.org/abs/{arxiv_id}</link>
      <description>arXiv:{arxiv_id}v2 Announce Type: {announce_type}
Abstract: {escape(title)}, again.</description>
      <guid isPermaLink="false">oai:arXiv.org:{arxiv_id}v2</guid>
      <category>cs.CV</category>
      <pubDate>Thu, 24 Sep 2026 00:00:00 -0400</pubDate>
      <arxiv:announce_type>{announce_type}</arxiv:announce_type>
      <dc:creator>Ada Lovelace, Alan Turing</dc:creator>
    </item>
"""


class CountingThrottle:
    def __init__(self) -> None:
        self.turns = 0

    def __enter__(self) -> None:
        self.turns += 1

    def __exit__(self, *exc_info: object) -> None:
        pass


class FakeArxiv:
    """Knows some papers and titles; answers id lists, title searches and the RSS feed as arXiv does."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.papers: dict[str, FakePaper] = {}
        self.titles: dict[str, list[FakePaper]] = {}
        self.failing: dict[str, list] = {}  # arXiv id -> [one of FAILURES, answers left or None for always]
        self.search_status = 200
        self.answer: bytes | None = None  # a recorded answer to every API request, when set
        self.rss_body = rss_feed()
        self.rss_status = 200
        self.queries: list[dict[str, str]] = []
        self.rss_urls: list[str] = []
        self.sleeps: list[float] = []
        self.client = ArxivClient(session=requests.Session(), throttle=CountingThrottle(), sleep=self.sleeps.append)
        mock.add_callback(responses.GET, API_URL, callback=self._api)
        mock.add_callback(responses.GET, re.compile(re.escape(RSS_URL) + r".+"), callback=self._rss)

    def know(self, *papers: FakePaper | str) -> None:
        for paper in papers:
            paper = FakePaper(paper) if isinstance(paper, str) else paper
            self.papers[paper.arxiv_id] = paper

    def fail(self, arxiv_id: str, how: str, times: int | None = None) -> None:
        """Answer any batch holding this id as FAILURES[how] says: `times` times, or always."""
        self.failing[arxiv_id] = [how, times]

    def titled(self, title: str, *papers: FakePaper) -> None:
        self.titles[comparable_title(title)] = list(papers)

    @property
    def id_requests(self) -> list[list[str]]:
        return [query["id_list"].split(",") for query in self.queries if "id_list" in query]

    @property
    def searches(self) -> list[str]:
        return [query["search_query"] for query in self.queries if "search_query" in query]

    def _api(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        query = {name: value for name, (value,) in parse_qs(urlsplit(request.url).query).items()}
        self.queries.append(query)
        if self.answer is not None:
            return 200, {}, self.answer
        if "id_list" in query:
            ids = query["id_list"].split(",")
            failure = self._failure(ids)
            if failure == "timeout":
                raise requests.exceptions.ReadTimeout("read timed out")
            if failure:
                status, headers, body = FAILURES[failure]
                return status, headers, recorded(body) if isinstance(body, str) else body
            return 200, {}, atom_feed([self.papers[arxiv_id] for arxiv_id in ids if arxiv_id in self.papers])
        if self.search_status != 200:
            return self.search_status, {}, b"Service Unavailable"
        phrase = re.search(r'ti:"([^"]*)"', query["search_query"])
        found = self.titles.get(comparable_title(phrase[1]), []) if phrase else list(self.papers.values())
        return 200, {}, atom_feed(found)

    def _failure(self, ids: list[str]) -> str | None:
        for arxiv_id in ids:
            if arxiv_id in self.failing:
                how, times = self.failing[arxiv_id]
                if times is not None:
                    self.failing[arxiv_id][1] -= 1
                    if times == 1:
                        del self.failing[arxiv_id]
                return how
        return None

    def _rss(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        self.rss_urls.append(request.url)
        return self.rss_status, {}, self.rss_body


@pytest.fixture
def fake_arxiv(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArxiv]:
    """Every arXiv client of the app (pages, jobs, commands) talks to this fake, and never waits."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeArxiv(mock)
        monkeypatch.setattr(arxiv_jobs, "arxiv_client", lambda interactive=False: fake.client)
        yield fake


# The fake itself


def test_synthetic_answer_for_27_ids_reads_as_27_entries_of_the_recorded_shape():
    ids = [f"2401.{number:05d}" for number in range(1, 28)]
    feed = parse_api_response(atom_feed(ids))
    assert [entry.arxiv_id for entry in feed.entries] == ids
    assert feed.total_results == 27
    first = feed.entries[0]
    assert first.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert first.categories == ["math.CO", "math.ST"] and first.primary_category == "math.CO"
    assert first.abstract.startswith("Graphs on lattice points")


def test_synthetic_entry_carries_its_version_title_and_revision_date():
    entry = arxiv_entry(FakePaper("2407.08132", 3, "DMM & friends", "2026-11-20T10:00:00Z"))
    assert (entry.arxiv_id, entry.version, entry.title) == ("2407.08132", 3, "DMM & friends")
    assert entry.updated.isoformat() == "2026-11-20T10:00:00+00:00"


def test_rss_feed_with_an_added_item_reads_as_three_submissions():
    submissions = parse_rss_feed(rss_feed(rss_item("2401.00001", "A revised paper")))
    assert [submission.announce_type for submission in submissions] == ["new", "cross", "replace"]
