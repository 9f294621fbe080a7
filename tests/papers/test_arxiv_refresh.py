"""refresh_arxiv records new versions; a student who claimed the paper sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from papers.models import Paper, PaperVersion
from students import claims
from students.models import Claim
from tests.conftest import make_entry
from tests.papers.test_arxiv_fakes import FakeArxiv, FakePaper, fake_arxiv  # noqa: F401

pytestmark = pytest.mark.django_db
NOTICE = "arxiv/includes/new_version_notice.html"


@pytest.fixture
def dmm(topic, advanced_entry) -> Paper:
    Paper.objects.filter(pk=advanced_entry.paper_id).update(arxiv_id="2407.08132", arxiv_version=1)
    return Paper.objects.get(pk=advanced_entry.paper_id)


def refresh() -> str:
    out = StringIO()
    call_command("refresh_arxiv", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_refresh_records_a_new_version(dmm, fake_arxiv: FakeArxiv):
    fake_arxiv.know(FakePaper("2407.08132", version=2, updated="2026-11-20T09:30:00Z"))

    output = refresh()

    version = PaperVersion.objects.get()
    assert (version.paper, version.version, version.revised_at.isoformat()) == (dmm, 2, "2026-11-20T09:30:00+00:00")
    dmm.refresh_from_db()
    assert dmm.arxiv_version == 2 and dmm.arxiv_updated.isoformat() == "2026-11-20T09:30:00+00:00"
    assert "New arXiv versions found: 1." in output and "↑ 2407.08132: v2" in output


def test_refreshing_again_finds_nothing_new(dmm, fake_arxiv: FakeArxiv):
    fake_arxiv.know(FakePaper("2407.08132", version=2))
    refresh()

    output = refresh()

    assert PaperVersion.objects.count() == 1
    assert "Created: 0 · updated: 0 · unchanged: 1 · failed: 0." in output and "New arXiv versions" not in output


def test_a_first_lookup_is_not_a_new_version(topic, fake_arxiv: FakeArxiv):
    make_entry(topic, "AuxDet", arxiv_id="2505.15184")
    fake_arxiv.know(FakePaper("2505.15184", version=3))

    refresh()

    assert Paper.objects.get(arxiv_id="2505.15184").arxiv_version == 3
    assert not PaperVersion.objects.exists()


def test_refresh_asks_for_100_papers_a_request(topic, fake_arxiv: FakeArxiv):
    for number in range(1, 251):
        Paper.objects.create(arxiv_id=f"2401.{number:05d}", url=f"https://arxiv.org/abs/2401.{number:05d}", title="t")
        fake_arxiv.know(f"2401.{number:05d}")

    refresh()

    assert [len(batch) for batch in fake_arxiv.id_requests] == [100, 100, 50]


def test_refresh_exits_with_an_error_when_papers_failed(dmm, fake_arxiv: FakeArxiv):
    with pytest.raises(CommandError, match=r"1 of 1 papers failed"):
        refresh()


def test_refresh_with_nothing_to_refresh_says_so(db):
    with pytest.raises(CommandError, match="No paper in the catalogue has an arXiv identifier yet."):
        refresh()


# The notice on the student's page


def claimed(student, entry, days_ago: int) -> Claim:
    claim = claims.claim(student, entry)
    Claim.objects.filter(pk=claim.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return Claim.objects.select_related("entry__paper").prefetch_related("entry__paper__versions").get(pk=claim.pk)


def test_student_who_claimed_before_a_new_version_sees_it(student, dmm, advanced_entry):
    PaperVersion.objects.create(paper=dmm, version=3, revised_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    claim = claimed(student, advanced_entry, days_ago=3)

    notice = render_to_string(NOTICE, {"paper": claim.paper, "since": claim.created_at})

    assert "A new version (v3, 2026-11-20) of this paper appeared on arXiv." in notice
    assert 'href="https://arxiv.org/abs/2407.08132v3"' in notice


def test_a_version_found_before_the_claim_is_no_news(student, dmm, advanced_entry):
    PaperVersion.objects.create(paper=dmm, version=2)
    PaperVersion.objects.filter(paper=dmm).update(found_at=timezone.now() - timedelta(days=10))
    claim = claimed(student, advanced_entry, days_ago=3)

    assert render_to_string(NOTICE, {"paper": claim.paper, "since": claim.created_at}).strip() == ""


def test_without_a_claim_date_the_notice_shows_the_newest_version(dmm):
    PaperVersion.objects.create(paper=dmm, version=2, revised_at=None)
    PaperVersion.objects.create(paper=dmm, version=3, revised_at=None)

    notice = render_to_string(NOTICE, {"paper": Paper.objects.prefetch_related("versions").get(pk=dmm.pk)})

    assert "A new version (v3, " in notice


def test_no_version_no_notice(dmm):
    assert render_to_string(NOTICE, {"paper": dmm, "since": timezone.now()}).strip() == ""


@pytest.mark.parametrize("size", [2, 20])
def test_notice_is_query_constant_with_the_versions_prefetched(topic, size):
    for number in range(size):
        paper = make_entry(topic, f"P{number}", arxiv_id=f"2401.{number + 1:05d}").paper
        PaperVersion.objects.create(paper=paper, version=2)
    with CaptureQueriesContext(connection) as queries:
        papers = Paper.objects.prefetch_related("versions")
        notices = [render_to_string(NOTICE, {"paper": paper, "since": timezone.now() - timedelta(days=1)}) for paper in papers]
    assert len(queries) == 2  # the papers, their versions
    assert sum("A new version (v2" in notice for notice in notices) == size
