from __future__ import annotations

import unicodedata
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from papers.access import TopicAccess, get_topic_for_user
from papers.models import Entry
from students import claims, watching
from students.claims import Availability
from students.enrollment import EnrollmentRefused, JoinVia, create_student, join_topic
from students.forms import JoinForm, ProgressForm, SignUpForm
from students.models import Claim, Feedback, ReadingProgress, ReadingStatus
from students.reading import reading_counts, set_progress
from students.topic_page import back_to_topic, row_update_context, topic_page_context


@require_POST
@login_required
def claim_paper(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """The topic page's one button per paper: claim it, or switch to it from the slot the student holds."""
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper"), pk=entry_id, topic=access.topic)

    def choose() -> str:
        _claim, switched = claims.choose(request.user, entry)
        message = _("You switched to “%(paper)s”.") if switched else _("You claimed “%(paper)s” for your presentation.")
        return message % {"paper": entry.paper.display_name}

    return _change_slot(request, access, choose, entry)


@require_POST
@login_required
def switch_paper(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper"), pk=entry_id, topic=access.topic)

    def switch() -> str:
        claims.switch(request.user, entry)
        return _("You switched to “%(paper)s”.") % {"paper": entry.paper.display_name}

    return _change_slot(request, access, switch, entry)


@require_http_methods(["GET", "POST"])
@login_required
def release_paper(request: HttpRequest, slug: str) -> HttpResponse:
    """GET asks for confirmation (the Release button without JavaScript lands here); POST releases."""
    access = get_topic_for_user(request.user, slug)
    if request.method == "GET":
        availability = Availability.for_student(access.topic, request.user, is_student=access.is_student)
        context = {"topic": access.topic, "availability": availability, "category": request.GET.get("category", "")}
        return render(request, "students/release_confirm.html", context)

    def release() -> str:
        claims.release(request.user, access.topic)
        return _("You released your presentation slot.")

    return _change_slot(request, access, release, None)


@require_POST
@login_required
def watch_paper(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """Be told when a taken paper has a place again; it reserves nothing."""
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper", "topic"), pk=entry_id, topic=access.topic)

    def watch() -> str:
        watching.watch_paper(request.user, entry)
        return _("You will be told when “%(paper)s” has a free place. Watching does not reserve it.") % {
            "paper": entry.paper.display_name}

    return _change_slot(request, access, watch, entry)


@require_POST
@login_required
def unwatch_paper(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper"), pk=entry_id, topic=access.topic)

    def unwatch() -> str:
        watching.stop_watching(request.user, entry=entry)
        return _("You no longer watch “%(paper)s”.") % {"paper": entry.paper.display_name}

    return _change_slot(request, access, unwatch, entry)


def _change_slot(request: HttpRequest, access: TopicAccess, change: Callable[[], str], entry: Entry | None) -> HttpResponse:
    """Make the change; with htmx, answer with the rows it changed and the slot box, else go back to the list."""
    before = set(Claim.objects.open().filter(topic=access.topic, student=request.user).values_list("entry_id", flat=True))
    status = 200
    try:
        messages.success(request, change())
    except (claims.ClaimRefused, watching.WatchRefused) as refusal:
        messages.error(request, refusal.messages[0])
        status = refusal.http_status
    if not request.htmx:
        if status == 200:
            category = request.POST.get("category", "")
            url = back_to_topic(request, access.topic)
            return redirect(f"{access.topic.get_absolute_url()}?{urlencode({'category': category})}" if category else url)
        # A refusal shows the true state of every row, and says why.
        return render(request, "papers/topic_detail.html", topic_page_context(request, access), status=status)
    # What the student holds after the change is `entry` or what they held before: those rows changed.
    affected = (before | ({entry.pk} if entry else set())) - {None}
    return render(request, "papers/topic_detail.html#slot-update", row_update_context(request, access, affected), status=status)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Join a topic with the mentor's code; visitors without an account sign up on the same form."""
    form_class = JoinForm if request.user.is_authenticated else SignUpForm
    form = form_class(request.POST if request.method == "POST" else None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        try:
            # A new account and its first topic come together, or not at all.
            with transaction.atomic():
                user = request.user
                if not user.is_authenticated:
                    user = create_student(
                        name=form.cleaned_data["name"], student_number=form.cleaned_data["student_number"],
                        email=form.cleaned_data["email"], password=form.cleaned_data["password1"],
                    )
                _enrollment, joined = join_topic(user, form.topic, via=JoinVia.CODE)
        except EnrollmentRefused as refusal:
            form.add_error("code", refusal.messages[0])
            return render(request, "students/join.html", {"form": form}, status=refusal.http_status)
        if not request.user.is_authenticated:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if joined:
            messages.success(request, _("Welcome to “%(topic)s”.") % {"topic": form.topic.title})
        else:
            messages.info(request, _("You are already in “%(topic)s”.") % {"topic": form.topic.title})
        return redirect(form.topic)
    return render(request, "students/join.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@login_required
def student_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    if not access.is_student:
        raise PermissionDenied(_("This page belongs to the topic's students."))
    topic = access.topic
    slots = (
        Claim.objects.filter(topic=topic, student=request.user)
        .select_related("entry__paper", "proposed_paper", "decided_by")
        .prefetch_related("entry__paper__versions")
        .order_by("-created_at")
    )
    current = next((slot for slot in slots if slot.is_open), None)
    context = {
        "topic": topic,
        "counts": reading_counts(request.user, topic),
        "slot": current,
        "past_slots": [slot for slot in slots if slot is not current],
        "availability": Availability.for_student(topic, request.user, is_student=True),
        "watches": watching.paper_watches(request.user, topic),
        "feedback": Feedback.objects.filter(topic=topic, student=request.user).select_related("author"),
        "progress": ReadingProgress.objects.filter(student=request.user, entry__topic=topic)
        .exclude(notes="")
        .select_related("entry__paper")
        .order_by("-updated_at"),
    }
    return render(request, "students/student_page.html", context)


@require_GET
@login_required
def paper_detail(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper"), pk=entry_id, topic=access.topic)
    progress = ReadingProgress.objects.filter(student=request.user, entry=entry).first()
    form = ProgressForm(initial={"status": progress.status if progress else ReadingStatus.TO_READ,
                                 "notes": progress.notes if progress else ""})
    return _render_paper_detail(request, access, entry, progress, form)


@require_POST
@login_required
def update_progress(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    entry = get_object_or_404(Entry.objects.select_related("paper"), pk=entry_id, topic=access.topic)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        progress = ReadingProgress.objects.filter(student=request.user, entry=entry).first()
        return _render_paper_detail(request, access, entry, progress, form, status=400)
    # The topic page's status-only form leaves the notes alone.
    notes = form.cleaned_data["notes"] if "notes" in request.POST else None
    progress = set_progress(request.user, entry, status=form.cleaned_data["status"] or None, notes=notes)
    saved = _("“%(paper)s” is marked “%(status)s”.") % {
        "paper": entry.paper.display_name, "status": progress.get_status_display(),
    }
    if request.htmx:
        context = {"entry": entry, "progress": progress, "topic": access.topic, "saved": saved}
        return render(request, "students/includes/progress_control.html", context)
    messages.success(request, saved if notes is None else _("Your notes are saved."))
    return redirect(_same_site_path(request, request.POST.get("next", "")) or entry_url(entry))


def _same_site_path(request: HttpRequest, candidate: str) -> str | None:
    """`candidate` when it is a path on this site, else None.

    redirect() takes a bare word such as "foo" for a view name, and fails after the progress was saved;
    another host, a script URL or a header-splitting line break is no place to send a student either.
    """
    if not candidate.startswith("/") or any(char.isspace() or unicodedata.category(char) == "Cc" for char in candidate):
        return None
    allowed = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if allowed else None


def _render_paper_detail(request, access, entry, progress, form, status=200) -> HttpResponse:
    context = {"topic": access.topic, "access": access, "entry": entry, "progress": progress, "form": form}
    return render(request, "students/paper_detail.html", context, status=status)


def entry_url(entry: Entry) -> str:
    return reverse("paper_detail", kwargs={"slug": entry.topic.slug, "entry_id": entry.pk})
