"""The programme pages: the catalogue of topics (the home page shows it too), joining an open topic or watching a full one, and the staff's overview.

Every signed-in person sees the whole catalogue: choosing a topic is what it is for. It shows no
enrollment code, and a topic's own page stays for its members (papers.access).
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from papers.models import Programme, Topic
from papers.programme import (
    JOINING_LABELS,
    MAX_SEARCH_WORDS,
    CatalogueSearch,
    catalogue_rows,
    catalogue_topics,
    joins_as_student,
    memberships_of,
    overview,
    overview_table,
    overview_topics,
)
from students import watching
from students.enrollment import EnrollmentRefused, JoinVia, join_topic

# The element an htmx search replaces; its request names it in HX-Target.
RESULTS_TARGET = "programme-results"


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"), max_length=100, required=False, widget=forms.SearchInput,
        help_text=gettext_lazy("Words from a topic's title, its categories or its papers' titles, in Chinese or English."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Joining"), choices=[("", gettext_lazy("Any way in")), *JOINING_LABELS.items()], required=False
    )
    places = forms.BooleanField(label=gettext_lazy("Only topics with places left"), required=False)

    def search(self) -> CatalogueSearch:
        """The valid choices; a wrong one is left out, and its error shown beside its field."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return CatalogueSearch(
            words=tuple((cleaned.get("q") or "").split()[:MAX_SEARCH_WORDS]),
            mode=cleaned.get("mode") or "",
            with_places=bool(cleaned.get("places")),
        )


def catalogue_context(request: HttpRequest, *, url: str | None = None) -> dict:
    """The catalogue as `request.user` sees it, searched by the query string: five queries whatever the number of topics.

    `url` is where the search form goes: the page itself (home or the programme page) unless said otherwise.
    """
    form = CatalogueFilterForm(request.GET)
    memberships = memberships_of(request.user)
    as_student = joins_as_student(request.user, memberships)
    rows = catalogue_rows(catalogue_topics(request.user, form.search()), joins_as_student=as_student)
    return {
        "catalogue_url": url or request.path,
        "form": form,
        "memberships": memberships,
        "joins_as_student": as_student,
        "topics_per_student": Programme.current().topics_per_student,
        "rows": rows,
        # Topics the person watches that have a place now: said first (students.watching).
        "freed": [row for row in rows if row.watched and row.places_left != 0 and row.role is None],
    }


def render_catalogue(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """The whole page, or for an htmx search only the results and their count."""
    if request.htmx and request.htmx.target == RESULTS_TARGET:
        template = "papers/programme.html#search-update"
    response = render(request, template, context)
    # The same URL answers a page or a fragment: the browser's back button must never be given the fragment.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
def programme(request: HttpRequest) -> HttpResponse:
    return render_catalogue(request, "papers/programme.html", catalogue_context(request))


@require_POST
@login_required
def join_open_topic(request: HttpRequest, slug: str) -> HttpResponse:
    # Every topic is in the catalogue, for everyone signed in; join_topic decides who gets in.
    topic = get_object_or_404(Topic, slug=slug)
    status = 200
    try:
        _enrollment, joined = join_topic(request.user, topic, via=JoinVia.OPEN)
    except EnrollmentRefused as refusal:
        messages.error(request, refusal.messages[0])
        status = refusal.http_status
    else:
        if joined:
            messages.success(request, _("Welcome to “%(topic)s”.") % {"topic": topic.title})
        else:
            messages.info(request, _("You are already in “%(topic)s”.") % {"topic": topic.title})
    if not request.htmx:
        if status == 200:
            return redirect(topic)
        return render(request, "papers/programme.html", catalogue_context(request, url=reverse("programme")), status=status)
    return _card_update(request, topic, status)


@require_POST
@login_required
def watch_topic(request: HttpRequest, slug: str) -> HttpResponse:
    """Be told when a full topic has a place again; it reserves nothing."""
    topic = get_object_or_404(Topic, slug=slug)
    status = 200
    try:
        watching.watch_topic(request.user, topic)
    except watching.WatchRefused as refusal:
        messages.error(request, refusal.messages[0])
        status = refusal.http_status
    else:
        messages.success(request, _("You will be told when “%(topic)s” has a free place. Watching does not reserve it.")
                         % {"topic": topic.title})
    return _card_answer(request, topic, status)


@require_POST
@login_required
def unwatch_topic(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    watching.stop_watching(request.user, topic=topic)
    messages.success(request, _("You no longer watch “%(topic)s”.") % {"topic": topic.title})
    return _card_answer(request, topic, 200)


def _card_answer(request: HttpRequest, topic: Topic, status: int) -> HttpResponse:
    """Without JavaScript, back to the catalogue (at the card); with htmx, the card."""
    if request.htmx:
        return _card_update(request, topic, status)
    if status == 200:
        return redirect(f"{reverse('programme')}#topic-{topic.pk}")
    return render(request, "papers/programme.html", catalogue_context(request, url=reverse("programme")), status=status)


def _card_update(request: HttpRequest, topic: Topic, status: int) -> HttpResponse:
    # Only this topic's card and the messages change: the card shows the true state, whoever won the last place.
    memberships = memberships_of(request.user)
    as_student = joins_as_student(request.user, memberships)
    context = {
        "row": catalogue_rows(catalogue_topics(request.user).filter(pk=topic.pk), joins_as_student=as_student)[0],
        "joins_as_student": as_student,
    }
    return render(request, "papers/programme.html#join-update", context, status=status)


@require_GET
@staff_member_required
def programme_overview(request: HttpRequest) -> HttpResponse:
    rows, totals = overview(list(overview_topics()))
    return render(request, "papers/programme_overview.html", {"rows": rows, "totals": totals})


@require_GET
@staff_member_required
def programme_overview_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="programme-overview.csv"'
    # Excel reads UTF-8 (and so Chinese titles) only after a byte-order mark; csv writes CRLF line ends.
    response.write("\ufeff")
    csv.writer(response).writerows(overview_table(list(overview_topics())))
    return response
