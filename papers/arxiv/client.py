"""The HTTP side of arXiv: batching, searching, retrying, and always asking politely."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from papers.arxiv.errors import ArxivApiError, ArxivResponseError, ArxivUnavailable, describe_ids
from papers.arxiv.ids import normalize_categories, normalize_id_list
from papers.arxiv.parse import ArxivEntry, ArxivFeed, RecentSubmission, parse_api_response, parse_rss_feed
from papers.arxiv.throttle import DatabaseThrottle

logger = logging.getLogger(__name__)

API_URL = "https://export.arxiv.org/api/query"
RSS_URL = "https://rss.arxiv.org/rss/"
# Long id_lists make slow answers that time out; arXiv allows 2000 results a call.
MAX_IDS_PER_REQUEST = 100
MAX_RESULTS_PER_REQUEST = 2000
# A longer Retry-After is not waited out: the person importing would be left
# staring at a page for minutes. Giving up tells them to come back later.
LONGEST_RETRY_AFTER = 120.0
EXACT_TITLE_CANDIDATES = 25

RETRYABLE_EXCEPTIONS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_NOT_A_WORD = re.compile(r"[\W_]+")

TimeoutSetting = float | tuple[float, float]


def exponential_backoff(retry: int) -> float:
    """Seconds to wait before retry number `retry` (1, 2, …): 3, 6, 12, 24, …"""
    return 3.0 * 2 ** (retry - 1)


def user_agent() -> str:
    contact = getattr(settings, "ARXIV_CONTACT_EMAIL", "") or "unknown"
    return f"readinglist/0.1 (Xinya reading lists; mailto:{contact})"


def build_search_query(
    title: str | None = None,
    author: str | None = None,
    category: str | None = None,
    text: str | None = None,
) -> str:
    """arXiv's search_query: each given field as a quoted phrase, all of them required."""
    parts = [
        _field("ti", title),
        _field("au", author),
        f"cat:{normalize_categories([category])[0]}" if category and category.strip() else "",
        _field("all", text),
    ]
    query = " AND ".join(part for part in parts if part)
    if not query:
        raise ValueError(_("Give a title, an author, a category or words to search for."))
    return query


