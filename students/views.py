from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from papers.access import TopicAccess, get_topic_for_user
from papers.models import Entry
from papers.views import topic_page_context
from students import claims


@require_POST
@login_required
def claim_paper(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper"), pk=entry_id, topic=access.topic)
    return _change_slot(
        request, access, lambda: claims.claim(request.user, entry),
        _("You claimed “%(paper)s” for your presentation.") % {"paper": entry.paper.display_name},
    )


@require_POST
@login_required
def switch_paper(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper"), pk=entry_id, topic=access.topic)
    return _change_slot(
        request, access, lambda: claims.switch(request.user, entry),
        _("You switched to “%(paper)s”.") % {"paper": entry.paper.display_name},
    )


@require_POST
@login_required
def release_paper(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    return _change_slot(
        request, access, lambda: claims.release(request.user, access.topic),
        _("You released your presentation slot."),
    )


def _change_slot(request: HttpRequest, access: TopicAccess, change: Callable[[], object], success: str) -> HttpResponse:
    status = 200
    try:
        change()
    except claims.ClaimRefused as refusal:
        messages.error(request, refusal.messages[0])
        status = refusal.http_status
    else:
        messages.success(request, success)
    if not request.htmx and status == 200:
        kind = request.POST.get("kind", "")
        url = access.topic.get_absolute_url()
        return redirect(f"{url}?{urlencode({'kind': kind})}" if kind else url)
    # A refusal re-renders with the true state of every row, and says why.
    context = topic_page_context(request, access)
    template = "papers/topic_detail.html#slot-update" if request.htmx else "papers/topic_detail.html"
    return render(request, template, context, status=status)
