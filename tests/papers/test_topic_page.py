import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Entry, Level
from students import claims
from students.topic_page import PAGE_SIZE
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
    topic.arxiv_categories = "cs.CV"  # recent submissions are read (a topic following no category reads none)
    topic.intro_papers_required = 2  # counted from the student's reading, which the page reads anyway
    topic.save()
    login(student)
    # session, user, the topic with the student's role and last activity, its last claim event (the list's
    # version) and any unfinished preference round of its papers; the topic's categories with their papers,
    # the student's reading progress, their open slot, a page of intro papers and one of advanced papers
    # with their claim counts, recent arXiv submissions, the materials: the same ten queries for 10 or 500
    # papers.
    with django_assert_num_queries(10):
        response = client.get(topic_url(topic))
    shown = len(response.context["intro_rows"]) + len(response.context["advanced_rows"])
    assert shown == min(size, 2 * PAGE_SIZE) if size > PAGE_SIZE else shown == size


def test_after_its_first_request_the_page_builds_no_sql_of_its_own(client, login, student, other_student, topic, advanced_entry, monkeypatch):
    """Its queries are prepared (readinglist.prepared): only Django's own session and user queries are built per request."""
    from django.db.models.sql.compiler import SQLCompiler

    make_entry(topic, "Intro", level=Level.INTRO)
    claims.claim(other_student, advanced_entry)
    login(student)
    first = client.get(topic_url(topic)).content
    built = []
    execute_sql = SQLCompiler.execute_sql
    monkeypatch.setattr(SQLCompiler, "execute_sql", lambda self, *args, **kwargs: built.append(self.query.model) or execute_sql(self, *args, **kwargs))
    with CaptureQueriesContext(connection) as captured:
        again = client.get(topic_url(topic)).content
    assert [model._meta.model_name for model in built] == ["session", "user"]
    assert len(captured.captured_queries) == 9  # the prepared ones run as queries of their own, counted
    assert again.count(b'class="paper state-') == first.count(b'class="paper state-') == 2


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
    live = html.split('<div id="live"')[1].split(">")[0]
    assert 'hx-trigger="every 30s' in live
    assert f'hx-get="{reverse("topic_live", args=[topic.slug])}"' in live
    assert "If-None-Match" in live


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



# Small answers, cheap refreshes, long lists (issue: pages at the speed limit).

HTMX = {"HX-Request": "true"}


def token_in(response) -> str:
    """The list's version an answer gives the page, from its #live element."""
    attribute = response.content.decode().split('<div id="live"')[1].split("hx-headers='")[1].split("'")[0]
    return json.loads(attribute)["If-None-Match"]


def live(client, topic, token: str | None = None):
    headers = {**HTMX, **({"If-None-Match": token} if token else {})}
    return client.get(reverse("topic_live", args=[topic.slug]), headers=headers)


def test_the_refresh_answers_304_without_rendering_when_nothing_changed(client, login, student, topic, advanced_entry, django_assert_max_num_queries):
    login(student)
    token = client.get(topic_url(topic)).context["live_token"]
    # session, user, topic, role, the student's slot and missing intro papers, the last claim event.
    with django_assert_max_num_queries(7):
        response = live(client, topic, token)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == token and "no-cache" in response["Cache-Control"]


def test_after_another_students_claim_the_refresh_sends_only_that_row(client, login, student, other_student, topic, advanced_entry, second_entry):
    login(student)
    token = client.get(topic_url(topic)).context["live_token"]
    claims.claim(other_student, advanced_entry)
    response = live(client, topic, token)
    html = response.content.decode()
    assert response.status_code == 200 and response["ETag"] != token
    assert f'<li class="paper state-full" id="entry-{advanced_entry.pk}" hx-swap-oob="true">' in html
    assert f'id="entry-{second_entry.pk}"' not in html
    assert '<div id="live"' in html and response["ETag"].replace('"', "\\u0022") in html
    assert live(client, topic, response["ETag"]).status_code == 304


def test_a_change_of_the_list_itself_sends_the_whole_list(client, login, student, topic, advanced_entry):
    from papers.models import Topic

    login(student)
    token = client.get(topic_url(topic)).context["live_token"]
    make_entry(topic, "New", position=9)
    Topic.list_changed(topic.pk)
    html = live(client, topic, token).content.decode()
    assert '<div id="advanced-papers" hx-swap-oob="true">' in html and "New" in html


def test_a_garbled_version_gets_the_whole_list_and_never_an_error(client, login, student, topic, advanced_entry):
    login(student)
    for token in ('W/"x"', "garbage", 'W/"1.2.3"', 'W/"a.b.c.d.e"', "\x00" * 50):
        response = live(client, topic, token)
        assert response.status_code == 200 and 'id="advanced-papers"' in response.content.decode()


def test_the_refresh_is_only_for_the_topics_people(client, login, outsider, topic):
    login(outsider)
    assert live(client, topic).status_code == 404


@pytest.mark.parametrize("size", [38, 500])
def test_every_htmx_answer_stays_under_5_kb(client, login, student, other_student, topic, size):
    entries = [make_entry(topic, f"P{index}", position=index) for index in range(size)]
    login(student)
    answers = {
        "claim": client.post(reverse("claim_paper", args=[topic.slug, entries[1].pk]), headers=HTMX),
        "switch": client.post(reverse("claim_paper", args=[topic.slug, entries[2].pk]), headers=HTMX),
    }
    claims.claim(other_student, entries[3])
    # The version the page holds now: the one the last answer gave it.
    answers["refresh"] = live(client, topic, token_in(answers["switch"]))
    answers["taken"] = client.post(reverse("claim_paper", args=[topic.slug, entries[3].pk]), headers=HTMX)
    answers["release"] = client.post(reverse("release_paper", args=[topic.slug]), headers=HTMX)
    answers["reading"] = client.post(reverse("update_reading", args=[topic.slug]), {f"status-{entries[5].pk}": "reading"}, headers=HTMX)
    sizes = {name: len(response.content) for name, response in answers.items()}
    assert all(size < 5 * 1024 for size in sizes.values()), sizes


