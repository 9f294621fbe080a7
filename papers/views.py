from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from papers.programme_views import catalogue_context, render_catalogue


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The person's own topics first, then the programme's catalogue: where a newcomer chooses a topic."""
    return render_catalogue(request, "papers/home.html", catalogue_context(request))
