"""Preference rounds, in one place for every entry point: open, rank, allocate, move, publish.

Views, HTMX endpoints, the admin, the task and the management command all call these functions.

The rules:

- An admin opens a round of topics: students rank up to MAX_CHOICES topics whose joining is "by
  preference round", if they are below the programme's topics per student. A mentor of a topic (or
  an admin) opens a round of its papers: its students without a presentation slot rank up to
  MAX_CHOICES of its advanced papers. An intro paper is never ranked, allocated or given (the
  database refuses it too, migration 0005). One unfinished round per topic, and one round of topics.
- Students change their ranking until the deadline, and see how many ranked each choice first and at
  all, never who.
- After the deadline a manager runs the allocation (students.allocation, optimal; in the background
  worker when the round is large). The result is a draft the manager may change student by student,
  with the same checks as publication: a place left (topic places, or a paper's students per paper,
  minus those already there and those the draft already puts there), never an intro paper, one
  presentation slot, the topics-per-student limit.
- Publication gives the places through the ordinary rules: students.claims.claim (the claim's
  history names the round: action "allocated") and students.enrollment.join_topic(via=ROUND).
  A place a rule refuses by then is recorded with the reason; those without a place choose from
  what remains, first come, on the usual pages.

Approved proposals and claims are left alone: a student holding a slot is not in a round of papers,
and a paper's claims count against its places. The round's row is locked for every change, so two
managers (or a manager and the worker) cannot interleave.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from papers.models import EnrollmentMode, Entry, Level, Programme, Topic
from papers.templatetags.readinglist import local_datetime_text
from students import allocation, claims
from students.enrollment import EnrollmentRefused, JoinVia, join_topic
from students.models import (
    MAX_CHOICES,
    Allocation,
    AllocationStage,
    Claim,
    ClaimAction,
    ClaimEvent,
    Enrollment,
    Preference,
    Role,
    Round,
    RoundLevel,
    RoundState,
    StudentProfile,
)

logger = logging.getLogger(__name__)

# Rounds with at most this many students are allocated during the request; larger ones by the worker.
ALLOCATE_AT_ONCE_LIMIT = 300

Choice = Topic | Entry


class RoundRefused(ValidationError):
    """A round rule said no. `code` tells which; `http_status` is what a view answers."""

    HTTP_STATUS = {
        "not_manager": 403,
        "not_participant": 403,
        "closed": 409,
        "still_open": 409,
        "wrong_state": 409,
        "already_open": 409,
        "slot_taken": 409,
        "limit": 409,
        "full": 409,
        "already_in": 409,
        "not_allocated": 409,
    }

    @property
    def http_status(self) -> int:
        return self.HTTP_STATUS.get(self.code or "", 400)


# Who may see and change a round


@dataclass(frozen=True, slots=True)
class RoundAccess:
    round: Round
    is_manager: bool
    is_participant: bool


def get_round_for_user(user: AbstractBaseUser, pk: int) -> RoundAccess:
    """404 for a round the user has no part in, so its existence does not leak."""
    round_ = get_object_or_404(Round.objects.select_related("topic"), pk=pk)
    manager = may_manage(user, round_)
    participant = is_participant(user, round_)
    if not (manager or participant):
        raise Http404(_("No such round."))
    return RoundAccess(round=round_, is_manager=manager, is_participant=participant)


def get_round_for_manager(user: AbstractBaseUser, pk: int) -> RoundAccess:
    """Like get_round_for_user, then 403 for a student who takes part in it."""
    access = get_round_for_user(user, pk)
    if not access.is_manager:
        raise PermissionDenied(_("Only the round's mentors and admins can do this."))
    return access


def may_manage(user: AbstractBaseUser, round_: Round) -> bool:
    """Admins run every round; a topic's mentors run the rounds of its papers."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return round_.is_paper_round and Enrollment.objects.mentors().filter(topic_id=round_.topic_id, user=user).exists()


def ensure_manager(user: AbstractBaseUser, round_: Round) -> None:
    if not may_manage(user, round_):
        raise RoundRefused(_("Only the round's mentors and admins can do this."), code="not_manager")


