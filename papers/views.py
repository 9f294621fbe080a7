from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from papers.access import TopicAccess, get_topic_for_user
from papers.arxiv_views import recent_papers_context
from papers.models import Entry, Kind, Topic
from students.claims import Availability, with_availability
from students.reading import progress_by_entry

KIND_FILTERS = [
    ("", _("All")),
    (Kind.AUXILIARY_INFORMATION.value, Kind.AUXILIARY_INFORMATION.label),
    (Kind.AUXILIARY_TASK.value, Kind.AUXILIARY_TASK.label),
    ("both", _("Both kinds")),
]


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.all() if request.user.is_staff else Topic.objects.filter(enrollments__user=request.user)
    topics = list(topics.distinct())
    if len(topics) == 1:
        return redirect(topics[0])
    return render(request, "papers/home.html", {"topics": topics})


@require_GET
@login_required
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    context = topic_page_context(request, access)
    if request.htmx and request.htmx.target == "advanced-papers":
        return render(request, "papers/topic_detail.html#advanced-papers", context)
    context.update(recent_papers_context(access.topic))
    return render(request, "papers/topic_detail.html", context)


def topic_page_context(request: HttpRequest, access: TopicAccess) -> dict:
    """Everything the topic page shows; a constant number of queries whatever the list's length."""
    topic = access.topic
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in dict(KIND_FILTERS):
        kind = ""
    availability = Availability.for_student(topic, request.user, is_student=access.is_student)
    entries = with_availability(Entry.objects.filter(topic=topic).select_related("paper")).order_by("position", "pk")
    intro = [entry for entry in entries if entry.is_intro]
    advanced = entries.advanced().of_kind(kind) if kind else [entry for entry in entries if not entry.is_intro]
    progress = progress_by_entry(request.user, topic) if access.is_student else {}
    return {
        "topic": topic,
        "access": access,
        "availability": availability,
        "kind": kind,
        "kind_filters": KIND_FILTERS,
        "intro_rows": availability.rows(intro, progress),
        "advanced_rows": availability.rows(advanced, progress),
    }

