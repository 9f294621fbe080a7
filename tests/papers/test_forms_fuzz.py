"""Any input to the arXiv import page's forms: never a 500, nothing stored, all escaped, and no network.

A search that passes the form goes to the fake arXiv of test_arxiv_fakes, which answers like arXiv;
nothing leaves the machine.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from papers.models import Entry, ImportJob, Paper
from tests.papers.test_arxiv_fakes import FakeArxiv, fake_arxiv  # noqa: F401
from tests.students.test_forms_fuzz import assert_answered_safely, form_data, fuzz

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("arxiv_import")

headers = st.sampled_from([{}, {"HX-Request": "true"}])


def stored() -> list[int]:
    return [model.objects.count() for model in (Paper, Entry, ImportJob, DBTaskResult)]


@fuzz
@given(data=form_data("ids", ids=["2407.08132", "arXiv:2401.00001v2, hep-th/9901001", "not-an-id"]), extra=headers)
def test_pasted_ids_take_any_input(client, admin_user, fake_arxiv: FakeArxiv, data, extra):
    client.force_login(admin_user)
    before = stored()
    response = client.post(IMPORT_URL, data, headers=extra)
    assert_answered_safely(response)
    assert stored() == before  # the preview writes nothing
    assert not fake_arxiv.queries  # pasted ids are previewed from the catalogue


@fuzz
@given(params=form_data("title", "author", "category", "text", "page", "topic",
                        category=["cs.CV", "math.CO", "not a category"], page=["1", "3", "0", "-1"]),
       extra=headers)
def test_search_takes_any_input(client, admin_user, fake_arxiv: FakeArxiv, params, extra):
    client.force_login(admin_user)
    before = stored()
    response = client.get(IMPORT_URL, params, headers=extra)
    assert_answered_safely(response)
    assert stored() == before
    if response.status_code == 400:
        assert not fake_arxiv.queries  # refused before asking arXiv
    fake_arxiv.queries.clear()
