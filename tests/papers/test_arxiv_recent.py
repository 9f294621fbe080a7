"""Recent submissions per topic: fetched from arXiv's RSS feed by a task, shown from the database."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from papers import arxiv_jobs
from papers.access import TopicAccess
from papers.arxiv_views import recent_papers_context
from papers.models import RecentPaper, Topic
from papers.tasks import fetch_recent_arxiv
from tests.conftest import make_entry, make_topic
from tests.papers.test_arxiv_fakes import FakeArxiv, fake_arxiv, rss_feed, rss_item  # noqa: F401

pytestmark = pytest.mark.django_db
INCLUDE = "arxiv/includes/recent_papers.html"
SIGNAL2SYMBOL = "2609.26820"  # announce type new, cs.LG
OUTLIER = "2205.06398"  # announce type cross, stat.ML


@pytest.fixture
def ml_topic(topic) -> Topic:
    topic.arxiv_categories = "cs.LG, stat.ML"
    topic.save()
    return topic


def test_feed_items_become_recent_papers_of_the_topic(ml_topic, fake_arxiv: FakeArxiv):
    fake_arxiv.rss_body = rss_feed(rss_item("2401.00001", "A revised paper"))

    report = arxiv_jobs.fetch_recent_papers()

    assert fake_arxiv.rss_urls == ["https://rss.arxiv.org/rss/cs.LG+stat.ML"]
    assert report.stored == {ml_topic.slug: 2} and report.errors == {}
    signal = RecentPaper.objects.get(topic=ml_topic, arxiv_id=SIGNAL2SYMBOL)
    assert signal.title.startswith("Signal2Symbol") and signal.announce_type == "new" and signal.version == 1
    assert signal.authors == ["Naser Mansour", "Sidahmed Benabderrahmane", "Ameer Rahwan"]
    assert signal.categories == ["cs.LG", "cs.AI"] and signal.published.isoformat() == "2026-09-24"
    # A replacement is a revision of an old paper, not a recent one.
    assert not RecentPaper.objects.filter(arxiv_id="2401.00001").exists()


def test_keywords_narrow_a_topics_share(ml_topic, fake_arxiv: FakeArxiv):
    ml_topic.arxiv_keywords = "Anomaly, segmentation"
    ml_topic.save()

    arxiv_jobs.fetch_recent_papers()

    assert list(RecentPaper.objects.values_list("arxiv_id", flat=True)) == [SIGNAL2SYMBOL]


def test_topics_with_the_same_categories_share_one_request(ml_topic, fake_arxiv: FakeArxiv):
    make_topic("other", arxiv_categories="cs.LG stat.ML")
    make_topic("no-arxiv")

    report = arxiv_jobs.fetch_recent_papers()

    assert len(fake_arxiv.rss_urls) == 1
    assert report.stored == {"other": 2, ml_topic.slug: 2}


def test_fetching_again_updates_rows_and_forgets_those_the_feed_stopped_listing(ml_topic, fake_arxiv: FakeArxiv):
    RecentPaper.objects.create(
        topic=ml_topic, arxiv_id="2401.00009", title="Old news", published="2026-08-01",
        fetched_at=timezone.now() - timedelta(days=15),
    )
    arxiv_jobs.fetch_recent_papers()
    RecentPaper.objects.filter(arxiv_id=SIGNAL2SYMBOL).update(title="stale")

    arxiv_jobs.fetch_recent_papers()

    assert sorted(RecentPaper.objects.values_list("arxiv_id", flat=True)) == sorted([OUTLIER, SIGNAL2SYMBOL])
    assert RecentPaper.objects.get(arxiv_id=SIGNAL2SYMBOL).title.startswith("Signal2Symbol")


@pytest.mark.parametrize(
    ("categories", "status", "message"),
    [
        ("cs.LG", 503, "arXiv did not answer for the new submissions in cs.LG after 5 attempts."),
        ("cs.LG", 200, "arXiv's answer could not be read"),
        ("cs LG!", 200, "“LG!” is not an arXiv category"),
    ],
)
def test_a_feed_that_fails_keeps_what_the_topic_had(topic, fake_arxiv: FakeArxiv, categories, status, message):
    topic.arxiv_categories = categories
    topic.save()
    RecentPaper.objects.create(topic=topic, arxiv_id="2401.00009", title="Kept", published="2026-09-01", fetched_at=timezone.now())
    fake_arxiv.rss_status = status
    fake_arxiv.rss_body = b"Service Unavailable" if status == 503 else b"<rss version='2.0'><channel><item>"

    report = arxiv_jobs.fetch_recent_papers()

    assert message in report.errors[topic.slug]
    assert list(RecentPaper.objects.values_list("title", flat=True)) == ["Kept"]


def test_command_prints_what_it_kept_and_fails_loudly_on_errors(ml_topic, fake_arxiv: FakeArxiv):
    out = StringIO()
    call_command("fetch_recent_arxiv", stdout=out)
    assert out.getvalue() == f"{ml_topic.slug}: 2 recent submissions kept.\n"

    fake_arxiv.rss_status = 503
    with pytest.raises(CommandError, match="1 topics could not be updated."):
        call_command("fetch_recent_arxiv", stdout=StringIO())


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}})
def test_the_task_fetches_through_the_task_backend(ml_topic, fake_arxiv: FakeArxiv):
    result = fetch_recent_arxiv.enqueue()

    assert result.status == "SUCCESSFUL" and result.return_value == {"stored": {ml_topic.slug: 2}, "errors": {}}
    assert RecentPaper.objects.count() == 2


# On the topic page


def render_recent(topic: Topic, role: str) -> str:
    context = {"topic": topic, "access": TopicAccess(topic=topic, role=role), **recent_papers_context(topic)}
    return render_to_string(INCLUDE, context)


def test_students_see_recent_papers_and_propose_one_in_a_click(ml_topic, fake_arxiv: FakeArxiv):
    arxiv_jobs.fetch_recent_papers()
    requests_before = len(fake_arxiv.rss_urls)

    html = render_recent(ml_topic, "student")

    assert len(fake_arxiv.rss_urls) == requests_before  # showing never asks arXiv
    assert "Signal2Symbol" in html and "Outlier Detection for Multi-Network Data" in html
    assert f'href="{reverse("propose", args=[ml_topic.slug])}?arxiv={SIGNAL2SYMBOL}"' in html
    assert "Naser Mansour, Sidahmed Benabderrahmane, Ameer Rahwan · 2026-09-24 · cs.LG, cs.AI" in html


def test_the_propose_link_prefills_the_proposal(client, login, student, ml_topic):
    login(student)
    page = client.get(reverse("propose", args=[ml_topic.slug]), {"arxiv": SIGNAL2SYMBOL}).content.decode()
    assert f'value="{SIGNAL2SYMBOL}"' in page


def test_mentors_see_the_list_without_propose_buttons(ml_topic, fake_arxiv: FakeArxiv):
    arxiv_jobs.fetch_recent_papers()
    html = render_recent(ml_topic, "mentor")
    assert "Signal2Symbol" in html and "?arxiv=" not in html


def test_papers_already_on_the_list_are_left_out(ml_topic, fake_arxiv: FakeArxiv):
    arxiv_jobs.fetch_recent_papers()
    make_entry(ml_topic, "Signal2Symbol", arxiv_id=SIGNAL2SYMBOL)

    assert [paper.arxiv_id for paper in recent_papers_context(ml_topic)["recent_papers"]] == [OUTLIER]


def test_a_topic_without_categories_shows_nothing(topic):
    assert render_recent(topic, "student").strip() == ""


def test_a_topic_with_categories_but_nothing_yet_says_so(ml_topic):
    assert "No recent submission matches this topic yet." in render_recent(ml_topic, "student")


@pytest.mark.parametrize("size", [3, 30])
def test_recent_papers_context_is_one_query_whatever_the_size(ml_topic, size, django_assert_num_queries):
    now = timezone.now()
    RecentPaper.objects.bulk_create(
        RecentPaper(topic=ml_topic, arxiv_id=f"2609.{n:05d}", title=f"Paper {n}", published="2026-09-24", fetched_at=now)
        for n in range(1, size + 1)
    )
    with django_assert_num_queries(1):
        html = render_recent(ml_topic, "student")
    assert html.count('class="paper"') == min(size, 12)
