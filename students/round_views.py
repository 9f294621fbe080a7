"""The preference-round pages: the list, a topic's rounds, a student's ranking and result, the manager's page.

Every view starts with its access helper: rounds.get_round_for_user (404 for a round the person has
no part in) or rounds.get_round_for_manager (then 403 for the round's students); a topic's pages
with papers.access. The rules are students.rounds'; these views only ask and show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from papers.access import get_topic_for_mentor, get_topic_for_user
from papers.models import Topic
from students import rounds, task_recovery, tasks
from students.mentors import person_name
from students.models import MAX_CHOICES, AllocationStage, Enrollment, Round, RoundState
from students.round_forms import DeadlineForm, MoveForm, RankingForm, RoundForm, choice_label
from students.rounds import RoundAccess, RoundRefused

# The allocation job's stages, in order, for the progress bar.
STAGES = [AllocationStage.QUEUED, AllocationStage.READING, AllocationStage.SOLVING, AllocationStage.SAVING, AllocationStage.DONE]


def _render(request: HttpRequest, template: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """The whole page, or only its swappable region for HTMX."""
    return render(request, f"{template}#{partial}" if request.htmx else template, context, status=status)


# Lists of rounds


@dataclass(frozen=True, slots=True)
class RoundRow:
    round: Round
    url: str  # the manager's page for those who run it, the student's page for the others


def _round_rows(user, rounds_: QuerySet[Round]) -> list[RoundRow]:
    """Each round with the page this person opens; two queries whatever the number of rounds."""
    rounds_ = list(rounds_)
    mentored = (
        set()
        if user.is_staff
        else set(Enrollment.objects.mentors().filter(user=user).values_list("topic_id", flat=True))
    )
    return [
        RoundRow(
            round=round_,
            url=reverse(
                "round_manage" if user.is_staff or round_.topic_id in mentored else "round_detail", args=[round_.pk]
            ),
        )
        for round_ in rounds_
    ]


@require_http_methods(["GET", "POST"])
@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """Every round the person has a part in; admins open a round of topics here (POST)."""
    if request.method == "GET":
        return _list_page(request, RoundForm(auto_id="round_%s") if request.user.is_staff else None)
    if not request.user.is_staff:
        raise PermissionDenied(_("Only admins open a round of topics."))
    form = RoundForm(request.POST, auto_id="round_%s")
    opened = _open(form, lambda data: rounds.open_topic_round(**data, actor=request.user))
    if opened is None:
        return _list_page(request, form, status=400)
    messages.success(request, _("The round “%(round)s” is open for rankings.") % {"round": opened.title})
    return redirect("round_manage", pk=opened.pk)


def _list_page(request: HttpRequest, form: RoundForm | None, status: int = 200) -> HttpResponse:
    context = {
        "rows": _round_rows(request.user, rounds.rounds_for(request.user)), "open_form": form, "max_choices": MAX_CHOICES,
    }
    return render(request, "rounds/list.html", context, status=status)


def _open(form: RoundForm, open_round: Callable[[dict], Round]) -> Round | None:
    if not form.is_valid():
        return None
    try:
        return open_round(form.cleaned_data)
    except RoundRefused as refusal:
        form.add_refusal(refusal)
        return None


def _topic_rounds(topic: Topic) -> QuerySet[Round]:
    return topic.preference_rounds.select_related("topic").annotate(
        ranked_count=Count("preferences__student", distinct=True)
    )


@require_http_methods(["GET", "POST"])
@login_required
def topic_rounds(request: HttpRequest, slug: str) -> HttpResponse:
    """The rounds of a topic's papers; its mentors open one here (POST)."""
    if request.method == "GET":
        access = get_topic_for_user(request.user, slug)
        return _topic_rounds_page(request, access.topic, RoundForm(auto_id="round_%s") if access.is_mentor else None)
    access = get_topic_for_mentor(request.user, slug)
    form = RoundForm(request.POST, auto_id="round_%s")
    opened = _open(form, lambda data: rounds.open_paper_round(access.topic, **data, actor=request.user))
    if opened is None:
        return _topic_rounds_page(request, access.topic, form, status=400)
    messages.success(request, _("The round “%(round)s” is open for rankings.") % {"round": opened.title})
    return redirect("round_manage", pk=opened.pk)


