"""The topic page: the reading list as one person may act on it, with the claim rules' answer for each paper."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from papers.access import TopicAccess, get_topic_for_user
from papers.arxiv_views import recent_papers_context
from papers.models import Category, Entry
from students.claims import Availability, with_availability
from students.reading import progress_by_entry

ALL_CATEGORIES = ""


@require_GET
@login_required
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    context = topic_page_context(request, access)
    if request.htmx and request.htmx.target == "advanced-papers":
        return render(request, "papers/topic_detail.html#advanced-papers", context)
    context.update(recent_papers_context(access.topic))
    context["materials"] = access.topic.materials.all()
    return render(request, "papers/topic_detail.html", context)


def topic_page_context(request: HttpRequest, access: TopicAccess) -> dict:
    """Everything the topic page shows; a constant number of queries whatever the list's length."""
    topic = access.topic
    categories = list(topic.categories.order_by("position", "pk"))
    category = _chosen_category(request, categories)
    availability = Availability.for_student(topic, request.user, is_student=access.is_student)
    entries = with_availability(
        Entry.objects.filter(topic=topic)
        .select_related("paper")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("position", "pk")))
    ).order_by("position", "pk")
    entries = list(entries)
    intro = [entry for entry in entries if entry.is_intro]
    advanced = [
        entry for entry in entries
        if not entry.is_intro and (category is None or category in entry.categories.all())
    ]
    progress = progress_by_entry(request.user, topic) if access.is_student else {}
    return {
        "topic": topic,
        "access": access,
        "availability": availability,
        "category": str(category.pk) if category else ALL_CATEGORIES,
        "category_filters": [(ALL_CATEGORIES, _("All"))] + [(str(c.pk), c.name) for c in categories],
        "intro_rows": availability.rows(intro, progress),
        "advanced_rows": availability.rows(advanced, progress),
    }


def _chosen_category(request: HttpRequest, categories: list[Category]) -> Category | None:
    chosen = request.GET.get("category") or request.POST.get("category") or ""
    return next((category for category in categories if str(category.pk) == chosen), None)
