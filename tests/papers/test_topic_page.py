import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Level
from students import claims
from tests.conftest import make_category, make_entry, make_topic

pytestmark = pytest.mark.django_db


def topic_url(topic, **query):
    url = reverse("topic_detail", kwargs={"slug": topic.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_anonymous_visitor_is_sent_to_log_in(client, topic):
    response = client.get(topic_url(topic))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_outsider_gets_404(client, login, outsider, topic):
    login(outsider)
    assert client.get(topic_url(topic)).status_code == 404


def test_student_sees_intro_and_advanced_papers_with_their_details(client, login, student, topic, intro_entry, advanced_entry):
    login(student)
    response = client.get(topic_url(topic))
    html = response.content.decode()
    assert response.status_code == 200
    assert "ConcatNet" in html and "DMM" in html
    assert "DMM: a paper" in html and "CVPR 2024" in html
    assert response.context["intro_rows"][0].entry == intro_entry
    assert [row.entry for row in response.context["advanced_rows"]] == [advanced_entry]


def test_paper_links_to_its_arxiv_abstract_when_it_has_one(client, login, student, topic):
    make_entry(topic, "AuxDet", arxiv_id="2505.15184")
    login(student)
    assert 'href="https://arxiv.org/abs/2505.15184"' in client.get(topic_url(topic)).content.decode()


def test_intro_papers_offer_no_claim_control(client, login, student, topic, intro_entry, advanced_entry):
    login(student)
    html = client.get(topic_url(topic)).content.decode()
    intro_row = html.split(f'id="entry-{intro_entry.pk}"')[1].split("</li>")[0]
    advanced_row = html.split(f'id="entry-{advanced_entry.pk}"')[1].split("</li>")[0]
    assert "Reading practice only" in intro_row
    assert "/claim/" not in intro_row and "/switch/" not in intro_row
    assert 'id="status-' in intro_row  # reading progress is still tracked
    assert reverse("claim_paper", args=[topic.slug, advanced_entry.pk]) in advanced_row


def test_advanced_papers_filter_by_the_topics_own_categories(client, login, student, topic, advanced_entry, second_entry):
    info_only = make_entry(topic, "SAMLP", categories=("辅助信息",))
    info, task = topic.categories.get(name="辅助信息"), topic.categories.get(name="辅助任务")
    login(student)

    def shown(category):
        return {row.entry for row in client.get(topic_url(topic, category=category)).context["advanced_rows"]}

    assert shown(info.pk) == {advanced_entry, info_only}
    assert shown(task.pk) == {advanced_entry, second_entry}
    assert shown("nonsense") == {advanced_entry, second_entry, info_only}
    assert shown(make_category(make_topic("elsewhere"), "辅助信息").pk) == {advanced_entry, second_entry, info_only}


def test_the_filters_name_the_topics_categories_and_say_which_is_shown(client, login, student, topic, advanced_entry, second_entry):
    task = topic.categories.get(name="辅助任务")
    login(student)
    html = client.get(topic_url(topic, category=task.pk)).content.decode()
    assert f'href="?category={task.pk}" id="filter-{task.pk}" class="filter current" aria-current="true"' in html
    assert ">辅助信息</a>" in html


def test_htmx_filter_returns_only_the_list_partial(client, login, student, topic, advanced_entry):
    login(student)
    task = topic.categories.get(name="辅助任务")
    response = client.get(topic_url(topic, category=task.pk), headers={"HX-Request": "true", "HX-Target": "advanced-papers"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="advanced-papers"')
    assert "<html" not in html


def test_other_students_see_a_claimed_paper_as_taken(client, login, student, other_student, topic, advanced_entry):
    claims.claim(student, advanced_entry)
    login(other_student)
    response = client.get(topic_url(topic))
    (row,) = response.context["advanced_rows"]
    assert row.state == "full"
    assert "Taken" in response.content.decode()


def test_student_sees_their_own_claim_as_yours_with_release(client, login, student, topic, advanced_entry):
    claims.claim(student, advanced_entry)
    login(student)
    html = client.get(topic_url(topic)).content.decode()
    assert "Yours" in html
    assert reverse("release_paper", args=[topic.slug]) in html


def test_topic_page_is_translated_into_chinese(client, login, student, topic, intro_entry):
    login(student)
    html = client.get(topic_url(topic), headers={"Accept-Language": "zh-hans"}).content.decode()
    assert "入门文献" in html
    assert "仅用于阅读练习" in html


@pytest.mark.parametrize("size", [10, 500])
def test_topic_page_query_count_does_not_grow_with_the_list(client, login, student, other_student, topic, size, django_assert_num_queries):
    for index in range(size):
        level = Level.INTRO if index % 3 == 0 else Level.ADVANCED
        make_entry(topic, f"P{index}", level=level, categories=("辅助信息",) if index % 2 == 0 else ("辅助任务",), position=index)
    claims.claim(other_student, topic.entries.advanced().first())
    login(student)
    # session, user, topic, enrollment, the topic's categories, the student's open slot,
    # all entries with paper and claim counts, their categories, the student's reading
    # progress, recent arXiv submissions, the materials: the same eleven queries for 10 or 500 papers.
    with django_assert_num_queries(11):
        response = client.get(topic_url(topic))
    assert len(response.context["intro_rows"]) + len(response.context["advanced_rows"]) == size


def test_after_the_deadline_the_page_says_so_and_offers_no_claim(client, login, student, topic, advanced_entry):
    from datetime import timedelta

    from django.utils import timezone

    topic.claim_deadline = timezone.now() - timedelta(hours=1)
    topic.save()
    login(student)
    html = client.get(topic_url(topic)).content.decode()
    assert "Claims closed on" in html
    assert reverse("claim_paper", args=[topic.slug, advanced_entry.pk]) not in html


def test_capacity_above_one_shows_places_left(client, login, student, other_student, topic, advanced_entry):
    topic.claim_capacity = 3
    topic.save()
    claims.claim(other_student, advanced_entry)
    login(student)
    assert "2 of 3 places left" in client.get(topic_url(topic)).content.decode()


def test_advanced_list_refreshes_itself_while_the_page_is_open(client, login, student, topic, advanced_entry):
    login(student)
    html = client.get(topic_url(topic)).content.decode()
    list_tag = html.split('<div id="advanced-papers"')[1].split(">")[0]
    assert 'hx-trigger="every 30s' in list_tag
    assert f'hx-get="{topic_url(topic)}"' in list_tag


def test_recent_arxiv_submissions_show_with_a_one_click_proposal(client, login, student, mentor, topic):
    from django.utils import timezone

    from papers.models import RecentPaper

    topic.arxiv_categories = "cs.CV"
    topic.save()
    RecentPaper.objects.create(
        topic=topic, arxiv_id="2611.01234", title="Depth Cues for Hazy Detection", authors=["A. Author"],
        published=timezone.localdate(), fetched_at=timezone.now(),
    )
    login(student)
    html = client.get(topic_url(topic)).content.decode()
    assert "Depth Cues for Hazy Detection" in html
    assert reverse("propose", args=[topic.slug]) + "?arxiv=2611.01234" in html
    client.force_login(mentor)
    html = client.get(topic_url(topic)).content.decode()
    assert "Depth Cues for Hazy Detection" in html
    assert "?arxiv=2611.01234" not in html  # mentors do not propose
    assert reverse("mentor_dashboard", args=[topic.slug]) in html


@pytest.mark.parametrize("year", [1, 9999])
def test_a_deadline_stored_near_the_ends_of_the_calendar_still_shows(client, login, student, topic, advanced_entry, year):
    from datetime import UTC, datetime

    from papers.models import Topic

    Topic.objects.filter(pk=topic.pk).update(claim_deadline=datetime(year, 1 if year == 1 else 12, 1 if year == 1 else 31, tzinfo=UTC))
    login(student)
    response = client.get(topic_url(topic))
    assert response.status_code == 200
    assert f"{year:04d}-" in response.content.decode()
    assert client.get(reverse("release_paper", args=[topic.slug])).status_code == 200


def test_the_introduction_is_rendered_once_when_saved_not_on_every_request(client, login, student, topic):
    topic.introduction = "## 背景\n\nAuxiliary **information** helps. <script>alert(1)</script>\n\nMore."
    topic.save()
    topic.refresh_from_db()
    assert "<strong>information</strong>" in topic.introduction_html and "<script>" not in topic.introduction_html
    assert topic.summary == "Auxiliary information helps."
    login(student)
    from unittest import mock

    with mock.patch("papers.markdown.render_markdown") as render:
        html = client.get(topic_url(topic)).content.decode()
    render.assert_not_called()
    assert "<h3>背景</h3>" in html
