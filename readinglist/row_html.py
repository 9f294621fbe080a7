"""What the long lists built in Python share (students/topic_rows.py, students/mentor_rows.py).

A template tag costs a lookup, a localization and an escape per value; a list of hundreds of rows is the
page's bulk. So those modules write each row as f-strings: every value goes through escape(), and a URL
with the row's id in it is reversed once per page (RowUrl) and filled in per row.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.urls import reverse

PLACEHOLDER = 999_999_999  # the id a RowUrl is reversed with, then replaced by each row's


def escape(text: object) -> str:
    """HTML-escaped as Django's escape() does (& < > " '), without its handling of lazy strings: a row calls it often."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True, slots=True)
class RowUrl:
    """A URL named `name` with a topic's slug and a row's id, reversed once: `RowUrl.of(name, slug)(pk)`."""

    before: str
    after: str

    @classmethod
    def of(cls, name: str, slug: str) -> RowUrl:
        url = escape(reverse(name, args=[slug, PLACEHOLDER]))
        before, after = url.rsplit(str(PLACEHOLDER), 1)  # the id comes after the slug, which may hold digits
        return cls(before, after)

    def __call__(self, pk: int) -> str:
        return f"{self.before}{pk}{self.after}"
