"""Bare baselines: the same rows of the same tables as a product page, read in ONE query, in a plain template.

They exist only in bench/urls.py, which `make bench` serves; the product's URLs never include them. They
check no login and no permission (the product page's access check is part of what the bench measures), and
the write baselines take the student from the URL. What each one reads:

- topic:      a topic's entries with their papers and active-claim counts (the topic page's rows);
              `?intro=N&advanced=M` keeps the first N intro and M advanced rows, as a page that shows
              only so many does; `?entries=1,2` keeps those entries (a small htmx answer)
- rows:       the same, as a fragment (an htmx answer)
- students:   a topic's student enrollments with their reading counts and open slot (the mentor dashboard);
              `?rows=N` keeps the first N, as a page that shows only so many does
- entries:    the first 100 reading-list entries with their paper and topic (the admin's changelist)
- topics:     every topic with its intro and advanced papers and students counted (the programme catalogue)
- claim, release: one INSERT or UPDATE of a claim, then the rows answer (htmx) or a redirect (a form)
"""

from __future__ import annotations

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from papers.models import Entry, Level, Topic
from students.models import OPEN_STATUSES, Claim, ClaimStatus, Enrollment, ReadingStatus, Role

ADMIN_PAGE_SIZE = 100
UNLIMITED = 1_000_000


def _entries(request: HttpRequest, topic_id: int) -> QuerySet[Entry]:
    entries = (
        Entry.objects.filter(topic_id=topic_id)
        .select_related("paper")
        .annotate(taken=Count("claims", filter=Q(claims__status=ClaimStatus.ACTIVE)))
        .order_by("position", "pk")
    )
    if ids := request.GET.get("entries"):
        return entries.filter(pk__in=[int(pk) for pk in ids.split(",") if pk.isdigit()])
    limits = {level: request.GET.get(level, "") for level in (Level.INTRO, Level.ADVANCED)}
    entries = entries.filter(level__in=[level for level, limit in limits.items() if limit != "0"])
    if not any(limit.isdigit() for limit in limits.values()):
        return entries
    # The first N rows of each level, still in one query: a window over the list order.
    intro, advanced = (int(limit) if limit.isdigit() else UNLIMITED for limit in limits.values())
    return entries.annotate(
        rank=Window(RowNumber(), partition_by=F("level"), order_by=[F("position").asc(), F("pk").asc()])
    ).filter(rank__lte=Case(When(level=Level.INTRO, then=Value(intro)), default=Value(advanced)))


@require_GET
def topic(request: HttpRequest, topic_id: int) -> HttpResponse:
    return render(request, "bare/topic.html", {"entries": _entries(request, topic_id)})


@require_GET
def rows(request: HttpRequest, topic_id: int) -> HttpResponse:
    return _rows(request, topic_id)


def _rows(request: HttpRequest, topic_id: int) -> HttpResponse:
    return render(request, "bare/rows.html", {"entries": _entries(request, topic_id)})


@require_GET
def students(request: HttpRequest, topic_id: int) -> HttpResponse:
    done_here = Q(user__reading__entry__topic_id=topic_id, user__reading__status=ReadingStatus.DONE)
    slot = Claim.objects.filter(topic_id=topic_id, student_id=OuterRef("user_id"), status__in=OPEN_STATUSES)
    intro_total = (
        Entry.objects.filter(topic_id=topic_id, level=Level.INTRO).order_by().values("topic_id")
        .annotate(count=Count("pk")).values("count")
    )
    enrollments = (
        Enrollment.objects.filter(topic_id=topic_id, role=Role.STUDENT)
        .select_related("user")
        .annotate(
            intro_done=Count("user__reading", filter=done_here & Q(user__reading__entry__level=Level.INTRO)),
            advanced_done=Count("user__reading", filter=done_here & Q(user__reading__entry__level=Level.ADVANCED)),
            intro_total=Subquery(intro_total[:1]),
            slot_status=Subquery(slot.values("status")[:1]),
            slot_paper=Subquery(slot.values("entry__paper__title")[:1]),
            slot_proposed=Subquery(slot.values("proposed_paper__title")[:1]),
            presentation_at=Subquery(slot.values("presentation_at")[:1]),
        )
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    if (rows := request.GET.get("rows", "")).isdigit():
        enrollments = enrollments[: int(rows)]
    return render(request, "bare/students.html", {"enrollments": enrollments})


@require_GET
def entries(request: HttpRequest) -> HttpResponse:
    page = Entry.objects.select_related("paper", "topic").order_by("topic_id", "level", "position", "pk")
    return render(request, "bare/entries.html", {"entries": page[:ADMIN_PAGE_SIZE]})


@require_POST
def claim(request: HttpRequest, topic_id: int, user_id: int, entry_id: int) -> HttpResponse:
    Claim.objects.create(topic_id=topic_id, student_id=user_id, entry_id=entry_id, status=ClaimStatus.ACTIVE)
    return _answer(request, topic_id)


@require_POST
def release(request: HttpRequest, topic_id: int, user_id: int, entry_id: int) -> HttpResponse:
    Claim.objects.filter(topic_id=topic_id, student_id=user_id, entry_id=entry_id, status=ClaimStatus.ACTIVE).update(
        status=ClaimStatus.RELEASED
    )
    return _answer(request, topic_id)


def _answer(request: HttpRequest, topic_id: int) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return _rows(request, topic_id)
    url = reverse("bare_topic", args=[topic_id])
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


@require_GET
def topics(request: HttpRequest) -> HttpResponse:
    def count(rows: QuerySet) -> Subquery:
        return Subquery(rows.order_by().values("topic_id").annotate(total=Count("pk")).values("total")[:1])

    catalogue = Topic.objects.annotate(
        intro_count=count(Entry.objects.filter(topic=OuterRef("pk"), level=Level.INTRO)),
        advanced_count=count(Entry.objects.filter(topic=OuterRef("pk"), level=Level.ADVANCED)),
        student_count=count(Enrollment.objects.filter(topic=OuterRef("pk"), role=Role.STUDENT)),
    )
    return render(request, "bare/topics.html", {"topics": catalogue})
