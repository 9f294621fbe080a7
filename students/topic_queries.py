"""What the topic page reads on every request, prepared (readinglist.prepared): the same ORM queries, compiled once.

The topic with the reader's access and the list's version; a page of intro or advanced papers with
what their rows show; the topic's learning materials. The student's slot (students.claims.open_slot),
reading (students.reading.progress_by_entry) and the categories (papers.categories.category_index)
are prepared where they are defined.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from papers.access import TOPIC_FIELDS, VIEWER_FIELDS, TopicAccess, access_to, topic_from_row, topics_for
from papers.models import ENTRY_SHOWN_FIELDS, PAPER_SHOWN_FIELDS, Entry, Level, Material, Paper, Topic
from readinglist.prepared import Columns, Prepared, instance
from students.claims import paper_round_annotations, with_availability
from students.models import ClaimEvent
from students.watching import with_watched

# The topic, the reader's enrollment, and what the list's version (students.topic_page.live_token) and
# the rows' rules (a preference round of papers) need, in one query.
_WITH_TOPIC = (*VIEWER_FIELDS, "last_claim_event", "paper_round_pk", "paper_round_title")


def _page_topic(slug: str, user_id: int) -> QuerySet:
    last_event = ClaimEvent.objects.filter(claim__topic=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    topics = topics_for(user_id, slug, last_claim_event=Subquery(last_event), **paper_round_annotations())
    return topics.values_list(*TOPIC_FIELDS, *_WITH_TOPIC)


_PAGE_TOPIC = Prepared(_page_topic, values=("slug", "user_id"))


def page_topic_access(user: AbstractBaseUser, slug: str) -> TopicAccess:
    """papers.access.get_topic_for_user for the topic page and its answers, with the list's version read too."""
    rows = _PAGE_TOPIC(slug=slug, user_id=user.pk) if user.is_authenticated else []
    if not rows:
        raise Http404(_("No such topic."))
    return access_to(topic_from_row(rows[0], _WITH_TOPIC), user)


# A page of papers: the fields a row shows (a paper's abstract, authors and arXiv metadata are not read),
# and for advanced papers how many students claimed each and whether the reader watches it.


def row_entries(topic_id: int, *, watcher_id: int | None = None, claimable: bool = True) -> QuerySet[Entry]:
    """The topic's entries in list order with what their rows show, as model instances (the ORM's reading)."""
    entries = Entry.objects.filter(topic_id=topic_id).select_related("paper").order_by("position", "pk")
    entries = entries.only(*ENTRY_SHOWN_FIELDS, *(f"paper__{name}" for name in PAPER_SHOWN_FIELDS[1:]))
    if watcher_id is not None:
        entries = with_watched(entries, watcher_id)
    return with_availability(entries) if claimable else entries


def _page_of_entries(
    topic_id: int, watcher_id: int, category_id: int, *, level: str, watched: bool, in_category: bool, start: int, stop: int
) -> QuerySet:
    claimable = level == Level.ADVANCED
    entries = row_entries(topic_id, watcher_id=watcher_id if watched else None, claimable=claimable).filter(level=level)
    if in_category:
        entries = entries.in_category(category_id)
    extra = (("taken",) if claimable else ()) + (("watched",) if watched else ())
    return entries.values_list(*ENTRY_SHOWN_FIELDS, *(f"paper__{name}" for name in PAPER_SHOWN_FIELDS), *extra)[start:stop]


_PAGE_OF_ENTRIES = Prepared(_page_of_entries, values=("topic_id", "watcher_id", "category_id"))


class EntryPages(Sequence):
    """A level's entries as page_of (readinglist.paging) slices them: each slice is one prepared query."""

    def __init__(self, topic: Topic, level: str, *, watcher: AbstractBaseUser | None = None, category: int | None = None):
        self.topic, self.level, self.watcher, self.category = topic, level, watcher, category

    def __getitem__(self, chosen: slice) -> list[Entry]:  # type: ignore[override]
        if not isinstance(chosen, slice) or chosen.step is not None:
            raise TypeError("EntryPages reads slices")
        rows = _PAGE_OF_ENTRIES(
            topic_id=self.topic.pk, watcher_id=self.watcher.pk if self.watcher else 0, category_id=self.category or 0,
            level=self.level, watched=self.watcher is not None, in_category=self.category is not None,
            start=chosen.start or 0, stop=chosen.stop,
        )
        return [self._entry(row) for row in rows]

    def __len__(self) -> int:
        raise TypeError("EntryPages is read a page at a time")

    def _entry(self, row: tuple) -> Entry:
        columns = Columns(row)
        entry = instance(Entry, columns.take(ENTRY_SHOWN_FIELDS), paper=instance(Paper, columns.take(PAPER_SHOWN_FIELDS)))
        extra = iter(columns.rest())
        if self.level == Level.ADVANCED:
            entry.taken = next(extra)
        if self.watcher is not None:
            entry.watched = bool(next(extra))
        return entry


_MATERIALS = Prepared(
    lambda topic_id: Material.objects.filter(topic_id=topic_id).order_by("position", "pk").values_list("id", "title", "url", "note"),
    values=("topic_id",),
)


def materials_of(topic: Topic) -> list[Material]:
    """The topic's learning materials in order: their titles, links and notes."""
    return [
        instance(Material, {"id": pk, "topic_id": topic.pk, "title": title, "url": url, "note": note})
        for pk, title, url, note in _MATERIALS(topic_id=topic.pk)
    ]