def _topic_rounds_page(request: HttpRequest, topic: Topic, form: RoundForm | None, status: int = 200) -> HttpResponse:
    context = {"topic": topic, "rows": _round_rows(request.user, _topic_rounds(topic)), "open_form": form}
    return render(request, "rounds/topic_rounds.html", context, status=status)


# A student's ranking and result


@require_GET
@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = rounds.get_round_for_user(request.user, pk)
    if not access.is_participant:
        return redirect("round_manage", pk=pk)
    return render(request, "rounds/detail.html", _detail_context(request, access))


@require_POST
@login_required
def save_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    access = rounds.get_round_for_user(request.user, pk)
    if not access.is_participant:
        raise PermissionDenied(_("Only the round's students rank."))
    round_ = access.round
    offered = list(rounds.rankable(round_))
    candidates = {choice.pk: choice for choice in rounds.candidates(round_)}
    form = RankingForm(request.POST, offered=offered, candidates=candidates)
    status = 400
    if form.is_valid():
        try:
            rounds.save_ranking(round_, request.user, form.choices)
        except RoundRefused as refusal:
            form.add_refusal(refusal)
            status = refusal.http_status
        else:
            messages.success(request, _("Your ranking is saved: %(count)d choice(s).") % {"count": len(form.choices)})
            if not request.htmx:
                return redirect(round_)
            status, form = 200, None  # a fresh form, showing the ranking as saved
    context = _detail_context(request, access, form=form, offered=offered)
    return _render(request, "rounds/detail.html", "ranking-update", context, status=status)


def _detail_context(
    request: HttpRequest, access: RoundAccess, *, form: RankingForm | None = None, offered: list | None = None
) -> dict:
    round_ = access.round
    ranking = rounds.ranking_of(round_, request.user)
    refusal = None
    try:
        rounds.check_may_rank(round_, request.user)
    except RoundRefused as error:
        refusal = error.messages[0]
    rankings_open = rounds.rankings_open(round_)
    if offered is None:
        offered = list(rounds.rankable(round_)) if rankings_open else []
    if form is None and rankings_open and refusal is None:
        form = RankingForm(offered=offered, candidates={}, initial_ids=[preference.choice_id for preference in ranking])
    return {
        "round": round_,
        "max_choices": MAX_CHOICES,
        "rankings_open": rankings_open,
        "refusal": refusal,
        "ranking": [(preference, choice_label(preference.topic or preference.entry)) for preference in ranking],
        "form": form,
        "contest_rows": _contest_rows(round_, offered),
        "result": rounds.result_of(round_, request.user) if round_.state == RoundState.PUBLISHED else None,
    }


@dataclass(frozen=True, slots=True)
class ContestRow:
    choice_id: int
    label: str
    first: int
    total: int


def _contest_rows(round_: Round, offered: list) -> list[ContestRow]:
    contest = rounds.contest(round_)
    rows = []
    for choice in offered:
        counts = contest.get(choice.pk, rounds.Contest())
        rows.append(ContestRow(choice_id=choice.pk, label=choice_label(choice), first=counts.first, total=counts.total))
    return rows


# The manager's page


@require_GET
@login_required
def round_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """An allocation whose worker stopped is taken up again by looking at it (students.task_recovery)."""
    access = rounds.get_round_for_manager(request.user, pk)
    recovered = task_recovery.recover_allocation(access.round)
    if recovered is not None:
        access.round.refresh_from_db()
    if recovered == task_recovery.RESUMED:
        messages.info(request, _("The background worker had stopped during this allocation: it is queued again."))
    if request.htmx and request.htmx.target == "round-status":
        if access.round.state != RoundState.ALLOCATING:
            # The job finished: the whole page changes (the draft appears), not only the bar.
            return HttpResponseClientRefresh()
        return render(request, "rounds/manage.html#round-status", _status_context(access.round))
    return _manage_page(request, access)


def _manage_page(
    request: HttpRequest, access: RoundAccess, *, deadline_form: DeadlineForm | None = None,
    move_form: MoveForm | None = None, status: int = 200,
) -> HttpResponse:
    round_ = access.round
    context = {
        "round": round_,
        "ranked_count": rounds.ranked_count(round_),
        "rankings_open": rounds.rankings_open(round_),
        "deadline_form": deadline_form or DeadlineForm(auto_id="deadline_%s", initial={"deadline": round_.deadline}),
        **_status_context(round_),
    }
    if round_.state == RoundState.OPEN:
        context["contest_rows"] = _contest_rows(round_, list(rounds.rankable(round_)))
    if round_.state in (RoundState.DRAFT, RoundState.PUBLISHED):
        draft = rounds.draft(round_)
        context["draft"] = draft
        if round_.state == RoundState.DRAFT:
            context["move_form"] = move_form or _move_form(round_, draft)
    return render(request, "rounds/manage.html", context, status=status)