def test_rows_carry_no_form_or_hidden_field_of_their_own(client, login, student, topic):
    for index in range(20):
        make_entry(topic, f"P{index}", position=index)
    login(student)
    html = client.get(topic_url(topic)).content.decode()
    topic_part = html.split("<article")[1]
    assert topic_part.count("csrfmiddlewaretoken") == 2  # the list's action form and the reading form
    rows = html.split('<ol class="papers"')[2]
    assert "<form" not in rows.split("</ol>")[0] and 'type="hidden"' not in rows.split("</ol>")[0]


def test_a_long_list_loads_a_page_at_a_time(client, login, student, topic):
    entries = [make_entry(topic, f"P{index:03d}", position=index) for index in range(PAGE_SIZE * 2 + 5)]
    login(student)
    first = client.get(topic_url(topic))
    assert len(first.context["advanced_rows"]) == PAGE_SIZE
    html = first.content.decode()
    assert 'href="?page=2"' in html and 'hx-get="?page=2"' in html
    more = client.get(topic_url(topic, page=2), headers={**HTMX, "HX-Target": "more-advanced"})
    chunk = more.content.decode()
    assert "<html" not in chunk and f'id="entry-{entries[PAGE_SIZE].pk}"' in chunk and 'hx-get="?page=3"' in chunk
    last = client.get(topic_url(topic, page=3))  # without JavaScript: a page of its own
    assert [row.entry for row in last.context["advanced_rows"]] == entries[2 * PAGE_SIZE:]
    assert 'href="?page=2"' in last.content.decode()


# Reading statuses on the list.


def test_a_changed_reading_status_answers_with_its_row(client, login, student, topic, intro_entry, advanced_entry):
    login(student)
    response = client.post(reverse("update_reading", args=[topic.slug]), {
        f"status-{intro_entry.pk}": "done", f"status-{advanced_entry.pk}": "to_read",
    }, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<li class="paper state-intro" id="entry-{intro_entry.pk}" hx-swap-oob="true">' in html
    assert f'id="entry-{advanced_entry.pk}"' not in html  # unchanged: to read already
    assert "is marked “Done”" in html
    from students.models import ReadingProgress

    assert ReadingProgress.objects.get(entry=intro_entry).status == "done"


def test_without_javascript_every_changed_status_is_saved_and_the_list_comes_back(client, login, student, topic, intro_entry, advanced_entry):
    login(student)
    response = client.post(reverse("update_reading", args=[topic.slug]), {
        f"status-{intro_entry.pk}": "done", f"status-{advanced_entry.pk}": "reading",
    }, headers={"Referer": f"http://testserver{topic_url(topic)}"})
    assert response.status_code == 302 and response.url.endswith(topic_url(topic))
    from students.models import ReadingProgress

    assert dict(ReadingProgress.objects.values_list("entry_id", "status")) == {intro_entry.pk: "done", advanced_entry.pk: "reading"}


def test_reading_statuses_of_other_topics_or_unknown_values_are_ignored(client, login, student, topic, intro_entry):
    elsewhere = make_entry(make_topic("elsewhere"), "X")
    login(student)
    client.post(reverse("update_reading", args=[topic.slug]), {
        f"status-{elsewhere.pk}": "done", f"status-{intro_entry.pk}": "<script>", "status-abc": "done",
    })
    from students.models import ReadingProgress

    assert not ReadingProgress.objects.exists()


def test_finishing_the_required_intro_reading_sends_the_whole_list_unlocked(client, login, student, topic, intro_entry, advanced_entry):
    topic.intro_papers_required = 1
    topic.save()
    login(student)
    assert "Claim" not in client.get(topic_url(topic)).content.decode().split('id="advanced-papers"')[1]
    html = client.post(reverse("update_reading", args=[topic.slug]), {f"status-{intro_entry.pk}": "done"}, headers=HTMX).content.decode()
    assert '<div id="advanced-papers" hx-swap-oob="true">' in html
    assert f'formaction="{reverse("claim_paper", args=[topic.slug, advanced_entry.pk])}"' in html


def test_after_the_students_own_claim_the_next_refresh_is_304(client, login, student, topic, advanced_entry):
    login(student)
    answer = client.post(reverse("claim_paper", args=[topic.slug, advanced_entry.pk]), headers=HTMX)
    assert live(client, topic, token_in(answer)).status_code == 304


def test_every_value_a_row_shows_is_escaped(client, login, student, other_student, topic):
    """Rows are built in Python (students/topic_rows.py): nothing a paper, a category or a translation holds becomes markup."""
    from papers.models import Paper

    category = make_category(topic, '<b class="x">辅助</b>')
    hostile = Paper.objects.create(
        short_name='"><img src=x onerror=alert(1)>', title="<script>alert('t')</script>", venue="<i>CVPR</i>", year=2024,
        url='https://example.org/p?a=1&b="x"',
    )
    entry = Entry.objects.create(topic=topic, paper=hostile, level=Level.ADVANCED, position=1)
    entry.categories.set([category])
    login(student)
    html = client.get(topic_url(topic)).content.decode()
    assert "<img src=x" not in html and "<script>alert" not in html and '<b class="x">' not in html and "<i>CVPR" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in html
    assert 'href="https://example.org/p?a=1&amp;b=&quot;x&quot;"' in html
    assert "&lt;b class=&quot;x&quot;&gt;辅助&lt;/b&gt;" in html
