from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from papers.arxiv import (
    API_URL,
    ArxivApiError,
    ArxivClient,
    ArxivResponseError,
    ArxivUnavailable,
    InvalidArxivCategory,
    InvalidArxivId,
)

Recorded = Callable[[str], bytes]
FeedForIds = Callable[[Sequence[str]], bytes]
RSS_FEED_URL = "https://rss.arxiv.org/rss/cs.LG+stat.ML"


def query_of(call: responses.Call) -> dict[str, str]:
    return query_of_url(call.request.url)


def query_of_url(url: str) -> dict[str, str]:
    return {name: value for name, (value,) in parse_qs(urlsplit(url).query).items()}


def answer_with_known_ids(feed_for_ids: FeedForIds, unknown: set[str]) -> Callable:
    """A fake arXiv that knows every id except `unknown`, as arXiv does: 200 and fewer entries."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        asked = query_of_url(request.url)["id_list"].split(",")
        return 200, {}, feed_for_ids([arxiv_id for arxiv_id in asked if arxiv_id not in unknown])

    return answer


# Looking papers up by id


def test_fetch_asks_politely_for_one_paper(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded, recording_throttle
) -> None:
    mocked.get(API_URL, body=recorded("new-backend-id-1605.08386.xml"))

    result = arxiv_client.fetch(["arXiv:1605.08386v1"])

    assert [entry.arxiv_id for entry in result.entries] == ["1605.08386"]
    assert result.not_found == []
    (call,) = mocked.calls
    assert call.request.url.startswith("https://export.arxiv.org/api/query?")
    assert query_of(call) == {"id_list": "1605.08386", "max_results": "1"}
    assert call.request.headers["User-Agent"] == "readinglist/0.1 (Xinya reading lists; mailto:unknown)"
    assert call.request.req_kwargs["timeout"] == (5, 30)
    assert recording_throttle.turns == 1


def test_user_agent_names_the_contact_address(
    settings, recording_throttle, mocked: responses.RequestsMock, recorded: Recorded
) -> None:
    settings.ARXIV_CONTACT_EMAIL = "lab@example.edu"
    mocked.get(API_URL, body=recorded("new-backend-empty.xml"))

    ArxivClient(throttle=recording_throttle).fetch(["0704.0001"])

    assert mocked.calls[0].request.headers["User-Agent"] == (
        "readinglist/0.1 (Xinya reading lists; mailto:lab@example.edu)"
    )


@pytest.mark.parametrize(("count", "requests_made"), [(1, 1), (100, 1), (101, 2), (250, 3), (1000, 10)])
def test_fetch_asks_for_at_most_100_ids_a_request(
    arxiv_client: ArxivClient,
    mocked: responses.RequestsMock,
    feed_for_ids: FeedForIds,
    recording_throttle,
    count: int,
    requests_made: int,
) -> None:
    ids = [f"2401.{number:05d}" for number in range(1, count + 1)]
    mocked.add_callback(responses.GET, API_URL, callback=answer_with_known_ids(feed_for_ids, unknown=set()))

    result = arxiv_client.fetch(ids)

    assert len(mocked.calls) == requests_made == recording_throttle.turns
    batches = [query_of(call)["id_list"].split(",") for call in mocked.calls]
    assert [arxiv_id for batch in batches for arxiv_id in batch] == ids
    for call, batch in zip(mocked.calls, batches, strict=True):
        assert len(batch) <= 100
        assert query_of(call)["max_results"] == str(len(batch))
    assert [entry.arxiv_id for entry in result.entries] == ids


def test_fetch_reports_the_ids_arxiv_does_not_know(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, feed_for_ids: FeedForIds
) -> None:
    ids = [f"2401.{number:05d}" for number in range(1, 251)]
    unknown = {"2401.00007", "2401.00150", "2401.00250"}
    mocked.add_callback(responses.GET, API_URL, callback=answer_with_known_ids(feed_for_ids, unknown))

    result = arxiv_client.fetch(ids)

    assert len(mocked.calls) == 3
    assert result.not_found == ["2401.00007", "2401.00150", "2401.00250"]
    assert [entry.arxiv_id for entry in result.entries] == [i for i in ids if i not in unknown]


def test_fetch_of_an_unknown_id(arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded) -> None:
    mocked.get(API_URL, body=recorded("new-backend-empty.xml"))

    result = arxiv_client.fetch(["0704.0001"])

    assert result.entries == []
    assert result.not_found == ["0704.0001"]


def test_fetch_asks_once_for_each_paper_whatever_its_spelling(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded
) -> None:
    mocked.get(API_URL, body=recorded("new-backend-id-1605.08386.xml"))

    arxiv_client.fetch(["1605.08386v1", "https://arxiv.org/pdf/1605.08386v2.pdf", " arXiv:1605.08386"])

    assert query_of(mocked.calls[0])["id_list"] == "1605.08386"


def test_invalid_ids_are_refused_before_any_request(arxiv_client: ArxivClient, mocked: responses.RequestsMock) -> None:
    with pytest.raises(InvalidArxivId) as raised:
        arxiv_client.fetch(["1605.08386", "abc", "2413.00001"])

    assert raised.value.texts == ("abc", "2413.00001")
    assert len(mocked.calls) == 0


def test_fetch_of_nothing_asks_nothing(arxiv_client: ArxivClient, mocked: responses.RequestsMock) -> None:
    result = arxiv_client.fetch([])

    assert (result.entries, result.not_found) == ([], [])
    assert len(mocked.calls) == 0


# Retrying, and not retrying


def test_429_is_retried_after_the_time_arxiv_asks_for(
    arxiv_client: ArxivClient,
    mocked: responses.RequestsMock,
    recorded: Recorded,
    sleeps: list[float],
    recording_throttle,
) -> None:
    mocked.get(API_URL, status=429, headers={"Retry-After": "10"})
    mocked.get(API_URL, body=recorded("new-backend-id-1605.08386.xml"))

    result = arxiv_client.fetch(["1605.08386"])

    assert [entry.arxiv_id for entry in result.entries] == ["1605.08386"]
    assert sleeps == [10.0]
    assert len(mocked.calls) == 2 == recording_throttle.turns


def test_a_short_retry_after_does_not_shorten_the_backoff(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded, sleeps: list[float]
) -> None:
    mocked.get(API_URL, status=429, headers={"Retry-After": "1"})
    mocked.get(API_URL, body=recorded("new-backend-id-1605.08386.xml"))

    arxiv_client.fetch(["1605.08386"])

    assert sleeps == [3.0]


def test_5xx_is_retried_with_exponential_backoff(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded, sleeps: list[float]
) -> None:
    mocked.get(API_URL, status=503)
    mocked.get(API_URL, status=502)
    mocked.get(API_URL, body=recorded("new-backend-id-1605.08386.xml"))

    result = arxiv_client.fetch(["1605.08386"])

    assert len(result.entries) == 1
    assert sleeps == [3.0, 6.0]


def test_read_timeout_is_retried(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded, sleeps: list[float]
) -> None:
    mocked.get(API_URL, body=requests.exceptions.ReadTimeout())
    mocked.get(API_URL, body=recorded("new-backend-id-1605.08386.xml"))

    assert len(arxiv_client.fetch(["1605.08386"]).entries) == 1
    assert sleeps == [3.0]


def test_gives_up_after_the_retries_naming_the_ids(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, sleeps: list[float], recording_throttle
) -> None:
    mocked.get(API_URL, body=requests.exceptions.ConnectTimeout())

    with pytest.raises(ArxivUnavailable) as raised:
        arxiv_client.fetch(["1605.08386", "hep-th/9901001"])

    assert len(mocked.calls) == 5 == recording_throttle.turns
    assert sleeps == [3.0, 6.0, 12.0, 24.0]
    assert raised.value.attempts == 5
    assert raised.value.ids == ("1605.08386", "hep-th/9901001")
    assert str(raised.value) == (
        "arXiv did not answer for 1605.08386, hep-th/9901001 after 5 attempts; nothing was imported."
    )


def test_long_id_lists_are_shortened_in_messages(arxiv_client: ArxivClient, mocked: responses.RequestsMock) -> None:
    mocked.get(API_URL, status=500)
    ids = [f"2401.{number:05d}" for number in range(1, 31)]

    with pytest.raises(ArxivUnavailable) as raised:
        arxiv_client.fetch(ids)

    assert "2401.00001, 2401.00002" in str(raised.value)
    assert "2401.00010 and 20 more after 5 attempts" in str(raised.value)
    assert raised.value.ids == tuple(ids)


def test_max_retries_and_backoff_are_configurable(
    recording_throttle, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    impatient = ArxivClient(throttle=recording_throttle, sleep=sleeps.append, max_retries=1, backoff=lambda retry: 0.5)
    mocked.get(API_URL, status=503)

    with pytest.raises(ArxivUnavailable, match="after 2 attempts"):
        impatient.fetch(["1605.08386"])

    assert sleeps == [0.5]


def test_a_retry_after_too_long_to_wait_gives_up_at_once(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(API_URL, status=429, headers={"Retry-After": "3600"})

    with pytest.raises(ArxivUnavailable, match="after 1 attempt;"):
        arxiv_client.fetch(["1605.08386"])

    assert sleeps == []


def test_400_with_an_error_feed_is_final_and_quotes_arxiv(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded, sleeps: list[float]
) -> None:
    mocked.get(API_URL, status=400, body=recorded("new-backend-error-bad-id.xml"))

    with pytest.raises(ArxivApiError) as raised:
        arxiv_client.fetch(["2401.00001"])

    assert len(mocked.calls) == 1
    assert sleeps == []
    assert raised.value.ids == ("2401.00001",)
    assert str(raised.value) == "arXiv refused the request for 2401.00001: incorrect id format for abc"


def test_other_client_errors_are_final(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(API_URL, status=404, body=b"<html>Not Found</html>")

    with pytest.raises(ArxivApiError, match="HTTP status 404"):
        arxiv_client.fetch(["1605.08386"])

    assert sleeps == []


def test_unreadable_answer_names_the_ids(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded, sleeps: list[float]
) -> None:
    mocked.get(API_URL, body=recorded("broken-truncated.xml"))

    with pytest.raises(ArxivResponseError) as raised:
        arxiv_client.fetch(["1605.08386"])

    assert str(raised.value).startswith("arXiv's answer for 1605.08386 could not be read (the XML is not well-formed")
    assert sleeps == []


# Searching


def test_search_builds_the_query_from_quoted_phrases(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded
) -> None:
    mocked.get(API_URL, body=recorded("new-backend-id-1605.08386.xml"))

    page = arxiv_client.search(
        title='Heat-bath  "random" walks', author="Caprice Stanley", category="math.CO", text="expander", start=50,
        max_results=10,
    )

    assert query_of(mocked.calls[0]) == {
        "search_query": 'ti:"Heat-bath random walks" AND au:"Caprice Stanley" AND cat:math.CO AND all:"expander"',
        "start": "50",
        "max_results": "10",
    }
    assert [entry.arxiv_id for entry in page.entries] == ["1605.08386"]
    assert (page.total, page.start, page.page_size) == (1, 0, 100)


def test_search_by_one_field(arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded) -> None:
    mocked.get(API_URL, body=recorded("new-backend-empty.xml"))

    page = arxiv_client.search(author="Del Maestro")

    assert query_of(mocked.calls[0]) == {"search_query": 'au:"Del Maestro"', "start": "0", "max_results": "25"}
    assert (page.entries, page.total) == ([], 0)


@pytest.mark.parametrize("blank", [{}, {"title": "  "}, {"title": '""', "text": ""}])
def test_search_needs_something_to_search_for(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, blank: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="Give a title"):
        arxiv_client.search(**blank)
    assert len(mocked.calls) == 0


def test_search_refuses_a_malformed_category(arxiv_client: ArxivClient, mocked: responses.RequestsMock) -> None:
    with pytest.raises(InvalidArxivCategory):
        arxiv_client.search(category="cs.LG OR all:x")
    assert len(mocked.calls) == 0


def test_search_unavailable_names_the_search(arxiv_client: ArxivClient, mocked: responses.RequestsMock) -> None:
    mocked.get(API_URL, status=503)

    with pytest.raises(ArxivUnavailable) as raised:
        arxiv_client.search(title="Heat-bath random walks")

    assert str(raised.value) == 'arXiv did not answer the search ti:"Heat-bath random walks" after 5 attempts.'


def test_search_exact_title_keeps_only_the_same_title(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, feed_for_ids: FeedForIds
) -> None:
    content = feed_for_ids(["1605.08386", "1605.08387"]).replace(
        b"<title>Heat-bath random walks with Markov bases</title>",
        b"<title>Heat-bath random walks with Markov bases and more</title>",
        1,
    )
    mocked.get(API_URL, body=content)

    found = arxiv_client.search_exact_title("HEAT BATH random-walks   with Markov bases.")

    assert [entry.arxiv_id for entry in found] == ["1605.08387"]
    assert query_of(mocked.calls[0])["search_query"] == 'ti:"HEAT BATH random walks with Markov bases"'


def test_search_exact_title_of_punctuation_asks_nothing(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock
) -> None:
    assert arxiv_client.search_exact_title(' "?!" ') == []
    assert len(mocked.calls) == 0


# New submissions


def test_fetch_recent_reads_the_rss_feed(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, recorded: Recorded, recording_throttle
) -> None:
    mocked.get(RSS_FEED_URL, body=recorded("rss-cs-lg-abridged.xml"))

    submissions = arxiv_client.fetch_recent(["cs.LG", " stat.ML", "cs.LG"])

    assert [item.arxiv_id for item in submissions] == ["2609.26820", "2205.06398"]
    (call,) = mocked.calls
    assert call.request.url == RSS_FEED_URL
    assert call.request.headers["User-Agent"].startswith("readinglist/0.1 (Xinya reading lists; mailto:")
    assert call.request.req_kwargs["timeout"] == (5, 30)
    assert recording_throttle.turns == 1


def test_fetch_recent_without_categories_asks_nothing(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock
) -> None:
    assert arxiv_client.fetch_recent([]) == []
    assert len(mocked.calls) == 0


def test_fetch_recent_refuses_malformed_categories(arxiv_client: ArxivClient, mocked: responses.RequestsMock) -> None:
    with pytest.raises(InvalidArxivCategory, match="“cs.LG/../x”"):
        arxiv_client.fetch_recent(["cs.LG/../x"])
    assert len(mocked.calls) == 0


def test_fetch_recent_unavailable_names_the_categories(
    arxiv_client: ArxivClient, mocked: responses.RequestsMock, sleeps: list[float]
) -> None:
    mocked.get(RSS_FEED_URL, body=requests.exceptions.ConnectionError())

    with pytest.raises(ArxivUnavailable) as raised:
        arxiv_client.fetch_recent(["cs.LG", "stat.ML"])

    assert str(raised.value) == "arXiv did not answer for the new submissions in cs.LG, stat.ML after 5 attempts."
    assert sleeps == [3.0, 6.0, 12.0, 24.0]
