"""The staff import page: paste or search, preview, choose where the papers go, import."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from papers.models import Entry, ImportJob, JobKind, JobStatus, Paper
from tests.conftest import make_category, make_entry, make_topic
from tests.papers.test_arxiv_fakes import FakeArxiv, FakePaper, fake_arxiv  # noqa: F401

pytestmark = pytest.mark.django_db
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
IMPORT_URL = reverse("arxiv_import")
START_URL = reverse("arxiv_import_start")


def import_data(topic, arxiv_ids: list[str], level: str = "advanced", categories: tuple[str, ...] = ("辅助任务",)) -> dict:
    return {
        "arxiv_id": arxiv_ids, "shown": arxiv_ids, "topic": topic.slug, "level": level,
        "categories": [make_category(topic, name).pk for name in categories],
    }


def nothing_queued() -> bool:
    return not ImportJob.objects.exists() and not DBTaskResult.objects.exists()


# Who may use it


@pytest.mark.parametrize("persona", ["mentor", "student", "outsider"])
def test_import_page_is_for_staff_only(client, login, topic, persona, request, fake_arxiv: FakeArxiv):
    login(request.getfixturevalue(persona))

    responses = [
        client.get(IMPORT_URL),
        client.post(IMPORT_URL, {"ids": "2401.00001"}),
        client.post(START_URL, import_data(topic, ["2401.00001"])),
        client.post(reverse("arxiv_enrich"), {"topic": topic.slug}),
        client.post(reverse("arxiv_refresh")),
    ]

    assert all(r.status_code == 302 and r.url.startswith(reverse("admin:login")) for r in responses)
    assert nothing_queued() and not fake_arxiv.queries


def test_anonymous_visitor_is_sent_to_log_in(client, topic):
    response = client.post(START_URL, import_data(topic, ["2401.00001"]))
    assert response.status_code == 302 and nothing_queued()


# Preview


def test_pasted_ids_are_previewed_from_the_catalogue_without_asking_arxiv(client, login, admin_user, topic, fake_arxiv):
    known = make_entry(topic, "DMM", arxiv_id="2407.08132")
    login(admin_user)

    page = client.post(IMPORT_URL, {"ids": "https://arxiv.org/abs/2407.08132v2\narXiv:2401.00001, 2401.00001"}).content.decode()

    assert page.count('name="arxiv_id"') == 2  # normalised and de-duplicated
    assert 'value="2407.08132" checked' in page and 'value="2401.00001" checked' in page
    assert known.paper.display_name in page and topic.title in page
    assert "New" in page
    assert not fake_arxiv.queries


def test_invalid_ids_get_a_clear_message_and_nothing_else_happens(client, login, admin_user, fake_arxiv: FakeArxiv):
    login(admin_user)

    response = client.post(IMPORT_URL, {"ids": "2401.00001 not-an-id 9999.99999"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "“not-an-id”, “9999.99999” are not arXiv identifiers" in page
    assert 'name="arxiv_id"' not in page
    assert nothing_queued() and not fake_arxiv.queries


def test_htmx_preview_is_a_partial(client, login, admin_user):
    login(admin_user)

    partial = client.post(IMPORT_URL, {"ids": "2401.00001"}, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in partial and partial.lstrip().startswith('<section id="preview"')
    assert 'value="2401.00001" checked' in partial


def test_search_shows_arxivs_results_unticked_with_paging(client, login, admin_user, fake_arxiv: FakeArxiv):
    fake_arxiv.know(*[FakePaper(f"2401.{n:05d}", title=f"Depth as auxiliary information {n}") for n in range(1, 4)])
    login(admin_user)

    page = client.get(IMPORT_URL, {"text": "depth", "category": "cs.CV"}).content.decode()

    assert fake_arxiv.searches == ['cat:cs.CV AND all:"depth"']
    assert "Depth as auxiliary information 2" in page and "3 papers found on arXiv." in page
    assert 'value="2401.00002">' in page  # unticked: the staff member chooses
    assert "Next page" not in page


def test_search_paging_asks_arxiv_for_the_next_slice(client, login, admin_user, fake_arxiv: FakeArxiv):
    login(admin_user)

    client.get(IMPORT_URL, {"title": "depth", "page": "3"}, headers={"HX-Request": "true"})

    assert fake_arxiv.queries[-1]["start"] == "50" and fake_arxiv.queries[-1]["max_results"] == "25"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"title": ""}, "Give a title, an author, a category or words to search for."),
        ({"category": "not a category"}, "“not a category” is not an arXiv category"),
    ],
)
def test_bad_search_gets_a_clear_message_before_any_request(client, login, admin_user, fake_arxiv, query, message):
    login(admin_user)
    response = client.get(IMPORT_URL, query)
    assert response.status_code == 400 and message in response.content.decode()
    assert not fake_arxiv.queries


def test_arxiv_being_down_during_a_search_is_a_message_not_an_error(client, login, admin_user, fake_arxiv: FakeArxiv):
    fake_arxiv.search_status = 503
    login(admin_user)

    response = client.get(IMPORT_URL, {"author": "Windisch"})

    assert response.status_code == 200
    assert "arXiv did not answer the search" in response.content.decode()


@pytest.mark.parametrize("size", [5, 50])
def test_preview_query_count_does_not_grow_with_the_ids(client, login, admin_user, topic, size, django_assert_num_queries):
    other = make_topic("other-topic")
    for number in range(size):
        entry = make_entry(topic, f"P{number}", arxiv_id=f"2401.{number + 1:05d}")
        Entry.objects.create(topic=other, paper=entry.paper, level="intro")
    login(admin_user)
    pasted = " ".join(f"2401.{number + 1:05d}" for number in range(size))
    # session, user, the papers, their entries with topics, the topics of the two selects
    with django_assert_num_queries(6):
        page = client.post(IMPORT_URL, {"ids": pasted}).content.decode()
    assert page.count("other-topic") >= size


# Import


def test_import_queues_a_job_and_shows_its_page(client, login, admin_user, topic):
    login(admin_user)

    response = client.post(START_URL, import_data(topic, ["2401.00001", "arXiv:2401.00002v3"]), follow=True)

    job = ImportJob.objects.get()
    assert (job.kind, job.topic, job.level, job.category_names, job.created_by) == (
        JobKind.IMPORT, topic, "advanced", ["辅助任务"], admin_user,
    )
    assert list(job.items.values_list("arxiv_id", flat=True)) == ["2401.00001", "2401.00002"]
    assert DBTaskResult.objects.count() == 1
    assert response.redirect_chain[-1][0] == reverse("arxiv_job", args=[job.pk])
    assert "The import is queued" in response.content.decode()


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_import_through_the_task_backend_ends_with_its_summary(client, login, admin_user, topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001")
    login(admin_user)

    response = client.post(START_URL, import_data(topic, ["2401.00001", "2401.00002"]), follow=True)

    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE
    page = response.content.decode()
    assert "Created: 1 · updated: 0 · unchanged: 0 · failed: 1." in page
    assert "arXiv has no paper with the identifier 2401.00002." in page
    assert Entry.objects.get(topic=topic).paper.arxiv_id == "2401.00001"


def test_categories_on_intro_papers_are_refused_before_anything_is_queued(client, login, admin_user, topic):
    login(admin_user)

    response = client.post(START_URL, import_data(topic, ["2401.00001"], level="intro"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "categories are for advanced papers only" in page
    assert 'value="2401.00001" checked' in page  # the preview is still there
    assert nothing_queued()


def test_a_category_of_another_topic_is_refused_before_anything_is_queued(client, login, admin_user, topic):
    foreign = make_category(make_topic("elsewhere"), "其他")
    login(admin_user)

    response = client.post(START_URL, {**import_data(topic, ["2401.00001"]), "categories": [foreign.pk]})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose categories of the chosen topic." in page
    assert 'value="2401.00001" checked' in page  # the preview is still there
    assert nothing_queued()


def test_nothing_ticked_is_refused_and_the_preview_stays(client, login, admin_user, topic):
    login(admin_user)
    data = import_data(topic, [])
    data["shown"] = ["2401.00001", "2401.00002"]

    response = client.post(START_URL, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick at least one paper to import." in page
    assert 'value="2401.00002">' in page
    assert nothing_queued()


def test_tampered_ids_are_refused(client, login, admin_user, topic):
    login(admin_user)
    response = client.post(START_URL, import_data(topic, ["2401.00001", "../etc/passwd"]))
    assert response.status_code == 400 and "is not an arXiv identifier" in response.content.decode()
    assert nothing_queued()


def test_unknown_topic_is_refused(client, login, admin_user, topic):
    login(admin_user)
    data = import_data(topic, ["2401.00001"]) | {"topic": "no-such-topic"}
    assert client.post(START_URL, data).status_code == 400
    assert nothing_queued()


def test_enrich_and_refresh_buttons_queue_their_jobs(client, login, admin_user, topic, advanced_entry):
    advanced_entry.paper.arxiv_id = "2407.08132"
    advanced_entry.paper.save()
    login(admin_user)

    enrich = client.post(reverse("arxiv_enrich"), {"topic": topic.slug})
    refresh = client.post(reverse("arxiv_refresh"))

    enrichment, refreshing = ImportJob.objects.order_by("pk")
    assert (enrichment.kind, enrichment.topic) == (JobKind.ENRICH, topic)
    assert refreshing.kind == JobKind.REFRESH
    assert enrich.url == reverse("arxiv_job", args=[enrichment.pk]) and refresh.url == reverse("arxiv_job", args=[refreshing.pk])
    assert DBTaskResult.objects.count() == 2


def test_enriching_a_topic_without_papers_says_so(client, login, admin_user, topic):
    login(admin_user)

    response = client.post(reverse("arxiv_enrich"), {"topic": topic.slug}, follow=True)

    assert f"“{topic.title}” has no papers to enrich yet." in response.content.decode()
    assert nothing_queued()


def test_refresh_with_no_arxiv_paper_says_so(client, login, admin_user):
    login(admin_user)
    response = client.post(reverse("arxiv_refresh"), follow=True)
    assert "No paper in the catalogue has an arXiv identifier yet." in response.content.decode()
    assert nothing_queued()


def test_import_page_links_its_sections_and_works_as_a_plain_form(client, login, admin_user, topic):
    login(admin_user)

    page = client.get(IMPORT_URL).content.decode()

    assert f'action="{IMPORT_URL}"' in page and f'action="{reverse("arxiv_enrich")}"' in page
    assert f'href="{reverse("arxiv_jobs")}"' in page and f'href="{reverse("arxiv_matches")}"' in page
    assert Paper.objects.count() == 0


def test_the_form_offers_the_chosen_topics_categories_and_htmx_swaps_them_for_another_topic(client, login, admin_user, topic):
    make_category(topic, "辅助信息")
    other = make_topic("tracking")
    make_category(other, "进阶方法")
    login(admin_user)
    page = client.post(f"{IMPORT_URL}?topic={topic.slug}", {"ids": "2401.00001"}).content.decode()
    assert "辅助信息" in page and "进阶方法" not in page
    partial = client.get(IMPORT_URL, {"topic": other.slug}, headers={"HX-Request": "true", "HX-Target": "import-categories"})
    html = partial.content.decode()
    assert html.lstrip().startswith('<fieldset id="import-categories"') and "进阶方法" in html and "辅助信息" not in html
