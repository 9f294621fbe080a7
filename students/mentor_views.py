"""The mentor pages: progress across students, proposal decisions, feedback, the presentation schedule and the topic's settings.

Every view starts with get_topic_for_mentor: 404 for a topic the user is not part of, 403 for its students.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from papers.access import TopicAccess, get_topic_for_mentor
from papers.categories import category_index
from papers.models import Category, Topic
from readinglist.paging import page_number, page_of
from students import claims, mentors, schedule, watching
from students.claims import ClaimRefused, RowState
from students.mentor_rows import StudentRowRenderer, free_papers
from students.mentor_forms import (
    ApproveForm,
    CalendarForm,
    DashboardFilterForm,
    EntryForm,
    FeedbackForm,
    GridFilterForm,
    PresentationForm,
    RefusalForm,
    RejectForm,
    SlotForm,
    TopicSettingsForm,
)
from students.models import Claim, Enrollment

# Progress across students

# A long class reads page by page: 50 students, then "show more".
STUDENTS_PER_PAGE = 50


@require_GET
@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    topic = access.topic
    form = DashboardFilterForm(request.GET, topic=topic)
    chosen = form.choices()
    enrollments = mentors.filter_students(
        mentors.student_enrollments(topic), chosen["show"], intro_required=chosen["behind"],
        inactive_days=chosen["days"],
    )
    page = page_of(mentors.sort_students(enrollments, chosen["sort"]), page_number(request), STUDENTS_PER_PAGE)
    target = request.htmx.target if request.htmx else None
    partial = {"students": "students", "more-students": "student-rows"}.get(target or "")
    # The whole page reads the topic's categories once, for the coverage panel and the students' papers.
    categories = None if partial else category_index(topic)
    counts = mentors.topic_counts(topic)
    context = {
        "topic": topic,
        "form": form,
        "chosen": chosen,
        "rows": StudentRowRenderer(topic, behind=chosen["behind"]).rows(
            mentors.student_rows(topic, page.items, categories=categories, counts=counts)
        ),
        "page": page,
        "page_links": _page_links(request, page),
        "sort_links": _sort_links(request),
    }
    if partial:
        return render(request, f"mentors/dashboard.html#{partial}", context)
    context["coverage"] = mentors.coverage(topic, categories, counts)
    context["free_papers"] = free_papers(context["coverage"])
    context["pending_count"] = counts.pending_proposals
    return render(request, "mentors/dashboard.html", context)


def _page_links(request: HttpRequest, page) -> dict[str, str]:
    """The dashboard's URLs of the next and previous pages, keeping the filter and the sort."""
    links = {}
    for name, number in (("next", page.next_number), ("previous", page.previous_number)):
        if number:
            query = request.GET.copy()
            query["page"] = str(number)
            links[name] = f"?{query.urlencode()}"
    return links


def _sort_links(request: HttpRequest) -> dict[str, str]:
    """The dashboard's URL for each sort order, keeping the current filter."""
    links = {}
    for sort in mentors.StudentSort:
        query = request.GET.copy()
        query["sort"] = sort.value
        query.pop("page", None)
        links[sort.value] = f"?{query.urlencode()}"
    return links


