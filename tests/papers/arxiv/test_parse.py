from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import pytest

from papers.arxiv import ArxivApiError, ArxivEntry, ArxivResponseError, parse_api_response, parse_rss_feed

Recorded = Callable[[str], bytes]


def test_current_backend_entry(recorded: Recorded) -> None:
    feed = parse_api_response(recorded("new-backend-id-1605.08386.xml"))

    assert (feed.total_results, feed.start_index, feed.items_per_page) == (1, 0, 100)
    assert feed.entries == [
        ArxivEntry(
            arxiv_id="1605.08386",
            version=1,
            title="Heat-bath random walks with Markov bases",
            abstract=feed.entries[0].abstract,
            authors=["Caprice Stanley", "Tobias Windisch"],
            published=datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC),
            updated=datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC),
            primary_category="math.CO",
            categories=["math.CO", "math.ST"],
            doi="",
            journal_ref="",
            comment="20 pages, 3 figures",
            abs_url="https://arxiv.org/abs/1605.08386v1",
            pdf_url="https://arxiv.org/pdf/1605.08386v1",
        )
    ]
    abstract = feed.entries[0].abstract
    assert abstract.startswith("Graphs on lattice points are studied whose edges")
    assert abstract.endswith("is an expander in fixed dimension.")


def test_legacy_entry_has_its_wrapped_text_collapsed(recorded: Recorded) -> None:
    feed = parse_api_response(recorded("legacy-id-1111.2011v2.xml"))

    (entry,) = feed.entries
    assert (entry.arxiv_id, entry.version) == ("1111.2011", 2)
    assert entry.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert entry.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert "\n" not in entry.abstract and "  " not in entry.abstract
    assert entry.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"]
    assert entry.doi == "10.1103/PhysRevB.85.115117"
    assert entry.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert entry.comment == "8 pages, 3 figures. Published version"
    assert entry.primary_category == "cond-mat.str-el"
    assert entry.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]
    assert entry.published == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert entry.updated == datetime(2012, 4, 2, 12, 38, 54, tzinfo=UTC)
    # The legacy answer links over http; the entry always says https.
    assert entry.abs_url == "https://arxiv.org/abs/1111.2011v2"
    assert entry.pdf_url == "https://arxiv.org/pdf/1111.2011v2"
    assert (feed.total_results, feed.start_index, feed.items_per_page) == (1, 0, 10)


def test_dates_with_an_offset_become_utc(recorded: Recorded) -> None:
    content = recorded("new-backend-id-1605.08386.xml").replace(
        b"<published>2016-05-26T17:59:46Z", b"<published>2016-05-26T13:59:46-04:00"
    )
    (entry,) = parse_api_response(content).entries
    assert entry.published == datetime(2016, 5, 26, 17, 59, 46, tzinfo=UTC)
    assert entry.published.utcoffset() is not None


def test_error_entry_becomes_an_api_error_with_arxivs_words(recorded: Recorded) -> None:
    with pytest.raises(ArxivApiError) as raised:
        parse_api_response(recorded("new-backend-error-bad-id.xml"))
    assert raised.value.detail == "incorrect id format for abc"
    assert "incorrect id format for abc" in str(raised.value)


def test_empty_answer_is_an_empty_list(recorded: Recorded) -> None:
    feed = parse_api_response(recorded("new-backend-empty.xml"))
    assert feed.entries == []
    assert feed.total_results == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not well-formed"),
        (b"<html><body>Service unavailable</body></html>", "not an Atom feed"),
        (b'{"error": "busy"}', "not well-formed"),
    ],
)
def test_what_is_not_a_feed_is_refused(content: bytes, reason: str) -> None:
    with pytest.raises(ArxivResponseError, match=reason):
        parse_api_response(content)


def test_truncated_answer_is_refused_rather_than_read_as_fewer_papers(recorded: Recorded) -> None:
    with pytest.raises(ArxivResponseError, match="not well-formed"):
        parse_api_response(recorded("broken-truncated.xml"))


def test_answer_without_paging_numbers_is_refused(recorded: Recorded) -> None:
    content = recorded("new-backend-empty.xml").replace(b"<opensearch:totalResults>0</opensearch:totalResults>", b"")
    with pytest.raises(ArxivResponseError, match="totalResults"):
        parse_api_response(content)


def test_entry_with_a_foreign_id_is_refused(recorded: Recorded) -> None:
    content = recorded("new-backend-id-1605.08386.xml").replace(
        b"<id>http://arxiv.org/abs/1605.08386v1</id>", b"<id>https://example.org/1</id>"
    )
    with pytest.raises(ArxivResponseError, match="https://example.org/1"):
        parse_api_response(content)


def test_a_full_page_of_2000_entries(feed_for_ids: Callable[[Sequence[str]], bytes]) -> None:
    ids = [f"2401.{number:05d}" for number in range(1, 2001)]
    feed = parse_api_response(feed_for_ids(ids))
    assert [entry.arxiv_id for entry in feed.entries] == ids
    assert feed.total_results == 2000
    assert all(entry.authors == ["Caprice Stanley", "Tobias Windisch"] for entry in feed.entries)


def test_rss_items(recorded: Recorded) -> None:
    first, second = parse_rss_feed(recorded("rss-cs-lg-abridged.xml"))

    assert first.arxiv_id == "2609.26820"
    assert first.version == 1
    assert first.title == (
        "Signal2Symbol: Neuro-Symbolic Temporal Reasoning for Explainable Physiological Time-Series Anomaly Detection"
    )
    assert first.abstract == "Physiological time series such as electrocardiograms (ECG) ..."
    assert first.authors == ["Naser Mansour", "Sidahmed Benabderrahmane", "Ameer Rahwan"]
    assert first.announce_type == "new"
    assert first.categories == ["cs.LG", "cs.AI"]
    assert first.link == "https://arxiv.org/abs/2609.26820"
    assert first.published == date(2026, 9, 24)

    assert (second.arxiv_id, second.version, second.announce_type) == ("2205.06398", 2, "cross")
    assert second.authors == ["Pritam Dey", "Zhengwu Zhang", "David B. Dunson"]
    assert second.categories == ["stat.ME", "stat.AP", "stat.ML"]
    assert second.abstract == "It has become routine in neuroscience studies ..."


def test_rss_abstract_is_plain_text(recorded: Recorded) -> None:
    content = recorded("rss-cs-lg-abridged.xml").replace(
        b"Physiological time series", b"For x &lt; y &amp; &lt;b&gt; tags, time series"
    )
    first = parse_rss_feed(content)[0]
    assert first.abstract.startswith("For x < y & <b> tags, time series")


def test_rss_without_items_is_an_empty_list() -> None:
    content = b'<?xml version="1.0"?><rss version="2.0"><channel><title>cs.LG</title></channel></rss>'
    assert parse_rss_feed(content) == []


def test_broken_rss_is_refused(recorded: Recorded) -> None:
    # Cut inside the second item: feedparser would still offer the first one.
    content = recorded("rss-cs-lg-abridged.xml")[:1800]
    with pytest.raises(ArxivResponseError, match="not well-formed"):
        parse_rss_feed(content)


def test_an_atom_answer_is_not_an_rss_feed(recorded: Recorded) -> None:
    with pytest.raises(ArxivResponseError, match="not an RSS feed"):
        parse_rss_feed(recorded("new-backend-id-1605.08386.xml"))
