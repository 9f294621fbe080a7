from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from papers.models import Topic


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.all() if request.user.is_staff else Topic.objects.filter(enrollments__user=request.user)
    topics = list(topics.distinct())
    if len(topics) == 1:
        return redirect(topics[0])
    return render(request, "papers/home.html", {"topics": topics})