def is_participant(user: AbstractBaseUser, round_: Round) -> bool:
    """Whom the round concerns: a round of papers, the topic's students; a round of topics, the
    students below their limit, and whoever already ranked or was allocated in it."""
    if not user.is_authenticated or user.is_staff:
        return False
    if round_.is_paper_round:
        return Enrollment.objects.students().filter(topic_id=round_.topic_id, user=user).exists()
    took_part = (
        Preference.objects.filter(round=round_, student=user).exists()
        or Allocation.objects.filter(round=round_, student=user).exists()
    )
    return took_part or (is_student_account(user) and topics_left(user) > 0)


def is_student_account(user: AbstractBaseUser) -> bool:
    """A student of the programme: signed up or imported with a student number, or a student of a topic."""
    if user.is_staff:
        return False
    return (
        StudentProfile.objects.filter(user=user).exists() or Enrollment.objects.students().filter(user=user).exists()
    )


def topics_left(user: AbstractBaseUser) -> int:
    limit = Programme.current().topics_per_student
    return max(0, limit - Enrollment.objects.students().filter(user=user).count())


def rounds_for(user: AbstractBaseUser) -> QuerySet[Round]:
    """The rounds a person's list shows: every round for admins, their topics' for mentors and students,
    and the unfinished round of topics for a student who may still join a topic."""
    rounds = Round.objects.select_related("topic").annotate(
        ranked_count=Count("preferences__student", distinct=True)
    )
    if user.is_staff:
        return rounds
    topics = Enrollment.objects.filter(user=user).values("topic")
    mine = Q(level=RoundLevel.PAPERS, topic__in=topics)
    took_part = Q(pk__in=Preference.objects.filter(student=user).values("round")) | Q(
        pk__in=Allocation.objects.filter(student=user).values("round")
    )
    visible = mine | (Q(level=RoundLevel.TOPICS) & took_part)
    if is_student_account(user) and topics_left(user) > 0:
        visible |= Q(level=RoundLevel.TOPICS, state=RoundState.OPEN)
    return rounds.filter(visible)


# Opening, closing, cancelling


def open_topic_round(*, title: str, deadline: datetime, actor: AbstractBaseUser) -> Round:
    if not actor.is_staff:
        raise RoundRefused(_("Only admins open a round of topics."), code="not_manager")
    if not Topic.objects.filter(enrollment_mode=EnrollmentMode.PREFERENCE).exists():
        raise RoundRefused(
            _("No topic takes students by preference round: set a topic's joining to “By preference round” first."),
            code="nothing_to_rank",
        )
    return _open(Round(level=RoundLevel.TOPICS, title=title, deadline=deadline, created_by=actor))


def open_paper_round(topic: Topic, *, title: str, deadline: datetime, actor: AbstractBaseUser) -> Round:
    round_ = Round(level=RoundLevel.PAPERS, topic=topic, title=title, deadline=deadline, created_by=actor)
    ensure_manager(actor, round_)
    if not topic.entries.advanced().exists():
        raise RoundRefused(_("“%(topic)s” has no advanced paper to rank.") % {"topic": topic.title}, code="nothing_to_rank")
    return _open(round_)


def _open(round_: Round) -> Round:
    _check_future(round_.deadline)
    try:
        with transaction.atomic():
            round_.save()
            _topic_pages_changed(round_)
    except IntegrityError:
        # round_one_unfinished_per_topic / round_one_unfinished_topic_round
        raise RoundRefused(
            _("A round of these is already open: publish or cancel it before opening another."), code="already_open"
        ) from None
    return round_


def _check_future(deadline: datetime) -> None:
    if deadline <= timezone.now():
        raise RoundRefused(_("Choose a deadline in the future."), code="past_deadline")


