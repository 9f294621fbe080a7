"""A topic's categories and which of its papers each holds, read in one query for the pages that show both."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from papers.models import Category, Topic
from readinglist.prepared import Prepared


@dataclass(frozen=True, slots=True)
class CategoryIndex:
    """The topic's categories in their order, and which of them each paper is in."""

    names: dict[int, str]  # category pk → name, in the topic's order
    of_entry: dict[int, list[int]]  # entry pk → the pks of its categories, in the topic's order

    def names_of(self, entry_id: int) -> list[str]:
        return [self.names[pk] for pk in self.of_entry.get(entry_id, ())]


def _categories(topic_id: int) -> QuerySet[Category]:
    return Category.objects.filter(topic_id=topic_id).order_by("position", "pk")


# Every category with its papers: on every topic page, so prepared (readinglist.prepared).
_EVERY_CATEGORY = Prepared(lambda topic_id: _categories(topic_id).values_list("pk", "name", "entries"), values=("topic_id",))


def category_index(topic: Topic, *, entry_ids: list[int] | None = None) -> CategoryIndex:
    """One query (none for an empty `entry_ids`): every category of the topic with its papers, or only with
    these papers (and then only the categories they are in).

    The topic page reads it once for its filters and its rows' categories; the mentor dashboard once for
    the coverage panel and the students' papers.
    """
    if entry_ids is not None and not entry_ids:
        return CategoryIndex(names={}, of_entry={})
    if entry_ids is None:
        rows = _EVERY_CATEGORY(topic_id=topic.pk)
    else:
        rows = _categories(topic.pk).filter(entries__in=entry_ids).values_list("pk", "name", "entries")
    # One row per category and paper in it; a category without any: one row, no paper.
    names: dict[int, str] = {}
    of_entry: dict[int, list[int]] = {}
    for category_id, name, entry_id in rows:
        names[category_id] = name
        if entry_id is not None:
            of_entry.setdefault(entry_id, []).append(category_id)
    return CategoryIndex(names=names, of_entry=of_entry)
