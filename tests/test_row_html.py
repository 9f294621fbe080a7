"""The helpers the rows built in Python share: escaping as Django does, and a URL reversed once per page."""

from django.urls import reverse
from django.utils.html import escape

from readinglist.row_html import PLACEHOLDER, RowUrl
from readinglist.row_html import escape as row_escape


def test_escapes_as_django_does():
    text = """<a href="x" onclick='y'>&amp;</a> 新芽"""
    assert row_escape(text) == escape(text)


def test_a_row_url_is_the_reversed_url_with_the_rows_id():
    url = RowUrl.of("paper_detail", "02-auxiliary")
    assert url(7) == reverse("paper_detail", args=["02-auxiliary", 7])
    assert url(123456) == reverse("paper_detail", args=["02-auxiliary", 123456])


def test_a_slug_that_holds_the_placeholder_keeps_it():
    slug = f"topic-{PLACEHOLDER}"
    assert RowUrl.of("mentor_student", slug)(5) == reverse("mentor_student", args=[slug, 5])
