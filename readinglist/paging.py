"""Long lists a page at a time: the topic page's papers, the dashboard's students.

One more row than shown is read, so whether another page follows costs no count query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.http import HttpRequest

T = TypeVar("T")
# A page number beyond this is a crafted URL, not a list anyone reads.
LAST_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    next_number: int | None
    start: int  # how many items the pages before this one hold

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def shown_until(self) -> int:
        return self.start + len(self.items)


def page_number(request: HttpRequest, name: str = "page") -> int:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) <= LAST_PAGE else 1


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """`items` may be a queryset: only one page and one row more are read."""
    start = (number - 1) * size
    shown = list(items[start : start + size + 1])
    return Page(items=shown[:size], number=number, next_number=number + 1 if len(shown) > size else None, start=start)