def comparable_title(title: str) -> str:
    """Titles compare equal whatever their case, spacing and punctuation."""
    return " ".join(_NOT_A_WORD.sub(" ", title.casefold()).split())


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The papers arXiv knows, in the order asked, and the ids it does not know."""

    entries: list[ArxivEntry]
    not_found: list[str]


@dataclass(frozen=True, slots=True)
class SearchPage:
    entries: list[ArxivEntry]
    total: int
    start: int
    page_size: int


class ArxivClient:
    """Every request is throttled, has a timeout, and is retried when arXiv is busy or away."""

    def __init__(
        self,
        session: requests.Session | None = None,
        throttle: AbstractContextManager[object] | None = None,
        timeout: TimeoutSetting = (5, 30),
        max_retries: int = 4,
        backoff: Callable[[int], float] = exponential_backoff,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.session = session or requests.Session()
        self.throttle = throttle if throttle is not None else DatabaseThrottle()
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.user_agent = user_agent()

    def fetch(self, ids: Iterable[str]) -> FetchResult:
        """Look papers up by id, at most MAX_IDS_PER_REQUEST per request; versions are ignored."""
        wanted = normalize_id_list(ids)
        found: dict[str, ArxivEntry] = {}
        for start in range(0, len(wanted), MAX_IDS_PER_REQUEST):
            batch = wanted[start : start + MAX_IDS_PER_REQUEST]
            # max_results defaults to 10 even for an id_list.
            params = {"id_list": ",".join(batch), "max_results": len(batch)}
            feed = self._query(params, ids=wanted, unavailable=partial(_ids_unavailable, wanted))
            found.update((entry.arxiv_id, entry) for entry in feed.entries)
        return FetchResult(
            entries=[found[arxiv_id] for arxiv_id in wanted if arxiv_id in found],
            not_found=[arxiv_id for arxiv_id in wanted if arxiv_id not in found],
        )

    def search(
        self,
        title: str | None = None,
        author: str | None = None,
        category: str | None = None,
        text: str | None = None,
        start: int = 0,
        max_results: int = 25,
    ) -> SearchPage:
        """One page of results matching every given field; title, author and text as phrases."""
        if start < 0 or not 1 <= max_results <= MAX_RESULTS_PER_REQUEST:
            raise ValueError(f"start must be >= 0 and max_results 1..{MAX_RESULTS_PER_REQUEST}")
        query = build_search_query(title=title, author=author, category=category, text=text)
        params = {"search_query": query, "start": start, "max_results": max_results}
        feed = self._query(params, ids=(), unavailable=partial(_search_unavailable, query))
        return SearchPage(
            entries=feed.entries, total=feed.total_results, start=feed.start_index, page_size=feed.items_per_page
        )

    def search_exact_title(self, title: str) -> list[ArxivEntry]:
        """Papers whose title is this one, ignoring case, spacing and punctuation."""
        wanted = comparable_title(title)
        if not wanted:
            return []
        # Punctuation is dropped from the phrase too: arXiv ignores it, and a
        # stray quote or bracket could otherwise change the query's meaning.
        phrase = " ".join(_NOT_A_WORD.sub(" ", title).split())
        page = self.search(title=phrase, max_results=EXACT_TITLE_CANDIDATES)
        return [entry for entry in page.entries if comparable_title(entry.title) == wanted]

    def fetch_recent(self, categories: Iterable[str]) -> list[RecentSubmission]:
        """Today's announcements in these categories, from the RSS feed."""
        wanted = normalize_categories(categories)
        if not wanted:
            return []
        content = self._get(
            RSS_URL + "+".join(wanted),
            params=None,
            ids=(),
            unavailable=partial(_recent_unavailable, wanted),
        )
        return parse_rss_feed(content)

    def _query(
        self, params: dict[str, str | int], ids: Sequence[str], unavailable: Callable[[int], str]
    ) -> ArxivFeed:
        content = self._get(API_URL, params=params, ids=ids, unavailable=unavailable)
        try:
            return parse_api_response(content)
        except ArxivApiError as error:
            raise ArxivApiError(error.detail, ids) from error
        except ArxivResponseError as error:
            raise ArxivResponseError(error.reason, ids) from error

    def _get(
        self,
        url: str,
        params: dict[str, str | int] | None,
        ids: Sequence[str],
        unavailable: Callable[[int], str],
    ) -> bytes:
        """The body of a 200 answer; retries what may pass, raises what will not."""
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                with self.throttle:
                    response = self.session.get(
                        url, params=params, headers={"User-Agent": self.user_agent}, timeout=self.timeout
                    )
            except RETRYABLE_EXCEPTIONS as error:
                problem = type(error).__name__
                wait = self.backoff(attempt)
            else:
                if response.status_code == 200:
                    return response.content
                if not _is_retryable(response.status_code):
                    raise _refusal(response, ids)
                problem = f"HTTP {response.status_code}"
                wait = max(self.backoff(attempt), _retry_after(response))
            if attempt == attempts or wait > LONGEST_RETRY_AFTER:
                break
            logger.warning(
                "arXiv request %s failed (%s), attempt %d of %d; retrying in %.1f s",
                url,
                problem,
                attempt,
                attempts,
                wait,
            )
            self.sleep(wait)
        logger.error("arXiv request %s failed (%s) after %d attempts; giving up", url, problem, attempt)
        raise ArxivUnavailable(unavailable(attempt), attempts=attempt, ids=ids)


def _field(prefix: str, value: str | None) -> str:
    # arXiv's query syntax has no escapes: a double quote can only be dropped.
    phrase = " ".join((value or "").replace('"', " ").split())
    return f'{prefix}:"{phrase}"' if phrase else ""


def _is_retryable(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _retry_after(response: requests.Response) -> float:
    """Retry-After in seconds; the HTTP-date form is left to the backoff."""
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else 0.0


def _refusal(response: requests.Response, ids: Sequence[str]) -> ArxivApiError:
    """arXiv's own explanation when its answer is an error feed, else the HTTP status."""
    try:
        parse_api_response(response.content)
    except ArxivApiError as error:
        return ArxivApiError(error.detail, ids)
    except ArxivResponseError:
        pass
    return ArxivApiError(_("HTTP status %(status)d") % {"status": response.status_code}, ids)


def _ids_unavailable(ids: Sequence[str], attempts: int) -> str:
    return ngettext(
        "arXiv did not answer for %(ids)s after %(attempts)d attempt; nothing was imported.",
        "arXiv did not answer for %(ids)s after %(attempts)d attempts; nothing was imported.",
        attempts,
    ) % {"ids": describe_ids(ids), "attempts": attempts}


def _search_unavailable(query: str, attempts: int) -> str:
    return ngettext(
        "arXiv did not answer the search %(query)s after %(attempts)d attempt.",
        "arXiv did not answer the search %(query)s after %(attempts)d attempts.",
        attempts,
    ) % {"query": query, "attempts": attempts}


def _recent_unavailable(categories: Sequence[str], attempts: int) -> str:
    return ngettext(
        "arXiv did not answer for the new submissions in %(categories)s after %(attempts)d attempt.",
        "arXiv did not answer for the new submissions in %(categories)s after %(attempts)d attempts.",
        attempts,
    ) % {"categories": ", ".join(categories), "attempts": attempts}
