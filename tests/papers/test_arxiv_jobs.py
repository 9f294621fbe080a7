"""Import jobs run as the worker runs them (the task function, called directly), and their progress page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from papers import arxiv_jobs
from papers.arxiv_jobs import ImportTarget, JobSummary
from papers.models import Entry, ImportJob, ImportJobItem, ItemOutcome, JobStatus, Level, Paper
from papers.tasks import run_arxiv_job
from tests.conftest import make_category, make_entry
from tests.papers.test_arxiv_fakes import FakeArxiv, FakePaper, fake_arxiv, recorded  # noqa: F401

pytestmark = pytest.mark.django_db


def ids(count: int, month: str = "2401") -> list[str]:
    return [f"{month}.{number:05d}" for number in range(1, count + 1)]


def advanced_task(topic) -> ImportTarget:
    return ImportTarget(topic=topic, level=Level.ADVANCED, categories=(make_category(topic, "辅助任务"),))


def import_job(topic, arxiv_ids: list[str], admin_user=None) -> ImportJob:
    return arxiv_jobs.start_import(arxiv_ids, advanced_task(topic), admin_user)


def test_import_creates_papers_and_puts_them_at_the_end_of_the_list(topic, advanced_entry, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001", "2401.00002")
    job = import_job(topic, ["2401.00001", "2401.00002"])

    run_arxiv_job.call(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.finished_at
    entries = list(Entry.objects.filter(topic=topic, paper__arxiv_id__startswith="2401").order_by("position"))
    assert [(e.paper.arxiv_id, e.level, e.category_names, e.position, e.source) for e in entries] == [
        ("2401.00001", "advanced", ["辅助任务"], 2, "arxiv"),
        ("2401.00002", "advanced", ["辅助任务"], 3, "arxiv"),
    ]
    paper = entries[0].paper
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert paper.url == "https://arxiv.org/abs/2401.00001" and paper.venue == "arXiv" and paper.year == 2016
    assert paper.arxiv_version == 1 and paper.categories == ["math.CO", "math.ST"] and paper.arxiv_checked_at
    assert fake_arxiv.id_requests == [["2401.00001", "2401.00002"]]


def test_summary_counts_created_updated_unchanged_and_failed(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001", "2401.00002", "2401.00003")
    Paper.objects.create(arxiv_id="2401.00002", url="https://arxiv.org/abs/2401.00002", title="Old title")
    run_arxiv_job.call(import_job(topic, ["2401.00001", "2401.00003"]).pk)  # 00003 now matches arXiv exactly
    job = import_job(topic, ["2401.00001", "2401.00002", "2401.00003", "2401.00004"])

    run_arxiv_job.call(job.pk)

    summary = JobSummary.of(job.pk)
    assert summary.lines()[0] == "Created: 0 · updated: 1 · unchanged: 2 · failed: 1."
    assert summary.lines()[1] == f"Added to “{topic.title}”: 1; the others were already on its list and were left as they are."
    assert summary.failures() == [("arXiv has no paper with the identifier 2401.00004.", ["2401.00004"])]
    # The title came from whoever listed the paper first; arXiv fills only what is empty.
    assert Paper.objects.get(arxiv_id="2401.00002").title == "Old title"


def test_a_batch_arxiv_cannot_answer_imports_nothing_of_it_and_the_summary_names_its_ids(topic, fake_arxiv: FakeArxiv):
    wanted = ids(250)
    fake_arxiv.know(*wanted)
    fake_arxiv.fail("2401.00150", "unavailable")  # in the second batch of 100
    job = import_job(topic, wanted)

    run_arxiv_job.call(job.pk)

    assert len(fake_arxiv.id_requests) == 1 + 5  # the first batch, then five attempts at the second
    imported = set(Paper.objects.values_list("arxiv_id", flat=True))
    assert imported == set(wanted[:100])
    assert Entry.objects.filter(topic=topic).count() == 100
    summary = JobSummary.of(job.pk)
    assert summary.job.status == JobStatus.DONE and summary.job.failed_count == 150
    (unavailable, labels), (skipped, skipped_labels) = summary.failures()
    assert labels == wanted[100:200] and "arXiv did not answer" in unavailable and "nothing was imported" in unavailable
    # Once arXiv stopped answering, the third batch was not even asked for.
    assert skipped_labels == wanted[200:] and skipped.startswith("Not tried")


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        ("timeout", "arXiv did not answer for 2401.00001, 2401.00002 after 5 attempts; nothing was imported."),
        ("rate_limited", "arXiv did not answer for 2401.00001, 2401.00002 after 5 attempts; nothing was imported."),
        ("broken", "could not be read (the XML is not well-formed"),
        ("refused", "arXiv refused the request for 2401.00001, 2401.00002: incorrect id format for abc"),
    ],
)
def test_timeouts_broken_xml_and_refusals_fail_the_batch_with_arxivs_reason(topic, fake_arxiv: FakeArxiv, failure, reason):
    fake_arxiv.know("2401.00001", "2401.00002")
    fake_arxiv.fail("2401.00002", failure)
    job = import_job(topic, ["2401.00001", "2401.00002"])

    run_arxiv_job.call(job.pk)

    assert not Paper.objects.exists() and not Entry.objects.exists()
    ((message, labels),) = JobSummary.of(job.pk).failures()
    assert reason in message and labels == ["2401.00001", "2401.00002"]


def test_a_rate_limited_batch_is_asked_again_after_the_wait_arxiv_asks_for(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001")
    fake_arxiv.fail("2401.00001", "rate_limited", times=1)
    job = import_job(topic, ["2401.00001"])

    run_arxiv_job.call(job.pk)

    assert fake_arxiv.sleeps == [5.0]  # Retry-After, longer than the first backoff of 3 s
    assert JobSummary.of(job.pk).job.created_count == 1


def test_an_empty_answer_means_arxiv_has_no_such_paper(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.answer = recorded("new-backend-empty.xml")
    job = import_job(topic, ["0704.0001"])

    run_arxiv_job.call(job.pk)

    assert JobSummary.of(job.pk).failures() == [("arXiv has no paper with the identifier 0704.0001.", ["0704.0001"])]
    assert not Paper.objects.exists()


def test_legacy_answer_shape_imports_with_whitespace_collapsed(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.answer = recorded("legacy-id-1111.2011v2.xml")
    job = import_job(topic, ["1111.2011"])

    run_arxiv_job.call(job.pk)

    paper = Paper.objects.get(arxiv_id="1111.2011")
    assert paper.arxiv_version == 2
    assert "\n" not in paper.title and "  " not in paper.abstract and paper.abstract


def test_refresh_never_overwrites_fields_a_mentor_edited(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001")
    paper = Paper.objects.create(
        arxiv_id="2401.00001", url="https://arxiv.org/abs/2401.00001", title="Mentor's title",
        abstract="The mentor's own summary.", authors=["Someone Else"], edited_fields=["abstract", "authors"],
    )
    job = arxiv_jobs.start_refresh()

    run_arxiv_job.call(job.pk)

    paper.refresh_from_db()
    assert paper.abstract == "The mentor's own summary." and paper.authors == ["Someone Else"]
    assert paper.title == "Mentor's title"
    assert paper.categories == ["math.CO", "math.ST"]  # not edited: arXiv's
    assert JobSummary.of(job.pk).job.updated_count == 1


def test_an_interrupted_job_resumes_with_its_waiting_papers_only(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001", "2401.00002")
    job = import_job(topic, ["2401.00001", "2401.00002"])
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    ImportJobItem.objects.filter(job=job, arxiv_id="2401.00001").update(outcome=ItemOutcome.FAILED, reason="earlier")
    progress = []

    arxiv_jobs.run_job(job.pk, on_progress=lambda done, total: progress.append((done, total)))

    assert fake_arxiv.id_requests == [["2401.00002"]]
    assert progress == [(1, 2), (2, 2)]
    arxiv_jobs.run_job(job.pk)  # finished: nothing more is asked
    assert len(fake_arxiv.id_requests) == 1


def test_an_unexpected_error_marks_the_job_failed(topic, fake_arxiv: FakeArxiv, monkeypatch):
    fake_arxiv.know("2401.00001")
    job = import_job(topic, ["2401.00001"])
    monkeypatch.setattr(arxiv_jobs.ListPlacement, "place", lambda placement, paper: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        arxiv_jobs.run_job(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "unexpected error" in job.error
    assert not Paper.objects.exists()


def test_a_paper_that_cannot_go_on_the_list_fails_alone(topic, fake_arxiv: FakeArxiv, monkeypatch):
    fake_arxiv.know("2401.00001", "2401.00002")
    job = import_job(topic, ["2401.00001", "2401.00002"])
    # The level and categories were checked when the job was made; should they be wrong now, the database refuses.
    ImportJob.objects.filter(pk=job.pk).update(level=Level.INTRO)
    original = arxiv_jobs.ListPlacement.place

    def repair_the_target_for_the_second(placement, paper):
        if paper.arxiv_id == "2401.00002":
            placement.target = advanced_task(topic)
        return original(placement, paper)

    monkeypatch.setattr(arxiv_jobs.ListPlacement, "place", repair_the_target_for_the_second)

    run_arxiv_job.call(job.pk)

    assert list(Paper.objects.values_list("arxiv_id", flat=True)) == ["2401.00002"]
    assert Entry.objects.get(topic=topic).paper.arxiv_id == "2401.00002"
    ((reason, labels),) = JobSummary.of(job.pk).failures()
    assert labels == ["2401.00001"] and reason.startswith("arXiv answered, but the paper could not be stored:")


# The job's page


def job_url(job: ImportJob) -> str:
    return reverse("arxiv_job", args=[job.pk])


def test_running_job_page_shows_progress_and_polls_itself(client, login, admin_user, topic):
    job = import_job(topic, ids(4))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    ImportJobItem.objects.filter(job=job, position=1).update(outcome=ItemOutcome.CREATED)
    login(admin_user)

    page = client.get(job_url(job)).content.decode()

    assert "<html" in page and "1 of 4 papers done (25%)." in page
    assert '<progress class="bar" value="1" max="4"' in page
    assert 'hx-trigger="every 1s"' in page
    # Without JavaScript, a plain reload shows the progress; the link says so.
    assert f'<p class="help no-js-only"><a href="{job_url(job)}">Refresh to see the progress</a></p>' in page


def test_htmx_poll_gets_the_progress_partial_only(client, login, admin_user, topic):
    job = import_job(topic, ids(2))
    login(admin_user)

    partial = client.get(job_url(job), headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in partial and partial.lstrip().startswith('<section id="job-status"')
    assert "0 of 2 papers done (0%)." in partial and "Waiting for the background worker" in partial


def test_finished_job_stops_polling_and_shows_the_summary_with_failures(client, login, admin_user, topic, fake_arxiv):
    fake_arxiv.know("2401.00001")
    job = import_job(topic, ["2401.00001", "2401.00009"])
    run_arxiv_job.call(job.pk)
    login(admin_user)

    partial = client.get(job_url(job), headers={"HX-Request": "true"}).content.decode()

    assert "hx-trigger" not in partial and "Refresh to see the progress" not in partial
    assert "Created: 1 · updated: 0 · unchanged: 0 · failed: 1." in partial
    assert "<strong>2401.00009</strong>: arXiv has no paper with the identifier 2401.00009." in partial


@pytest.mark.parametrize("persona", ["mentor", "student"])
def test_job_pages_are_for_staff_only(client, login, topic, persona, request):
    job = import_job(topic, ids(1))
    login(request.getfixturevalue(persona))

    for url in (job_url(job), reverse("arxiv_jobs")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))


def test_unknown_job_is_404(client, login, admin_user):
    login(admin_user)
    assert client.get(reverse("arxiv_job", args=[999])).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_job_list_query_count_does_not_grow_with_the_jobs(client, login, admin_user, topic, size, django_assert_num_queries):
    for number in range(size):
        job = import_job(topic, ids(3, month=f"24{number % 12 + 1:02d}"), admin_user)
        ImportJobItem.objects.filter(job=job, position=1).update(outcome=ItemOutcome.FAILED, reason="x")
    login(admin_user)
    # session, user, the jobs with their counts, topics and authors in one query
    with django_assert_num_queries(3):
        response = client.get(reverse("arxiv_jobs"))
    assert response.content.decode().count("1/3") == size


@pytest.mark.parametrize("size", [3, 30])
def test_finished_job_page_query_count_does_not_grow_with_its_failures(client, login, admin_user, topic, size, django_assert_num_queries):
    job = import_job(topic, ids(size), admin_user)
    ImportJobItem.objects.filter(job=job).update(outcome=ItemOutcome.FAILED, reason="arXiv is away.")
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE)
    login(admin_user)
    # session, user, the job with its counts, topic and author, its categories, the failed items with their papers
    with django_assert_num_queries(5):
        page = client.get(job_url(job)).content.decode()
    assert page.count("2401.") >= size


def test_job_enqueued_by_the_page_is_a_database_task_for_the_worker(client, login, admin_user, topic):
    login(admin_user)

    response = client.post(
        reverse("arxiv_import_start"),
        {"arxiv_id": ["2401.00001"], "topic": topic.slug, "level": "advanced"},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == job_url(job)
    task = DBTaskResult.objects.get()
    assert task.task_path == "papers.tasks.run_arxiv_job" and task.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert job.task_result_id == str(task.id) and job.status == JobStatus.QUEUED


def test_a_paper_already_on_the_list_keeps_its_entry_as_it_is(topic, fake_arxiv: FakeArxiv):
    entry = make_entry(topic, "DMM", arxiv_id="2407.08132", categories=("辅助信息", "辅助任务"))
    fake_arxiv.know(FakePaper("2407.08132", title="DMM: Disparity-Guided Multispectral Mamba"))
    job = arxiv_jobs.start_import(["2407.08132"], ImportTarget(topic=topic, level=Level.INTRO))

    run_arxiv_job.call(job.pk)

    entry.refresh_from_db()
    assert (entry.level, entry.category_names) == ("advanced", ["辅助信息", "辅助任务"])
    assert JobSummary.of(job.pk).job.added_count == 0