def _status_context(round_: Round) -> dict:
    stage = round_.allocation_stage
    done = STAGES.index(stage) if stage in STAGES else 0
    return {"round": round_, "stage_done": done, "stage_total": len(STAGES) - 1}


def _move_form(round_: Round, draft: rounds.Draft, data=None) -> MoveForm:
    students = [(row.student_id, person_name(row.student)) for row in draft.rows]
    return MoveForm(data, students=students, places=rounds.places(round_), auto_id="move_%s")


def _manager_action(request: HttpRequest, pk: int, act: Callable[[Round], object], success: str) -> HttpResponse:
    access = rounds.get_round_for_manager(request.user, pk)
    try:
        act(access.round)
    except RoundRefused as refusal:
        messages.error(request, refusal.messages[0])
        access = rounds.get_round_for_manager(request.user, pk)
        return _manage_page(request, access, status=refusal.http_status)
    messages.success(request, success)
    return redirect("round_manage", pk=pk)


@require_POST
@login_required
def set_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    access = rounds.get_round_for_manager(request.user, pk)
    form = DeadlineForm(request.POST, auto_id="deadline_%s")
    if form.is_valid():
        try:
            rounds.set_deadline(access.round, form.cleaned_data["deadline"], actor=request.user)
        except RoundRefused as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, _("Rankings are open until the new deadline."))
            return redirect("round_manage", pk=pk)
    return _manage_page(request, access, deadline_form=form, status=400)


@require_POST
@login_required
def close_rankings(request: HttpRequest, pk: int) -> HttpResponse:
    return _manager_action(
        request, pk, lambda round_: rounds.close_rankings(round_, actor=request.user),
        _("Rankings are closed: run the allocation when you are ready."),
    )


@require_POST
@login_required
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
    def start(round_: Round) -> None:
        round_ = rounds.start_allocation(round_, actor=request.user)
        if rounds.runs_at_once(round_):
            rounds.run_allocation(round_.pk)
        else:
            tasks.enqueue_allocation(round_)

    return _manager_action(request, pk, start, _("The allocation has started: this page shows its progress and then the draft."))


@require_POST
@login_required
def move_student(request: HttpRequest, pk: int) -> HttpResponse:
    access = rounds.get_round_for_manager(request.user, pk)
    round_ = access.round
    if round_.state != RoundState.DRAFT:
        messages.error(request, _("Only a draft allocation can be changed."))
        return _manage_page(request, access, status=409)
    form = _move_form(round_, rounds.draft(round_), request.POST)
    status = 400
    if form.is_valid():
        student = get_object_or_404(get_user_model(), pk=form.cleaned_data["student"])
        try:
            rounds.move(round_, student, form.cleaned_data["place"], actor=request.user)
        except RoundRefused as refusal:
            form.add_refusal(refusal)
            status = refusal.http_status
        else:
            messages.success(request, _("%(student)s is moved.") % {"student": person_name(student)})
            if not request.htmx:
                return redirect("round_manage", pk=pk)
            status, form = 200, None
    if not request.htmx:
        return _manage_page(request, access, move_form=form, status=status)
    draft = rounds.draft(round_)
    context = {"round": round_, "draft": draft, "move_form": form or _move_form(round_, draft)}
    return render(request, "rounds/manage.html#draft-update", context, status=status)


@require_POST
@login_required
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    access = rounds.get_round_for_manager(request.user, pk)
    try:
        report = rounds.publish(access.round, actor=request.user)
    except RoundRefused as refusal:
        messages.error(request, refusal.messages[0])
        return _manage_page(request, access, status=refusal.http_status)
    messages.success(request, _("Published: %(count)d place(s) given.") % {"count": report.granted})
    if report.refused:
        messages.warning(
            request,
            _("%(count)d place(s) could not be given any more; the page says why.") % {"count": len(report.refused)},
        )
    return redirect("round_manage", pk=pk)


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _manager_action(
        request, pk, lambda round_: rounds.cancel(round_, actor=request.user), _("The round is cancelled: nothing was given.")
    )