@require_GET
@login_required
def grid(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    form = GridFilterForm(request.GET, topic=access.topic)
    chosen = form.choices()
    context = {
        "topic": access.topic,
        "chosen": chosen,
        "levels": mentors.GridLevel.choices,
        "categories": form.fields["category"].choices,
        "grid": (grid := mentors.reading_grid(
            access.topic, level=chosen["level"], category=chosen["category"], page=page_number(request),
            papers_page=page_number(request, "papers"),
        )),
        "grid_links": _grid_links(chosen, grid),
    }
    template = "mentors/grid.html#grid" if request.htmx and request.htmx.target == "grid" else "mentors/grid.html"
    return render(request, template, context)


def _grid_links(chosen: dict, grid: mentors.Grid) -> dict[str, str]:
    """The grid's previous and next pages of students and of papers, each keeping the filters and the other page."""
    here = {"level": chosen["level"], "category": chosen["category"], "page": grid.page.number, "papers": grid.papers.number}
    moves = {
        "previous_students": ("page", grid.page.previous_number), "next_students": ("page", grid.page.next_number),
        "previous_papers": ("papers", grid.papers.previous_number), "next_papers": ("papers", grid.papers.next_number),
    }
    return {name: f"?{urlencode({**here, key: number})}" for name, (key, number) in moves.items() if number}


# Proposals


@dataclass(frozen=True, slots=True)
class ProposalCard:
    proposal: Claim
    approve: ApproveForm
    reject: RejectForm



def _proposal_card(
    proposal: Claim, categories: list[Category], approve: ApproveForm | None = None, reject: RejectForm | None = None
) -> ProposalCard:
    proposed = [str(category.pk) for category in proposal.proposed_categories.all()]
    auto_id = f"proposal{proposal.pk}_%s"
    return ProposalCard(
        proposal=proposal,
        approve=approve or ApproveForm(initial={"categories": proposed}, auto_id=auto_id, categories=categories),
        reject=reject or RejectForm(auto_id=auto_id),
    )


def _proposals_page(request: HttpRequest, access: TopicAccess, bound: ProposalCard | None = None, status: int = 200) -> HttpResponse:
    categories = topic_categories(access.topic)
    cards = [
        bound if bound and bound.proposal.pk == proposal.pk else _proposal_card(proposal, categories)
        for proposal in mentors.pending_proposals(access.topic)
    ]
    return render(request, "mentors/proposals.html", {"topic": access.topic, "cards": cards}, status=status)


@require_GET
@login_required
def proposals(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    return _proposals_page(request, access)


@require_POST
@login_required
def approve_proposal(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    proposal = _get_proposal(access, claim_id)
    categories = topic_categories(access.topic)
    form = ApproveForm(request.POST, auto_id=f"proposal{proposal.pk}_%s", categories=categories)
    status = _act(
        request, form,
        lambda data: claims.approve_proposal(proposal, actor=request.user, categories=data["categories"]),
        _("Approved: “%(paper)s” joins the list, presented by %(student)s.") % _proposal_names(proposal),
    )
    return _decided(request, access, _proposal_card(proposal, categories, approve=form), status)


@require_POST
@login_required
def reject_proposal(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    proposal = _get_proposal(access, claim_id)
    form = RejectForm(request.POST, auto_id=f"proposal{proposal.pk}_%s")
    status = _act(
        request, form,
        lambda data: claims.reject_proposal(proposal, actor=request.user, reason=data["reason"]),
        _("Rejected the proposal of “%(paper)s” by %(student)s; they will see your reason.") % _proposal_names(proposal),
    )
    return _decided(request, access, _proposal_card(proposal, topic_categories(access.topic), reject=form), status)


def topic_categories(topic: Topic) -> list[Category]:
    return list(topic.categories.order_by("position", "pk"))


def _get_proposal(access: TopicAccess, claim_id: int) -> Claim:
    return get_object_or_404(
        Claim.objects.select_related("topic", "student", "proposed_paper")
        .prefetch_related("proposed_categories")
        .exclude(proposed_paper=None),
        pk=claim_id, topic=access.topic,
    )


def _proposal_names(proposal: Claim) -> dict[str, str]:
    return {"paper": proposal.proposed_paper.display_name, "student": mentors.person_name(proposal.student)}


def _decided(request: HttpRequest, access: TopicAccess, card: ProposalCard, status: int | None) -> HttpResponse:
    if status is None and not request.htmx:
        return redirect("mentor_proposals", slug=access.topic.slug)
    if not request.htmx:
        return _proposals_page(request, access, bound=card, status=status)
    card.proposal.refresh_from_db()
    return render(
        request, "mentors/proposals.html#proposal-update", {"topic": access.topic, "card": card}, status=status or 200
    )


# One student: reading, notes, slot, history, feedback, and the staff actions on their slot


@require_GET
@login_required
def student(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    enrollment = _get_student(access, user_id)
    return render(request, "mentors/student.html", _student_context(access, enrollment))


@require_POST
@login_required
def assign_paper(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    return _change_student_slot(
        request, access, _get_student(access, user_id),
        lambda student, entry: claims.claim(student, entry, actor=request.user),
        _("Assigned “%(paper)s” to %(student)s."),
    )


@require_POST
@login_required
def move_student(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    return _change_student_slot(
        request, access, _get_student(access, user_id),
        lambda student, entry: claims.switch(student, entry, actor=request.user),
        _("Moved %(student)s to “%(paper)s”."),
    )


@require_POST
@login_required
def release_claim(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    enrollment = _get_student(access, user_id)
    status = _act(
        request, None, lambda data: claims.release(enrollment.user, access.topic, actor=request.user),
        _("Released the slot of %(student)s.") % {"student": mentors.person_name(enrollment.user)},
    )
    return _student_response(request, access, enrollment, "slot", status)


@require_POST
@login_required
def add_feedback(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    enrollment = _get_student(access, user_id)
    form = FeedbackForm(request.POST)
    status = _act(
        request, form,
        lambda data: schedule.add_feedback(access.topic, enrollment.user, author=request.user, body=data["body"]),
        _("Feedback sent to %(student)s.") % {"student": mentors.person_name(enrollment.user)},
    )
    return _student_response(request, access, enrollment, "feedback", status, feedback_form=form if status else None)


def _get_student(access: TopicAccess, user_id: int) -> Enrollment:
    return get_object_or_404(
        Enrollment.objects.students().select_related("user"), topic=access.topic, user_id=user_id
    )


def _change_student_slot(
    request: HttpRequest, access: TopicAccess, enrollment: Enrollment, change: Callable, success: str
) -> HttpResponse:
    form = EntryForm(request.POST, topic=access.topic)

    def act(data: dict) -> str:
        change(enrollment.user, data["entry"])
        return success % {"paper": data["entry"].paper.display_name, "student": mentors.person_name(enrollment.user)}

    status = _act(request, form, act)
    return _student_response(request, access, enrollment, "slot", status, entry_form=form if status else None)


def _student_response(
    request: HttpRequest, access: TopicAccess, enrollment: Enrollment, partial: str, status: int | None, **forms_
) -> HttpResponse:
    if status is None and not request.htmx:
        return redirect("mentor_student", slug=access.topic.slug, user_id=enrollment.user_id)
    context = _student_context(access, enrollment, **forms_)
    template = f"mentors/student.html#{partial}-update" if request.htmx else "mentors/student.html"
    return render(request, template, context, status=status or 200)


def _student_context(
    access: TopicAccess, enrollment: Enrollment, *, entry_form: EntryForm | None = None,
    feedback_form: FeedbackForm | None = None,
) -> dict:
    topic, student_ = access.topic, enrollment.user
    lines = mentors.reading_lines(topic, student_)
    history = list(mentors.student_claims(topic, student_))
    advanced = mentors.availability_rows(topic, [line.entry for line in lines if not line.entry.is_intro])
    return {
        "topic": topic,
        "enrollment": enrollment,
        "student": student_,
        "name": mentors.person_name(student_),
        "lines": lines,
        "intro_done": sum(1 for line in lines if line.entry.is_intro and line.status == "done"),
        "intro_total": sum(1 for line in lines if line.entry.is_intro),
        "slot": next((claim for claim in history if claim.is_open), None),
        "history": history,
        "paper_choices": [(row.entry, row.state == RowState.FULL) for row in advanced],
        "entry_form": entry_form or EntryForm(topic=topic),
        "feedback": mentors.student_feedback(topic, student_),
        "feedback_form": feedback_form or FeedbackForm(),
    }


# The presentation schedule


@require_GET
@login_required
def schedule_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    return _schedule_page(request, access)


def _schedule_page(
    request: HttpRequest, access: TopicAccess, *, status: int = 200, bound: Talk | None = None,
    calendar_form: CalendarForm | None = None,
) -> HttpResponse:
    talks = [
        bound if bound and bound.claim.pk == claim.pk else _talk(claim)
        for claim in schedule.scheduled_claims(access.topic).prefetch_related("entry__categories")
    ]
    context = {"topic": access.topic, "talks": talks, "calendar_form": calendar_form or CalendarForm()}
    return render(request, "mentors/schedule.html", context, status=status)


@dataclass(frozen=True, slots=True)
class Talk:
    claim: Claim
    slot_form: SlotForm
    presentation_form: PresentationForm


def _talk(claim: Claim, *, slot_form: SlotForm | None = None, presentation_form: PresentationForm | None = None) -> Talk:
    auto_id = f"talk{claim.pk}_%s"
    return Talk(
        claim=claim,
        slot_form=slot_form or SlotForm(
            initial={"presentation_at": claim.presentation_at, "presentation_order": claim.presentation_order},
            auto_id=auto_id,
        ),
        presentation_form=presentation_form or PresentationForm(
            initial={"presented": claim.presented, "score": claim.score,
                     "presentation_feedback": claim.presentation_feedback},
            auto_id=auto_id,
        ),
    )


@require_POST
@login_required
def set_slot(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    claim = _get_talk(access, claim_id)
    form = SlotForm(request.POST, auto_id=f"talk{claim.pk}_%s")
    status = _act(
        request, form,
        lambda data: schedule.set_slot(
            claim, actor=request.user, at=data["presentation_at"], order=data["presentation_order"]
        ),
        _("Saved the slot of %(student)s.") % {"student": mentors.person_name(claim.student)},
    )
    return _talk_response(request, access, claim, status, slot_form=form)


@require_POST
@login_required
def record_presentation(request: HttpRequest, slug: str, claim_id: int) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    claim = _get_talk(access, claim_id)
    form = PresentationForm(request.POST, auto_id=f"talk{claim.pk}_%s")
    status = _act(
        request, form,
        lambda data: schedule.record_presentation(
            claim, actor=request.user, presented=data["presented"], feedback=data["presentation_feedback"],
            score=data["score"],
        ),
        _("Saved the presentation of %(student)s.") % {"student": mentors.person_name(claim.student)},
    )
    return _talk_response(request, access, claim, status, presentation_form=form)


def _get_talk(access: TopicAccess, claim_id: int) -> Claim:
    return get_object_or_404(Claim.objects.select_related("student", "entry__paper"), pk=claim_id, topic=access.topic)


def _talk_response(request: HttpRequest, access: TopicAccess, claim: Claim, status: int | None, **form) -> HttpResponse:
    if status is None and not request.htmx:
        return redirect("mentor_schedule", slug=access.topic.slug)
    # After a save the row shows the stored values; after a refusal, what was typed and why it was refused.
    claim.refresh_from_db()
    talk = _talk(claim, **(form if status else {}))
    if not request.htmx:
        return _schedule_page(request, access, status=status, bound=talk)
    return render(request, "mentors/schedule.html#talk-update", {"topic": access.topic, "talk": talk}, status=status or 200)


@require_GET
@login_required
def schedule_ics(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    form = CalendarForm(request.GET)
    if not form.is_valid():
        return _schedule_page(request, access, status=400, calendar_form=form)
    minutes = form.cleaned_data["minutes"]
    length = schedule.DEFAULT_TALK_LENGTH if minutes is None else timedelta(minutes=minutes)
    body = schedule.calendar(
        access.topic, schedule.scheduled_claims(access.topic), host=request.get_host().split(":")[0], length=length
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.topic.slug}-schedule.ics"'
    return response


@require_GET
@login_required
def claims_csv(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_mentor(request.user, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.topic.slug}-claims.csv"'
    # Excel reads UTF-8 (and so Chinese names) only after a byte-order mark; csv writes CRLF line ends.
    response.write("\ufeff")
    csv.writer(response).writerows(mentors.export_table(access.topic))
    return response


# Shared by every action


def _act(
    request: HttpRequest, form: RefusalForm | None, action: Callable[[dict], object], success: str | None = None
) -> int | None:
    """Run `action` on the form's data: None when it succeeded, else the HTTP status to answer with.

    The outcome is said in a message; a refusal about one field is said beside that field instead.
    Without `success`, the action's return value is the success message.
    """
    correct_below = _("Nothing was changed: please correct the errors below.")
    if form is not None and not form.is_valid():
        messages.error(request, correct_below)
        return 400
    try:
        outcome = action(form.cleaned_data if form is not None else {})
    except ClaimRefused as refusal:
        shown_at_field = form is not None and form.add_refusal(refusal)
        messages.error(request, correct_below if shown_at_field else refusal.messages[0])
        return refusal.http_status
    messages.success(request, success or outcome)
    return None


@require_http_methods(["GET", "POST"])
@login_required
def topic_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """How students join the topic and claim its papers; what a change frees is told to watchers."""
    access = get_topic_for_mentor(request.user, slug)
    topic = access.topic
    form = TopicSettingsForm(request.POST if request.method == "POST" else None, instance=topic)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            before = Topic.objects.select_for_update().get(pk=topic.pk)
            topic = form.save()
            Topic.list_changed(topic.pk)
            watching.places_changed(topic, before)
        messages.success(request, _("The topic's settings are saved."))
        return redirect("mentor_settings", slug=topic.slug)
    context = {"topic": topic, "access": access, "form": form, "students": topic.enrollments.students().count()}
    return render(request, "mentors/settings.html", context, status=400 if form.errors else 200)
