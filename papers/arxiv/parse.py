"""Reading arXiv's answers: the Atom feed of the query API and the RSS feed of new submissions.

The API feed is read with ElementTree rather than feedparser: feedparser
needs about 1.5 s for a full page of 2000 typical entries, ElementTree a
tenth of that, and its strictness means a truncated answer is refused
instead of silently yielding fewer papers (which would look like "not
found"). The RSS feed is small and read with feedparser.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree
from xml.sax import SAXParseException

import feedparser
from django.utils.translation import gettext as _

from papers.arxiv.errors import ArxivApiError, ArxivResponseError, InvalidArxivId
from papers.arxiv.ids import parse_arxiv_id

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"

# arXiv reports a refused request as a feed whose entries have ids like
# https://arxiv.org/api/errors#incorrect_id_format_for_abc.
_ERROR_ENTRY_ID = re.compile(r"https?://arxiv\.org/api/errors\b")
_RSS_GUID_PREFIX = "oai:arXiv.org:"
_RSS_ABSTRACT_PREFIX = re.compile(r"^arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ArxivEntry:
    """One paper as the query API describes its latest (or requested) version."""

    arxiv_id: str
    version: int
    title: str
    abstract: str
    authors: list[str]
    published: datetime
    updated: datetime
    primary_category: str
    categories: list[str]
    doi: str
    journal_ref: str
    comment: str
    abs_url: str
    pdf_url: str


@dataclass(frozen=True, slots=True)
class ArxivFeed:
    """A page of query results, with the OpenSearch numbers needed for paging."""

    entries: list[ArxivEntry]
    total_results: int
    start_index: int
    items_per_page: int


@dataclass(frozen=True, slots=True)
class RecentSubmission:
    """An item of the new-submissions RSS feed."""

    arxiv_id: str
    version: int | None
    title: str
    abstract: str
    authors: list[str]
    announce_type: str
    categories: list[str]
    link: str
    published: date


def parse_api_response(content: bytes) -> ArxivFeed:
    """Read a query API answer; arXiv's own error entries become ArxivApiError."""
    try:
        root = ElementTree.fromstring(content)
    except ElementTree.ParseError as error:
        raise _malformed(*error.position) from error
    if root.tag != f"{ATOM}feed":
        raise ArxivResponseError(_("it is not an Atom feed"))
    elements = root.findall(f"{ATOM}entry")
    errors = [_text(element, f"{ATOM}summary") for element in elements if _is_error_entry(element)]
    if errors:
        raise ArxivApiError("; ".join(errors))
    return ArxivFeed(
        entries=[_api_entry(element) for element in elements],
        total_results=_opensearch_number(root, "totalResults"),
        start_index=_opensearch_number(root, "startIndex"),
        items_per_page=_opensearch_number(root, "itemsPerPage"),
    )


def parse_rss_feed(content: bytes) -> list[RecentSubmission]:
    """Read the new-submissions feed; a day without announcements is an empty list."""
    # Bytes, so that feedparser honours the XML's declared encoding. The
    # description is plain text that feedparser takes for HTML: sanitising
    # would delete whatever in a formula looks like a tag.
    parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    error = parsed.get("bozo_exception")
    if isinstance(error, SAXParseException):
        raise _malformed(error.getLineNumber(), error.getColumnNumber()) from error
    if not parsed.version.startswith("rss"):
        raise ArxivResponseError(_("it is not an RSS feed"))
    return [_rss_item(item) for item in parsed.entries]


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


def _malformed(line: int, column: int) -> ArxivResponseError:
    return ArxivResponseError(
        _("the XML is not well-formed at line %(line)d, column %(column)d") % {"line": line, "column": column}
    )


def _is_error_entry(element: ElementTree.Element) -> bool:
    return bool(_ERROR_ENTRY_ID.match(_text(element, f"{ATOM}id")))


def _api_entry(element: ElementTree.Element) -> ArxivEntry:
    entry_id = _text(element, f"{ATOM}id")
    arxiv_id, version = _versioned_id(entry_id)
    primary = element.find(f"{ARXIV}primary_category")
    return ArxivEntry(
        arxiv_id=arxiv_id,
        version=version,
        title=_text(element, f"{ATOM}title"),
        abstract=_text(element, f"{ATOM}summary"),
        authors=[_text(author, f"{ATOM}name") for author in element.iterfind(f"{ATOM}author")],
        published=_utc_datetime(_text(element, f"{ATOM}published"), entry_id),
        updated=_utc_datetime(_text(element, f"{ATOM}updated"), entry_id),
        primary_category=primary.get("term", "") if primary is not None else "",
        categories=[category.get("term", "") for category in element.iterfind(f"{ATOM}category")],
        doi=_text(element, f"{ARXIV}doi"),
        journal_ref=_text(element, f"{ARXIV}journal_ref"),
        comment=_text(element, f"{ARXIV}comment"),
        # arXiv's own link forms, always over https (legacy answers said http).
        abs_url=f"https://arxiv.org/abs/{arxiv_id}v{version}",
        pdf_url=f"https://arxiv.org/pdf/{arxiv_id}v{version}",
    )


def _versioned_id(entry_id: str) -> tuple[str, int]:
    try:
        arxiv_id, version = parse_arxiv_id(entry_id)
        if version is not None:
            return arxiv_id, version
    except InvalidArxivId:
        pass
    raise ArxivResponseError(_("an entry has the unexpected id “%(id)s”") % {"id": entry_id})


def _text(element: ElementTree.Element, tag: str) -> str:
    """The child's text with whitespace collapsed (legacy answers hard-wrap), "" if absent."""
    child = element.find(tag)
    if child is None:
        return ""
    return collapse_whitespace("".join(child.itertext()))


def _utc_datetime(text: str, entry_id: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ArxivResponseError(
            _("the entry %(id)s has the unexpected date “%(date)s”") % {"id": entry_id, "date": text}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _opensearch_number(root: ElementTree.Element, name: str) -> int:
    text = _text(root, f"{OPENSEARCH}{name}")
    if not text.isdigit():
        raise ArxivResponseError(_("its %(field)s is “%(value)s”, not a number") % {"field": name, "value": text})
    return int(text)


def _rss_item(item: feedparser.FeedParserDict) -> RecentSubmission:
    guid = item.get("id", "")
    try:
        arxiv_id, version = parse_arxiv_id(guid.removeprefix(_RSS_GUID_PREFIX))
    except InvalidArxivId:
        raise ArxivResponseError(_("an item has the unexpected id “%(id)s”") % {"id": guid}) from None
    # feedparser re-escapes some of the plain text it took for HTML.
    abstract = _RSS_ABSTRACT_PREFIX.sub("", html.unescape(item.get("summary", "")))
    return RecentSubmission(
        arxiv_id=arxiv_id,
        version=version,
        title=collapse_whitespace(item.get("title", "")),
        abstract=collapse_whitespace(abstract),
        authors=[name.strip() for name in item.get("author", "").split(",") if name.strip()],
        announce_type=item.get("arxiv_announce_type", ""),
        categories=[tag["term"] for tag in item.get("tags", [])],
        link=item.get("link", ""),
        published=_rss_date(item.get("published", ""), guid),
    )


def _rss_date(text: str, guid: str) -> date:
    """The announcement day as arXiv dates it, in its own time zone."""
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        raise ArxivResponseError(
            _("the item %(id)s has the unexpected date “%(date)s”") % {"id": guid, "date": text}
        ) from None
