"""Enrichment of the real seed (topic 2) and the confirmation of title matches."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from papers import arxiv_jobs
from papers.catalogue import entry_to_json
from papers.arxiv_jobs import JobSummary
from papers.models import ArxivMatch, ImportJobItem, ItemOutcome, MatchStatus, Paper, Topic
from papers.tasks import run_arxiv_job
from tests.conftest import make_entry
from tests.papers.test_arxiv_fakes import SEED_PAGE, FakeArxiv, FakePaper, arxiv_entry, fake_arxiv  # noqa: F401

pytestmark = pytest.mark.django_db
MATCHES_URL = reverse("arxiv_matches")
# Two of the seed's papers without an arXiv id that arXiv has under exactly their title (ids made up).
ON_ARXIV = {
    "Rethinking Image Restoration for Object Detection": "2210.01234",
    "TransFusion: Multi-modal Fusion Network for Semantic Segmentation": "2305.04321",
}


@pytest.fixture
def seed(db) -> Topic:
    call_command("import_reading_list", str(SEED_PAGE), "--topic", "xinya-2", stdout=StringIO())
    return Topic.objects.get(slug="xinya-2")


@pytest.fixture
def arxiv_knows_the_seed(seed, fake_arxiv: FakeArxiv) -> FakeArxiv:
    for paper in Paper.objects.filter(arxiv_id__isnull=False):
        fake_arxiv.know(FakePaper(paper.arxiv_id, version=2, title=paper.title))
    for title, arxiv_id in ON_ARXIV.items():
        fake_arxiv.titled(title, FakePaper(arxiv_id, title=title.upper()))  # case differs: still the same title
    # A search that finds a paper with a similar but different title is no match.
    fake_arxiv.titled(
        "Image Change Captioning by Learning From an Auxiliary Task",
        FakePaper("2101.00001", title="Image Change Captioning by Learning From an Auxiliary Task, Revisited"),
    )
    return fake_arxiv


def enrich(topic: Topic) -> JobSummary:
    job = arxiv_jobs.start_enrichment(topic)
    run_arxiv_job.call(job.pk)
    return JobSummary.of(job.pk)


def test_seed_enrichment_asks_once_for_the_27_ids_and_searches_the_11_titles(seed, arxiv_knows_the_seed: FakeArxiv):
    summary = enrich(seed)

    (batch,) = arxiv_knows_the_seed.id_requests
    assert sorted(batch) == sorted(Paper.objects.filter(arxiv_id__isnull=False).values_list("arxiv_id", flat=True))
    assert len(batch) == 27
    assert len(arxiv_knows_the_seed.searches) == 11
    assert all(search.startswith('ti:"') for search in arxiv_knows_the_seed.searches)
    assert summary.lines() == [
        "Created: 0 · updated: 27 · unchanged: 0 · failed: 0.",
        "Papers without an arXiv identifier: 2 with a match to confirm, 9 not found on arXiv.",
    ]


def test_seed_papers_with_an_arxiv_id_get_abstract_authors_dates_and_categories(seed, arxiv_knows_the_seed):
    dmm_title = Paper.objects.get(arxiv_id="2407.08132").title

    enrich(seed)

    enriched = Paper.objects.filter(arxiv_id__isnull=False)
    assert all(p.abstract and p.authors and p.arxiv_published and p.arxiv_updated and p.categories for p in enriched)
    assert all(p.arxiv_version == 2 and p.arxiv_checked_at for p in enriched)
    # The reading list's own title, venue and link stay.
    dmm = Paper.objects.get(arxiv_id="2407.08132")
    assert (dmm.title, dmm.venue, dmm.url) == (dmm_title, "TGRS", "https://arxiv.org/abs/2407.08132")
    assert not Paper.objects.filter(arxiv_id__isnull=True).exclude(abstract="").exists()


def test_title_matches_wait_for_confirmation_instead_of_being_applied(seed, arxiv_knows_the_seed):
    enrich(seed)

    matches = ArxivMatch.objects.select_related("paper").order_by("arxiv_id")
    assert [(m.arxiv_id, m.paper.title, m.status) for m in matches] == [
        ("2210.01234", "Rethinking Image Restoration for Object Detection", MatchStatus.PENDING),
        ("2305.04321", "TransFusion: Multi-modal Fusion Network for Semantic Segmentation", MatchStatus.PENDING),
    ]
    assert Paper.objects.filter(arxiv_id__isnull=True).count() == 11
    assert matches[0].metadata["authors"] == ["Caprice Stanley", "Tobias Windisch"]


def test_enrichment_keeps_what_a_mentor_edited(seed, arxiv_knows_the_seed):
    Paper.objects.filter(arxiv_id="2407.08132").update(abstract="Read section 3 first.", edited_fields=["abstract"])

    enrich(seed)

    dmm = Paper.objects.get(arxiv_id="2407.08132")
    assert dmm.abstract == "Read section 3 first." and dmm.authors == ["Caprice Stanley", "Tobias Windisch"]


def test_a_dismissed_match_is_not_proposed_again(seed, arxiv_knows_the_seed):
    enrich(seed)
    ArxivMatch.objects.filter(arxiv_id="2210.01234").update(status=MatchStatus.DISMISSED, decided_at="2026-11-01T00:00Z")

    summary = enrich(seed)

    assert ArxivMatch.objects.get(arxiv_id="2210.01234").status == MatchStatus.DISMISSED
    assert summary.job.matched_count == 1 and summary.job.unmatched_count == 10
    item = ImportJobItem.objects.get(job=summary.job, paper__title="Rethinking Image Restoration for Object Detection")
    assert item.outcome == ItemOutcome.UNMATCHED and item.reason == "Its arXiv match was already decided."


def test_arxiv_going_away_during_the_searches_fails_the_rest_clearly(seed, arxiv_knows_the_seed):
    arxiv_knows_the_seed.search_status = 503

    summary = enrich(seed)

    assert len(arxiv_knows_the_seed.searches) == 5  # one search, retried; the other ten are not tried
    (failed, failed_papers), (skipped, skipped_papers) = summary.failures()
    assert "did not answer the search" in failed and len(failed_papers) == 1
    assert skipped.startswith("Not tried") and len(skipped_papers) == 10
    assert summary.job.updated_count == 27  # the batch of ids came through before


def test_enrich_topic_command_prints_progress_and_summary(seed, arxiv_knows_the_seed):
    out, err = StringIO(), StringIO()

    call_command("enrich_topic", "--topic", "xinya-2", stdout=out, stderr=err)

    assert "Created: 0 · updated: 27 · unchanged: 0 · failed: 0." in out.getvalue()
    assert "Rethinking Image Restoration for Object Detection: a match to confirm on the matches page." in out.getvalue()
    assert err.getvalue().splitlines()[-1] == f"[{'#' * 30}] 38/38 100%"


# The confirmation page


@pytest.fixture
def pending(topic) -> ArxivMatch:
    entry = make_entry(topic, "SAMLP")
    return ArxivMatch.objects.create(
        paper=entry.paper, arxiv_id="2301.00001", title=entry.paper.title,
        metadata=entry_to_json(arxiv_entry(FakePaper("2301.00001", version=3))),
    )


def test_matches_page_lists_pending_matches_with_their_paper_and_topics(client, login, admin_user, topic, pending):
    login(admin_user)

    page = client.get(MATCHES_URL).content.decode()

    assert "arXiv:2301.00001" in page and pending.paper.display_name in page and topic.title in page
    assert reverse("arxiv_match_accept", args=[pending.pk]) in page


def test_accepting_gives_the_paper_its_arxiv_id_and_metadata(client, login, admin_user, pending):
    login(admin_user)

    response = client.post(reverse("arxiv_match_accept", args=[pending.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 200
    partial = response.content.decode()
    assert partial.lstrip().startswith(f'<tbody id="match-paper-{pending.paper_id}"')
    assert "is now arXiv:2301.00001, with its metadata." in partial and "Accepted" in partial
    paper = Paper.objects.get(pk=pending.paper_id)
    assert paper.arxiv_id == "2301.00001" and paper.arxiv_version == 3
    assert paper.authors == ["Caprice Stanley", "Tobias Windisch"] and paper.abstract
    assert paper.title == "SAMLP: a paper"  # the list's title stays
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (MatchStatus.ACCEPTED, admin_user)


def test_accepting_one_candidate_dismisses_the_papers_others(client, login, admin_user, pending):
    other = ArxivMatch.objects.create(paper=pending.paper, arxiv_id="2301.00002", title="x", metadata={})
    login(admin_user)

    partial = client.post(reverse("arxiv_match_accept", args=[pending.pk]), headers={"HX-Request": "true"}).content.decode()

    other.refresh_from_db()
    assert other.status == MatchStatus.DISMISSED
    assert reverse("arxiv_match_accept", args=[other.pk]) not in partial


def test_an_arxiv_id_already_in_the_catalogue_is_refused_clearly(client, login, admin_user, topic, pending):
    holder = make_entry(topic, "AuxDet", arxiv_id="2301.00001").paper
    login(admin_user)

    response = client.post(reverse("arxiv_match_accept", args=[pending.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 409
    assert (
        f"arXiv:2301.00001 is already in the catalogue as “{holder.display_name}”, so “{pending.paper.display_name}” cannot take it"
        in response.content.decode()
    )
    assert Paper.objects.get(pk=pending.paper_id).arxiv_id is None
    pending.refresh_from_db()
    assert pending.status == MatchStatus.PENDING


def test_the_page_warns_before_accepting_an_id_the_catalogue_has(client, login, admin_user, topic, pending):
    make_entry(topic, "AuxDet", arxiv_id="2301.00001")
    login(admin_user)
    assert "Already in the catalogue as “AuxDet”." in client.get(MATCHES_URL).content.decode()


def test_dismissing_without_javascript_redirects_with_a_message(client, login, admin_user, pending):
    login(admin_user)

    response = client.post(reverse("arxiv_match_dismiss", args=[pending.pk]), follow=True)

    assert response.redirect_chain == [(MATCHES_URL, 302)]
    assert "is dismissed" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == MatchStatus.DISMISSED and Paper.objects.get(pk=pending.paper_id).arxiv_id is None


def test_a_decided_match_cannot_be_decided_again(client, login, admin_user, pending):
    login(admin_user)
    client.post(reverse("arxiv_match_dismiss", args=[pending.pk]))

    response = client.post(reverse("arxiv_match_accept", args=[pending.pk]), headers={"HX-Request": "true"})

    assert response.status_code == 409 and "was already dismissed" in response.content.decode()
    assert Paper.objects.get(pk=pending.paper_id).arxiv_id is None


@pytest.mark.parametrize("persona", ["mentor", "student"])
def test_only_staff_decide_matches(client, login, pending, persona, request):
    login(request.getfixturevalue(persona))

    for response in (client.get(MATCHES_URL), client.post(reverse("arxiv_match_accept", args=[pending.pk]))):
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    pending.refresh_from_db()
    assert pending.status == MatchStatus.PENDING


@pytest.mark.parametrize("size", [3, 30])
def test_matches_page_query_count_does_not_grow_with_the_matches(client, login, admin_user, topic, size, django_assert_num_queries):
    for number in range(size):
        paper = make_entry(topic, f"P{number}").paper
        for candidate in range(2):
            ArxivMatch.objects.create(paper=paper, arxiv_id=f"2301.{number * 2 + candidate + 1:05d}", title="t", metadata={})
    login(admin_user)
    # session, user, the papers, their matches, their entries with topics, papers holding those ids
    with django_assert_num_queries(6):
        page = client.get(MATCHES_URL).content.decode()
    assert page.count('<tbody id="match-paper-') == size