def set_deadline(round_: Round, deadline: datetime, *, actor: AbstractBaseUser) -> Round:
    """A new deadline reopens the rankings; a draft allocation, if any, is dropped."""
    _check_future(deadline)
    with transaction.atomic():
        round_ = _lock(round_, actor, RoundState.OPEN, RoundState.DRAFT)
        round_.allocations.all().delete()
        round_.deadline, round_.state, round_.allocation_stage = deadline, RoundState.OPEN, ""
        round_.save(update_fields=["deadline", "state", "allocation_stage"])
    return round_


def close_rankings(round_: Round, *, actor: AbstractBaseUser) -> Round:
    """The deadline is now: rankings stop, the allocation may run."""
    with transaction.atomic():
        round_ = _lock(round_, actor, RoundState.OPEN)
        if rankings_open(round_):
            round_.deadline = timezone.now()
            round_.save(update_fields=["deadline"])
    return round_


def cancel(round_: Round, *, actor: AbstractBaseUser) -> Round:
    """Nothing is given; the rankings stay, for the record."""
    with transaction.atomic():
        round_ = _lock(round_, actor, RoundState.OPEN, RoundState.ALLOCATING, RoundState.DRAFT)
        round_.allocations.all().delete()
        round_.state = RoundState.CANCELLED
        round_.save(update_fields=["state"])
        _topic_pages_changed(round_)
    return round_


def _topic_pages_changed(round_: Round) -> None:
    """A round of papers starting or ending changes what the topic's page offers: open pages refresh."""
    if round_.topic_id is not None:
        Topic.list_changed(round_.topic_id)


def rankings_open(round_: Round) -> bool:
    return round_.state == RoundState.OPEN and timezone.now() <= round_.deadline


