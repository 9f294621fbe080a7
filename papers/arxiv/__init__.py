"""A polite arXiv client: identifiers, parsing, a throttled HTTP client.

Importing this package does not touch the database or the network.
"""

from papers.arxiv.client import (
    API_URL,
    MAX_IDS_PER_REQUEST,
    MAX_RESULTS_PER_REQUEST,
    RSS_URL,
    ArxivClient,
    FetchResult,
    SearchPage,
    build_search_query,
    comparable_title,
    exponential_backoff,
    user_agent,
)
from papers.arxiv.errors import (
    ArxivApiError,
    ArxivError,
    ArxivResponseError,
    ArxivUnavailable,
    InvalidArxivCategory,
    InvalidArxivId,
)
from papers.arxiv.ids import (
    normalize_arxiv_id,
    normalize_categories,
    normalize_id_list,
    parse_arxiv_id,
    split_id_list,
)
from papers.arxiv.parse import ArxivEntry, ArxivFeed, RecentSubmission, parse_api_response, parse_rss_feed
from papers.arxiv.throttle import DatabaseThrottle

__all__ = [
    "API_URL",
    "MAX_IDS_PER_REQUEST",
    "MAX_RESULTS_PER_REQUEST",
    "RSS_URL",
    "ArxivApiError",
    "ArxivClient",
    "ArxivEntry",
    "ArxivError",
    "ArxivFeed",
    "ArxivResponseError",
    "ArxivUnavailable",
    "DatabaseThrottle",
    "FetchResult",
    "InvalidArxivCategory",
    "InvalidArxivId",
    "RecentSubmission",
    "SearchPage",
    "build_search_query",
    "comparable_title",
    "exponential_backoff",
    "normalize_arxiv_id",
    "normalize_categories",
    "normalize_id_list",
    "parse_api_response",
    "parse_arxiv_id",
    "parse_rss_feed",
    "split_id_list",
    "user_agent",
]
