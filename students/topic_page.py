"""The topic page: the reading list as one person may act on it, with the claim rules' answer for each paper.

The page is the whole list; with htmx, answers are small. A claim, release or
switch answers with the rows that changed and the "your presentation" box; the
30-second refresh answers 304 when nothing changed (a version of the list in
an ETag), and else only the rows that claims changed since. Long lists load
PAGE_SIZE rows at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from papers.access import TopicAccess
from papers.arxiv_views import recent_papers_context
from papers.categories import CategoryIndex, category_index
from papers.models import Entry, Level, Topic
from readinglist.paging import page_number, page_of
from students.claims import Availability
from students.models import ClaimEvent, ReadingProgress, ReadingStatus
from students.reading import progress_by_entry, set_progress
from students.topic_queries import EntryPages, materials_of, page_topic_access, row_entries
from students.topic_rows import RowRenderer

ALL_CATEGORIES = ""
PAGE_SIZE = 50
TEMPLATE = "papers/topic_detail.html"


@require_GET
@login_required
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = page_topic_access(request.user, slug)
    context = topic_page_context(request, access)
    target = request.htmx.target if request.htmx else None
    partial = {"advanced-papers": "advanced-papers", "more-advanced": "advanced-chunk", "more-intro": "intro-chunk"}.get(target or "")
    if partial:
        return render(request, f"{TEMPLATE}#{partial}", context)
    context.update(recent_papers_context(access.topic))
    context["materials"] = materials_of(access.topic)
    return render(request, TEMPLATE, context)


def topic_page_context(request: HttpRequest, access: TopicAccess, *, oob: bool = False) -> dict:
    """Everything the page shows; a constant number of queries whatever the list's length.

    `oob`: the list is an answer's out-of-band swap, and so is each row.
    """
    topic = access.topic
    categories = category_index(topic)
    category = _chosen_category(request, categories)
    progress = progress_by_entry(request.user, topic) if access.is_student else {}
    availability = Availability.for_student(
        topic, request.user, is_student=access.is_student, progress=progress
    )
    intro = page_of(EntryPages(topic, Level.INTRO), page_number(request, "intro_page"), PAGE_SIZE)
    advanced = page_of(EntryPages(topic, Level.ADVANCED, watcher=_watcher(request, access), category=category), page_number(request), PAGE_SIZE)
    _with_categories(advanced.items, categories)
    shown = RowRenderer(topic, access.is_student, category=str(category or ALL_CATEGORIES), oob=oob)
    return {
        "topic": topic,
        "access": access,
        "availability": availability,
        "category": str(category or ALL_CATEGORIES),
        "category_filters": [(ALL_CATEGORIES, gettext_lazy("All"))] + [(str(pk), name) for pk, name in categories.names.items()],
        "intro_rows": shown.rows(availability.rows(intro.items, progress)),
        "intro_count": intro.shown_until,
        "intro_next": intro.next_number,
        "advanced_rows": shown.rows(availability.rows(advanced.items, progress)),
        "advanced_next": advanced.next_number,
        "advanced_previous": advanced.previous_number,
        "live_token": live_token(access, availability),
        "reading_url": reverse("update_reading", args=[topic.slug]),
    }


def _with_categories(entries: list[Entry], categories: CategoryIndex) -> list[Entry]:
    """Each entry's category names as `shown_categories`, in the topic's order."""
    for entry in entries:
        entry.shown_categories = categories.names_of(entry.pk)
    return entries


def _watcher(request: HttpRequest, access: TopicAccess) -> AbstractBaseUser | None:
    return request.user if access.is_student else None


def _in(entries: QuerySet[Entry], category: int | None) -> QuerySet[Entry]:
    return entries.in_category(category) if category else entries


def _chosen_category(request: HttpRequest, categories: CategoryIndex) -> int | None:
    """The key of the topic's category the request asks for; None for every category (or one not the topic's)."""
    chosen = request.GET.get("category") or request.POST.get("category") or ""
    return next((pk for pk in categories.names if str(pk) == chosen), None)


# The version of the list one person sees: what may change it is a claim anywhere in the topic (its
# last event), a change of the list itself (Topic.list_version), the person's own reading (their
# enrollment's last activity) and the claim deadline passing.


def live_token(access: TopicAccess, availability: Availability) -> str:
    """`access` must be read after any change this request made (its last activity is part of the version)."""
    topic, seen = access.topic, access.last_activity_at
    if "last_claim_event" in topic.__dict__:  # read with the topic (page_topic_access)
        last_event = topic.last_claim_event or 0
    else:
        last_event = ClaimEvent.objects.filter(claim__topic=topic).aggregate(last=Max("pk"))["last"] or 0
    activity = str(int(seen.timestamp() * 1_000_000)) if seen else "0"
    return f'W/"{topic.pk}.{topic.list_version}.{last_event}.{activity}.{int(availability.deadline_open)}"'


def _since(token: str, current: str) -> int | None:
    """The claim event the client last saw, when only claims changed since; None when its whole list is stale."""
    try:
        topic, version, event, activity, deadline = token.removeprefix('W/"').removesuffix('"').split(".")
        now = current.removeprefix('W/"').removesuffix('"').split(".")
    except ValueError:
        return None
    if [topic, version, activity, deadline] != [now[0], now[1], now[3], now[4]] or not event.isdigit():
        return None
    return int(event)


@require_GET
@login_required
def topic_live(request: HttpRequest, slug: str) -> HttpResponse:
    """The 30-second refresh: 304 when nothing changed, else the rows claims changed, else the list."""
    access = page_topic_access(request.user, slug)
    topic = access.topic
    availability = Availability.for_student(topic, request.user, is_student=access.is_student)
    token = live_token(access, availability)
    seen = request.headers.get("If-None-Match", "")
    if seen == token:
        return _not_modified(token)
    since = _since(seen, token)
    if since is None:
        response = render(request, f"{TEMPLATE}#advanced-papers", {**topic_page_context(request, access, oob=True), "oob": True})
    else:
        changed = ClaimEvent.objects.filter(claim__topic=topic, pk__gt=since).values_list("entry_id", flat=True)
        context = row_update_context(request, access, set(changed) - {None}, availability=availability)
        response = render(request, f"{TEMPLATE}#rows-update", {**context, "live_token": token})
    response["ETag"] = token
    response["Cache-Control"] = "private, no-cache"
    return response


def _not_modified(token: str) -> HttpResponse:
    response = HttpResponseNotModified()
    response["ETag"] = token
    response["Cache-Control"] = "private, no-cache"
    return response


def row_update_context(
    request: HttpRequest, access: TopicAccess, entry_ids: Iterable[int], *, availability: Availability | None = None
) -> dict:
    """The rows of these entries as the person sees them now, in the category shown, with the slot box."""
    access = page_topic_access(request.user, access.topic.slug)  # after the change this request made
    topic = access.topic
    availability = availability or Availability.for_student(topic, request.user, is_student=access.is_student)
    categories = category_index(topic)
    category = _chosen_category(request, categories)
    watcher = _watcher(request, access)
    entries = row_entries(topic.pk, watcher_id=watcher.pk if watcher else None).filter(pk__in=list(entry_ids))
    entries = _with_categories(list(_in(entries, category)), categories)
    progress = progress_by_entry(request.user, topic) if access.is_student else {}
    return {
        "topic": topic,
        "access": access,
        "availability": availability,
        "category": str(category or ALL_CATEGORIES),
        "changed_rows": RowRenderer(topic, access.is_student, category=str(category or ALL_CATEGORIES), oob=True)
        .rows(availability.rows(entries, progress)),
        "live_token": live_token(access, availability),
        "reading_url": reverse("update_reading", args=[topic.slug]),
    }


# Reading statuses from the topic page: with htmx, one select at a time; without, all of them.


@require_POST
@login_required
def update_reading(request: HttpRequest, slug: str) -> HttpResponse:
    access = page_topic_access(request.user, slug)
    topic = access.topic
    before = Availability.for_student(topic, request.user, is_student=access.is_student)
    changed = _save_statuses(request, topic)
    if not request.htmx:
        messages.success(request, _("Your reading is saved."))
        return redirect(back_to_topic(request, topic))
    for entry, status in changed:
        messages.success(request, _("“%(paper)s” is marked “%(status)s”.") % {
            "paper": entry.paper.display_name, "status": ReadingStatus(status).label})
    after = Availability.for_student(topic, request.user, is_student=access.is_student)
    context = row_update_context(request, access, [entry.pk for entry, _status in changed], availability=after)
    if bool(before.intro_missing) != bool(after.intro_missing):
        # Claiming just opened (or closed) for this student: every advanced row changes.
        context.update(topic_page_context(request, access, oob=True), oob=True, whole_list=True)
    return render(request, f"{TEMPLATE}#reading-update", context)


def _save_statuses(request: HttpRequest, topic: Topic) -> list[tuple[Entry, str]]:
    """The statuses the request changes (fields `status-<entry id>`); unknown entries and values are ignored."""
    wanted = {
        int(name.removeprefix("status-")): value
        for name, value in request.POST.items()
        if name.startswith("status-") and name.removeprefix("status-").isdigit() and value in ReadingStatus.values
    }
    if not wanted:
        return []
    current = dict(
        ReadingProgress.objects.filter(student=request.user, entry__topic=topic, entry_id__in=wanted)
        .values_list("entry_id", "status")
    )
    entries = Entry.objects.filter(topic=topic, pk__in=wanted).select_related("paper")
    changed = []
    for entry in entries:
        status = wanted[entry.pk]
        if current.get(entry.pk, ReadingStatus.TO_READ) != status:
            set_progress(request.user, entry, status=status)
            changed.append((entry, status))
    return changed


def back_to_topic(request: HttpRequest, topic: Topic) -> str:
    """Where a form without JavaScript returns: the page it came from, if on this site, else the topic."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return referer
    return topic.get_absolute_url()