def _lock(round_: Round, actor: AbstractBaseUser | None, *states: str) -> Round:
    """The round's row, locked for this transaction, in one of `states`; `actor` must manage it."""
    locked = Round.objects.select_for_update(of=("self",)).select_related("topic").get(pk=round_.pk)
    if actor is not None:
        ensure_manager(actor, locked)
    if locked.state not in states:
        raise RoundRefused(
            _("The round is “%(state)s”: this cannot be done now.") % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    return locked


# Ranking


def rankable(round_: Round) -> QuerySet:
    """What a round offers to rank: topics joined by preference round, or the topic's advanced papers."""
    if round_.is_paper_round:
        return Entry.objects.filter(topic_id=round_.topic_id, level=Level.ADVANCED).select_related("paper").order_by(
            "position", "pk"
        )
    return Topic.objects.filter(enrollment_mode=EnrollmentMode.PREFERENCE).order_by("number", "slug")


def candidates(round_: Round) -> QuerySet:
    """Whatever a request may name as a choice, the intro papers included: the rules, not a form, refuse them."""
    if round_.is_paper_round:
        return Entry.objects.filter(topic_id=round_.topic_id).select_related("paper", "topic")
    return Topic.objects.all()


def save_ranking(round_: Round, student: AbstractBaseUser, choices: Sequence[Choice]) -> list[Preference]:
    """The student's ranking, first choice first, replacing the last one; an empty list withdraws it."""
    with transaction.atomic():
        round_ = Round.objects.select_for_update(of=("self",)).select_related("topic").get(pk=round_.pk)
        if not rankings_open(round_):
            raise RoundRefused(
                _("Rankings for “%(round)s” closed on %(deadline)s.")
                % {"round": round_.title, "deadline": local_datetime_text(round_.deadline)},
                code="closed",
            )
        check_may_rank(round_, student)
        if len(choices) > MAX_CHOICES:
            raise RoundRefused(_("Rank at most %(count)d choices.") % {"count": MAX_CHOICES}, code="too_many")
        if len({choice.pk for choice in choices}) != len(choices):
            raise RoundRefused(_("Each choice may appear only once in your ranking."), code="duplicate")
        for choice in choices:
            check_rankable(round_, student, choice)
        Preference.objects.filter(round=round_, student=student).delete()
        field_name = "entry" if round_.is_paper_round else "topic"
        return Preference.objects.bulk_create(
            Preference(round=round_, student=student, rank=rank, **{field_name: choice})
            for rank, choice in enumerate(choices, start=1)
        )


def check_may_rank(round_: Round, student: AbstractBaseUser) -> None:
    """Whether the student is one the round allocates: a student without a slot, or below the topic limit."""
    if round_.is_paper_round:
        if not Enrollment.objects.students().filter(topic_id=round_.topic_id, user=student).exists():
            raise RoundRefused(_("Only students of this topic take part in its rounds."), code="not_participant")
        if Claim.objects.open().filter(topic_id=round_.topic_id, student=student).exists():
            raise RoundRefused(
                _("You already hold a presentation slot in this topic: the round is for students without one."),
                code="slot_taken",
            )
        return
    if not is_student_account(student):
        raise RoundRefused(_("Only students take part in a round of topics."), code="not_participant")
    if topics_left(student) == 0:
        raise RoundRefused(
            _("You are already in as many topics as the programme allows."), code="limit",
        )


def check_rankable(round_: Round, student: AbstractBaseUser, choice: Choice) -> None:
    """The rule for one choice, when ranking and when a manager moves a student: the right kind, never an intro paper."""
    if round_.is_paper_round:
        if not isinstance(choice, Entry) or choice.topic_id != round_.topic_id:
            raise RoundRefused(_("Choose papers of this topic's reading list."), code="not_rankable")
        try:
            choice.ensure_presentable()
        except ValidationError as error:
            raise RoundRefused(error.messages[0], code="intro_paper") from None
        return
    if not isinstance(choice, Topic) or choice.enrollment_mode != EnrollmentMode.PREFERENCE:
        raise RoundRefused(
            _("“%(topic)s” does not take students by preference round.") % {"topic": choice}, code="not_rankable"
        )
    if Enrollment.objects.filter(topic=choice, user=student).exists():
        raise RoundRefused(_("You are already in “%(topic)s”.") % {"topic": choice.title}, code="already_in")


def ranking_of(round_: Round, student: AbstractBaseUser) -> list[Preference]:
    return list(
        Preference.objects.filter(round=round_, student=student).select_related("topic", "entry__paper").order_by("rank")
    )


@dataclass(frozen=True, slots=True)
class Contest:
    first: int = 0  # students who ranked it first
    total: int = 0  # students who ranked it at all


def contest(round_: Round) -> dict[int, Contest]:
    """How contested each choice is, by choice id: counts only, never who. One query."""
    column = "entry" if round_.is_paper_round else "topic"
    rows = (
        Preference.objects.filter(round=round_)
        .values(column)
        .annotate(first=Count("pk", filter=Q(rank=1)), total=Count("pk"))
        .order_by()
    )
    return {row[column]: Contest(first=row["first"], total=row["total"]) for row in rows}


# The allocation


@dataclass
class Prepared:
    """The round read from the database as the solver's input, and what it needs to write the draft back."""

    problem: allocation.Problem
    left_out: list[int] = field(default_factory=list)  # students who ranked but are no longer allocated


def prepare(round_: Round) -> Prepared:
    """The solver's input: today's free places, and the rankings of those the round still allocates.

    A choice that no longer qualifies (a paper made intro, a topic no longer joined by round, a topic
    the student joined meanwhile) is dropped; the remaining choices keep the ranks the student gave.
    """
    ranked: dict[int, dict[int, int]] = defaultdict(dict)
    column = "entry_id" if round_.is_paper_round else "topic_id"
    for student_id, choice_id, rank in Preference.objects.filter(round=round_).values_list("student_id", column, "rank"):
        ranked[student_id][choice_id] = rank
    if round_.is_paper_round:
        capacities, already_in, excluded = _paper_places(round_, list(ranked))
    else:
        capacities, already_in, excluded = _topic_places(list(ranked))
    rankings = {
        student: {
            choice: rank
            for choice, rank in choices.items()
            if choice in capacities and choice not in already_in.get(student, ())
        }
        for student, choices in ranked.items()
        if student not in excluded
    }
    problem = allocation.Problem(round_id=round_.pk, capacities=capacities, rankings=rankings)
    return Prepared(problem=problem, left_out=sorted(excluded))


def _paper_places(round_: Round, students: list[int]) -> tuple[dict[int, int], dict[int, set[int]], set[int]]:
    """Free places of each advanced paper; students no longer allocated (a slot, or left the topic)."""
    capacity = round_.topic.claim_capacity
    entries = claims.with_availability(Entry.objects.filter(topic_id=round_.topic_id, level=Level.ADVANCED))
    capacities = {entry.pk: max(0, capacity - entry.taken) for entry in entries}
    enrolled = set(
        Enrollment.objects.students().filter(topic_id=round_.topic_id, user_id__in=students).values_list("user_id", flat=True)
    )
    holding = set(
        Claim.objects.open().filter(topic_id=round_.topic_id, student_id__in=students).values_list("student_id", flat=True)
    )
    excluded = {student for student in students if student not in enrolled or student in holding}
    return capacities, {}, excluded


def _topic_places(students: list[int]) -> tuple[dict[int, int], dict[int, set[int]], set[int]]:
    """Free places of each topic joined by round; topics each student is already in; students at their limit."""
    topics = Topic.objects.filter(enrollment_mode=EnrollmentMode.PREFERENCE).annotate(
        student_count=Count("enrollments", filter=Q(enrollments__role=Role.STUDENT))
    )
    # A topic without a limit takes everyone who ranked it.
    unlimited = len(students)
    capacities = {
        topic.pk: unlimited if topic.student_capacity is None else max(0, topic.student_capacity - topic.student_count)
        for topic in topics
    }
    limit = Programme.current().topics_per_student
    joined: dict[int, set[int]] = defaultdict(set)
    for user_id, topic_id in Enrollment.objects.filter(user_id__in=students).values_list("user_id", "topic_id"):
        joined[user_id].add(topic_id)
    student_topics = Counter(
        Enrollment.objects.students().filter(user_id__in=students).values_list("user_id", flat=True)
    )
    staff = set(get_user_model().objects.filter(pk__in=students, is_staff=True).values_list("pk", flat=True))
    excluded = {student for student in students if student_topics[student] >= limit or student in staff}
    return capacities, joined, excluded


def start_allocation(round_: Round, *, actor: AbstractBaseUser) -> Round:
    """The round waits for its allocation: after the deadline, again on a draft, or after a failure."""
    with transaction.atomic():
        round_ = _lock(round_, actor, RoundState.OPEN, RoundState.DRAFT, RoundState.ALLOCATING)
        if round_.state == RoundState.OPEN and rankings_open(round_):
            raise RoundRefused(
                _("Rankings are open until %(deadline)s: close them first.")
                % {"deadline": local_datetime_text(round_.deadline)},
                code="still_open",
            )
        if round_.state == RoundState.ALLOCATING and round_.allocation_stage != AllocationStage.FAILED:
            raise RoundRefused(_("The allocation is already running."), code="wrong_state")
        _begin_allocation(round_)
    return round_


def _begin_allocation(locked: Round) -> None:
    """The round waits for a run started now. The last run's task is forgotten: over, it would make this run
    look stopped to students.task_recovery while a request computes it."""
    locked.state, locked.allocation_stage, locked.allocation_error = RoundState.ALLOCATING, AllocationStage.QUEUED, ""
    locked.allocation_started_at, locked.task_result_id = timezone.now(), ""
    locked.save(update_fields=["state", "allocation_stage", "allocation_error", "allocation_started_at", "task_result_id"])


def ranked_count(round_: Round) -> int:
    return Preference.objects.filter(round=round_).values("student").distinct().count()


def runs_at_once(round_: Round) -> bool:
    """Small rounds are allocated while the manager waits; large ones by the worker, with a progress bar."""
    return ranked_count(round_) <= ALLOCATE_AT_ONCE_LIMIT


def run_allocation(round_id: int) -> Round:
    """Compute the draft of a round waiting for it; safe to call again, and on a round that no longer waits."""
    round_ = Round.objects.select_related("topic").get(pk=round_id)
    if round_.state != RoundState.ALLOCATING:
        return round_
    try:
        _stage(round_, AllocationStage.READING)
        prepared = prepare(round_)
        _stage(round_, AllocationStage.SOLVING)
        result = allocation.allocate(prepared.problem)
        _stage(round_, AllocationStage.SAVING)
        return _save_draft(round_, prepared, result)
    except Exception as error:
        logger.exception("allocation of round %s stopped", round_id)
        Round.objects.filter(pk=round_id, state=RoundState.ALLOCATING).update(
            allocation_stage=AllocationStage.FAILED, allocation_error=str(error)[:2000] or error.__class__.__name__
        )
        raise


def _stage(round_: Round, stage: str) -> None:
    Round.objects.filter(pk=round_.pk, state=RoundState.ALLOCATING).update(allocation_stage=stage)
    round_.allocation_stage = stage


def _save_draft(round_: Round, prepared: Prepared, result: allocation.Result) -> Round:
    field_name = "entry_id" if round_.is_paper_round else "topic_id"
    with transaction.atomic():
        locked = Round.objects.select_for_update(of=("self",)).get(pk=round_.pk)
        if locked.state != RoundState.ALLOCATING:
            # Cancelled while the solver ran: nothing to save.
            return locked
        locked.allocations.all().delete()
        Allocation.objects.bulk_create(
            Allocation(round=locked, student_id=student, rank=result.ranks[student], **{field_name: option})
            for student, option in sorted(result.assignment.items())
        )
        locked.state, locked.allocation_stage, locked.allocated_at = (
            RoundState.DRAFT, AllocationStage.DONE, timezone.now()
        )
        locked.save(update_fields=["state", "allocation_stage", "allocated_at"])
    return locked


def allocate_due_rounds() -> list[Round]:
    """Every open round whose deadline has passed gets its draft (the allocate_due_rounds command, for cron).

    One failing round is recorded as failed, on its page, and does not stop the others.
    """
    done = []
    for round_ in Round.objects.filter(state=RoundState.OPEN, deadline__lt=timezone.now()).order_by("pk"):
        try:
            with transaction.atomic():
                locked = _lock(round_, None, RoundState.OPEN)
                if rankings_open(locked):
                    continue  # reopened meanwhile
                _begin_allocation(locked)
            done.append(run_allocation(round_.pk))
        except RoundRefused:
            continue  # a manager acted on it meanwhile
        except Exception:  # noqa: BLE001 - run_allocation logged it and marked the round failed
            done.append(Round.objects.get(pk=round_.pk))
    return done


# The draft


@dataclass
class Draft:
    rows: list[Allocation]
    histogram: list[tuple[int, int]]  # (rank, students who got that choice)
    unranked: int  # placed by a manager somewhere they did not rank
    unplaced: list[Allocation]

    @property
    def placed(self) -> int:
        return len(self.rows) - len(self.unplaced)


def draft(round_: Round) -> Draft:
    """The allocation as the manager's page shows it; two queries whatever the round's size."""
    rows = list(
        Allocation.objects.filter(round=round_)
        .select_related("student", "topic", "entry__paper", "moved_by")
        .order_by("student__first_name", "student__last_name", "student__username")
    )
    ranks = Counter(row.rank for row in rows if row.place_id is not None)
    return Draft(
        rows=rows,
        histogram=[(rank, ranks.get(rank, 0)) for rank in range(1, MAX_CHOICES + 1)],
        unranked=ranks.get(None, 0),
        unplaced=[row for row in rows if row.place_id is None],
    )


def places(round_: Round) -> list[Choice]:
    """Where a manager may move a student: what the round offers."""
    return list(rankable(round_))


def move(round_: Round, student: AbstractBaseUser, choice: Choice | None, *, actor: AbstractBaseUser) -> Allocation:
    """Put one student of the draft elsewhere, or nowhere (None), with the rules publication will apply."""
    with transaction.atomic():
        round_ = _lock(round_, actor, RoundState.DRAFT)
        row = Allocation.objects.select_for_update().filter(round=round_, student=student).first()
        if row is None:
            raise RoundRefused(_("This student is not in the round's allocation."), code="not_allocated")
        if choice is not None:
            check_rankable(round_, student, choice)
            check_place_left(round_, student, choice)
        field_name = "entry" if round_.is_paper_round else "topic"
        setattr(row, field_name, choice)
        row.rank = (
            Preference.objects.filter(round=round_, student=student, **{field_name: choice}).values_list("rank", flat=True).first()
            if choice is not None
            else None
        )
        row.moved_by = actor
        row.save(update_fields=[f"{field_name}", "rank", "moved_by"])
    return row


def check_place_left(round_: Round, student: AbstractBaseUser, choice: Choice) -> None:
    """Capacity and the per-student rules for one place, counting the draft's other students there."""
    others = Allocation.objects.filter(round=round_).exclude(student=student)
    if round_.is_paper_round:
        check_may_rank(round_, student)  # one presentation slot
        taken = choice.claims.active().count() + others.filter(entry=choice).count()
        if taken >= round_.topic.claim_capacity:
            raise RoundRefused(
                _("“%(paper)s” has no place left.") % {"paper": choice.paper.display_name}, code="full"
            )
        return
    if topics_left(student) == 0:
        raise RoundRefused(_("This student is already in as many topics as the programme allows."), code="limit")
    if choice.student_capacity is not None:
        taken = choice.enrollments.students().count() + others.filter(topic=choice).count()
        if taken >= choice.student_capacity:
            raise RoundRefused(_("“%(topic)s” has no place left.") % {"topic": choice.title}, code="full")


# Publication


@dataclass
class Publication:
    granted: int = 0
    refused: list[Allocation] = field(default_factory=list)


def publish(round_: Round, *, actor: AbstractBaseUser) -> Publication:
    """Give every place of the draft through the ordinary rules, in one transaction.

    Better ranks go first, then the round's lottery order, so that if places ran short since the
    draft (a claim, a student joining by code) those the draft served best keep theirs.
    """
    report = Publication()
    with transaction.atomic():
        round_ = _lock(round_, actor, RoundState.DRAFT)
        rows = list(
            Allocation.objects.filter(round=round_)
            .filter(Q(topic__isnull=False) | Q(entry__isnull=False))
            .select_related("student", "topic", "entry__paper", "entry__topic")
        )
        lottery = allocation.priorities(round_.pk, [row.student_id for row in rows])
        rows.sort(key=lambda row: (row.rank or MAX_CHOICES + 1, -lottery[row.student_id]))
        for row in rows:
            try:
                _give(round_, row, actor)
            except (claims.ClaimRefused, EnrollmentRefused) as refusal:
                row.refusal = refusal.messages[0][:500]
                row.save(update_fields=["refusal"])
                report.refused.append(row)
            else:
                report.granted += 1
        round_.state, round_.published_at, round_.published_by = RoundState.PUBLISHED, timezone.now(), actor
        round_.save(update_fields=["state", "published_at", "published_by"])
        _topic_pages_changed(round_)
    return report


def _give(round_: Round, row: Allocation, actor: AbstractBaseUser) -> None:
    if round_.is_paper_round:
        new = claims.claim(row.student, row.entry, actor=actor)
        # claim() records a mentor's assignment; this one is the round's.
        ClaimEvent.objects.filter(claim=new, action=ClaimAction.ASSIGNED).update(
            action=ClaimAction.ALLOCATED, note=round_.title[:500]
        )
        row.claim = new
        row.save(update_fields=["claim"])
        return
    _enrollment, joined = join_topic(row.student, row.topic, via=JoinVia.ROUND)
    if not joined:
        raise EnrollmentRefused(_("Already in “%(topic)s”.") % {"topic": row.topic.title}, code="already_in")


def result_of(round_: Round, student: AbstractBaseUser) -> Allocation | None:
    return (
        Allocation.objects.filter(round=round_, student=student).select_related("topic", "entry__paper").first()
    )
