"""Any input to the forms that name a topic's categories, import pages, and act on the topic page: no 500, nothing stored on a refusal, all escaped."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from papers.models import Entry, ImportJob, PageUpload, Paper, Topic, UploadedPage
from students import claims
from students.models import Claim, ReadingProgress
from tests.conftest import make_category
from tests.students.test_forms_fuzz import assert_answered_safely, awkward_text, counts, field_value, form_data, fuzz

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
TOPIC_PAGE = Path(__file__).parent.parent / "fixtures" / "topics" / "24-mot.md"
headers = st.sampled_from([{}, HTMX])


@fuzz
@given(data=form_data("arxiv", "title", "authors", "venue", "year", "url", "categories", "justification",
                      url=["https://arxiv.org/abs/1505.03873", "http://example.org/x/"], categories=["1", "2", "999"]),
       extra=headers)
def test_a_proposal_takes_any_input(client, login, student, topic, advanced_entry, data, extra):
    login(student)
    before = counts(Claim, Paper)
    response = client.post(reverse("propose", args=[topic.slug]), data, headers=extra)
    assert_answered_safely(response)
    if response.status_code >= 400:
        assert counts(Claim, Paper) == before
    Claim.objects.filter(student=student).update(status="released")


@fuzz
@given(data=form_data("categories", categories=["1", "2"]), extra=headers)
def test_approving_takes_any_input(client, login, mentor, student, topic, advanced_entry, data, extra):
    login(mentor)
    with transaction.atomic():  # each example starts from the same pending proposal
        proposal = claims.propose(student, topic, claims.PaperDetails(title="Some new paper here", url="https://example.org/n"),
                                  justification="x", categories=[make_category(topic, "辅助任务")])
        before = counts(Entry)
        response = client.post(reverse("mentor_approve_proposal", args=[topic.slug, proposal.pk]), data, headers=extra)
        assert_answered_safely(response)
        if response.status_code >= 400:
            assert counts(Entry) == before and Claim.objects.get(pk=proposal.pk).status == "proposed"
        transaction.set_rollback(True)


@fuzz
@given(data=form_data("arxiv_id", "shown", "topic", "level", "categories",
                      arxiv_id=["2401.00001"], topic=["topic-2"], level=["advanced", "intro"], categories=["1"]))
def test_starting_an_arxiv_import_takes_any_input(client, admin_user, topic, data):
    client.force_login(admin_user)
    response = client.post(reverse("arxiv_import_start"), data)
    assert_answered_safely(response)
    if response.status_code >= 400:
        assert not ImportJob.objects.exists()
    ImportJob.objects.all().delete()


@fuzz
@given(content=st.one_of(st.binary(max_size=3000), awkward_text.map(lambda text: text.encode("utf-8", "surrogatepass"))),
       name=st.sampled_from(["page.md", "../../etc/passwd", "<script>.md", "汉字.md", "", "x.json"]))
def test_uploading_topic_pages_takes_any_bytes(client, admin_user, content, name):
    client.force_login(admin_user)
    upload = SimpleUploadedFile(name or "unnamed", content)
    response = client.post(reverse("page_import"), {"files": [upload]}, follow=True)
    assert_answered_safely(response)
    assert not Topic.objects.exists()  # uploading only previews


@fuzz
@given(data=st.dictionaries(st.sampled_from([f"page{n}-role_{i}" for n in range(1, 4) for i in range(12)]
                                            + [f"page{n}-category_{i}" for n in range(1, 4) for i in range(6)]
                                            + ["import", "preview"]), field_value, max_size=12),
       extra=headers, only=st.sampled_from(["", "?page=1", "?page=x", "?page=99999"]))
def test_the_import_preview_takes_any_choices(client, admin_user, data, extra, only):
    client.force_login(admin_user)
    upload = PageUpload.objects.create(created_by=admin_user)
    UploadedPage.objects.create(upload=upload, position=1, name="24-mot.md", slug="24-mot", text=TOPIC_PAGE.read_text(encoding="utf-8"))
    response = client.post(reverse("page_import_preview", args=[upload.pk]) + only, data, headers=extra)
    assert_answered_safely(response)
    if response.status_code >= 400:
        assert not Topic.objects.exists()
    Topic.objects.all().delete()
    Entry.objects.all().delete()
    upload.delete()


@fuzz
@given(data=st.dictionaries(st.one_of(awkward_text, st.builds(lambda n: f"status-{n}", st.integers(-5, 10**12))),
                            field_value, max_size=8), extra=headers)
def test_reading_statuses_on_the_list_take_any_input(client, login, student, topic, intro_entry, data, extra):
    login(student)
    response = client.post(reverse("update_reading", args=[topic.slug]), data, headers=extra)
    assert_answered_safely(response)
    assert set(ReadingProgress.objects.values_list("status", flat=True)) <= {"to_read", "reading", "done"}


@fuzz
@given(token=awkward_text, params=form_data("category", "page", "intro_page"))
def test_the_list_refresh_and_filters_take_any_input(client, login, student, topic, advanced_entry, token, params):
    login(student)
    safe_token = token.replace("\x00", "").encode("latin-1", "ignore").decode("latin-1").replace("\r", "").replace("\n", "")
    assert_answered_safely(client.get(reverse("topic_live", args=[topic.slug]), params, headers={**HTMX, "If-None-Match": safe_token}))
    assert_answered_safely(client.get(reverse("topic_detail", args=[topic.slug]), params))
    assert_answered_safely(client.get(reverse("topic_detail", args=[topic.slug]), params, headers={**HTMX, "HX-Target": "more-advanced"}))


@pytest.mark.parametrize("value", [str(2**63), str(-(2**64)), "9" * 40])
def test_a_category_id_no_database_could_hold_is_an_invalid_choice(client, login, admin_user, student, topic, value):
    make_category(topic, "辅助任务")
    client.force_login(admin_user)
    response = client.post(reverse("arxiv_import_start"), {"arxiv_id": "2401.00001", "topic": topic.slug, "level": "advanced", "categories": value})
    assert response.status_code == 400 and not ImportJob.objects.exists()
    login(student)
    response = client.post(reverse("propose", args=[topic.slug]), {"title": "T", "url": "https://example.org/t", "justification": "j", "categories": value})
    assert response.status_code == 400 and not Claim.objects.exists()
