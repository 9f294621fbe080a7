"""What mentors read: their students' progress, the reading grid, and which papers are still free.

Each function runs a fixed number of queries, however many students and papers a topic has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from papers.models import Category, Entry, Level, Topic
from readinglist.paging import Page, page_of
from papers.templatetags.readinglist import local_datetime_text
from students.claims import Availability, PaperRow, RowState, claims_open, with_availability
from students.models import Claim, ClaimEvent, ClaimStatus, Enrollment, Feedback, ReadingProgress, ReadingStatus


class StudentFilter(models.TextChoices):
    ALL = "all", _("All students")
    NO_CLAIM = "no_claim", _("No paper yet")
    PROPOSAL = "proposal", _("Proposal waiting")
    BEHIND = "behind", _("Behind on reading")
    INACTIVE = "inactive", _("Inactive")


class StudentSort(models.TextChoices):
    NAME = "name", _("Name")
    PROGRESS = "progress", _("Intro papers read")
    ACTIVITY = "activity", _("Last activity")
    PRESENTATION = "presentation", _("Presentation time")


DEFAULT_INACTIVE_DAYS = 14

_NAME_ORDER = ["user__last_name", "user__first_name", "user__username"]
_SORT_ORDER = {
    StudentSort.NAME: _NAME_ORDER,
    StudentSort.PROGRESS: ["intro_done", *_NAME_ORDER],
    StudentSort.ACTIVITY: [F("last_activity_at").asc(nulls_first=True), *_NAME_ORDER],
    StudentSort.PRESENTATION: [F("presentation_at").asc(nulls_last=True), *_NAME_ORDER],
}


def person_name(user: AbstractBaseUser) -> str:
    return user.get_full_name().strip() or user.get_username()


def student_enrollments(topic: Topic) -> QuerySet[Enrollment]:
    """The topic's students, annotated with what the dashboard shows and filters on."""
    done_here = Q(user__reading__entry__topic=topic, user__reading__status=ReadingStatus.DONE)
    slot = Claim.objects.open().filter(topic=topic, student=OuterRef("user_id"))
    return (
        Enrollment.objects.students()
        .filter(topic=topic)
        .select_related("user")
        .annotate(
            intro_done=Count("user__reading", filter=done_here & Q(user__reading__entry__level=Level.INTRO)),
            advanced_done=Count("user__reading", filter=done_here & Q(user__reading__entry__level=Level.ADVANCED)),
            has_slot=Exists(slot),
            awaits_decision=Exists(slot.filter(status=ClaimStatus.PROPOSED)),
            presentation_at=Subquery(slot.values("presentation_at")[:1]),
            student_number=F("user__profile__student_number"),
        )
    )


def filter_students(
    enrollments: QuerySet[Enrollment],
    show: str,
    *,
    intro_required: int,
    inactive_days: int = DEFAULT_INACTIVE_DAYS,
    now: datetime | None = None,
) -> QuerySet[Enrollment]:
    """`enrollments` come from student_enrollments(); `show` is a StudentFilter value."""
    if show == StudentFilter.NO_CLAIM:
        return enrollments.filter(has_slot=False)
    if show == StudentFilter.PROPOSAL:
        return enrollments.filter(awaits_decision=True)
    if show == StudentFilter.BEHIND:
        return enrollments.filter(intro_done__lt=intro_required)
    if show == StudentFilter.INACTIVE:
        cutoff = (now or timezone.now()) - timedelta(days=inactive_days)
        # A student who never did anything counts from the day they joined.
        return enrollments.alias(seen_at=Coalesce("last_activity_at", "joined_at")).filter(seen_at__lt=cutoff)
    return enrollments


def sort_students(enrollments: QuerySet[Enrollment], sort: str) -> QuerySet[Enrollment]:
    return enrollments.order_by(*_SORT_ORDER.get(sort, _NAME_ORDER))


@dataclass(frozen=True, slots=True)
class StudentRow:
    enrollment: Enrollment  # from student_enrollments()
    slot: Claim | None  # the open claim or pending proposal
    intro_total: int

    @property
    def student(self) -> AbstractBaseUser:
        return self.enrollment.user

    @property
    def name(self) -> str:
        return person_name(self.enrollment.user)

    @property
    def intro_percent(self) -> int:
        if not self.intro_total:
            return 0
        return min(100, round(100 * self.enrollment.intro_done / self.intro_total))

    @property
    def claim(self) -> Claim | None:
        return self.slot if self.slot is not None and self.slot.status == ClaimStatus.ACTIVE else None

    @property
    def proposal(self) -> Claim | None:
        return self.slot if self.slot is not None and self.slot.status == ClaimStatus.PROPOSED else None


def student_rows(topic: Topic, enrollments: Iterable[Enrollment]) -> list[StudentRow]:
    """Five queries: the intro total, the students, their open slots in the topic and the slots' categories."""
    intro_total = topic.entries.intro().count()
    enrollments = list(enrollments)
    slots = {
        slot.student_id: slot
        for slot in Claim.objects.open()
        .filter(topic=topic, student_id__in=[enrollment.user_id for enrollment in enrollments])
        .select_related("entry__paper", "proposed_paper")
        .prefetch_related("entry__categories", "proposed_categories")
    }
    return [
        StudentRow(enrollment=enrollment, slot=slots.get(enrollment.user_id), intro_total=intro_total)
        for enrollment in enrollments
    ]


# Coverage: what is left to claim, and who has nothing yet.


@dataclass(frozen=True, slots=True)
class Coverage:
    free_by_category: list[tuple[str, list[Entry]]]  # (category name, its free papers); "" for those in none
    students: int
    students_without_paper: int
    deadline: datetime | None
    deadline_open: bool


def coverage(topic: Topic) -> Coverage:
    """Four queries: the categories, advanced papers with their claim counts and categories, the students' slots."""
    categories = list(topic.categories.order_by("position", "pk"))
    advanced = with_availability(
        topic.entries.advanced().select_related("paper").prefetch_related("categories")
    ).order_by("position", "pk")
    free = [row.entry for row in availability_rows(topic, advanced) if row.state != RowState.FULL]
    slot = Claim.objects.open().filter(topic=topic, student=OuterRef("user_id"))
    counts = Enrollment.objects.students().filter(topic=topic).aggregate(
        total=Count("pk"), without=Count("pk", filter=~Exists(slot))
    )
    return Coverage(
        free_by_category=_free_by_category(categories, free),
        students=counts["total"],
        students_without_paper=counts["without"],
        deadline=topic.claim_deadline,
        deadline_open=claims_open(topic),
    )


def _free_by_category(categories: list[Category], free: list[Entry]) -> list[tuple[str, list[Entry]]]:
    groups = [
        (category.name, [entry for entry in free if category in entry.categories.all()]) for category in categories
    ]
    uncategorised = [entry for entry in free if not entry.categories.all()]
    return groups + ([("", uncategorised)] if uncategorised else [])


def availability_rows(topic: Topic, entries: Iterable[Entry]) -> list[PaperRow]:
    """How full each paper is by the claim rules; `entries` come from with_availability()."""
    return Availability.for_student(topic, None, is_student=False).rows(entries)


def pending_proposals(topic: Topic) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(topic=topic, status=ClaimStatus.PROPOSED)
        .select_related("student", "proposed_paper")
        .prefetch_related("proposed_categories")
        .order_by("created_at", "pk")
    )


# The students x papers grid.


class GridLevel(models.TextChoices):
    ALL = "all", _("All papers")
    INTRO = Level.INTRO.value, _("Intro papers")
    ADVANCED = Level.ADVANCED.value, _("Advanced papers")


# The grid's category filter: every category, or one category's pk.
ALL_CATEGORIES = "all"


@dataclass(frozen=True, slots=True)
class GridCell:
    entry: Entry
    status: str  # a ReadingStatus value
    claimed: bool

    @property
    def status_label(self) -> str:
        return ReadingStatus(self.status).label


@dataclass(frozen=True, slots=True)
class GridRow:
    enrollment: Enrollment
    cells: list[GridCell]

    @property
    def name(self) -> str:
        return person_name(self.enrollment.user)


@dataclass(frozen=True, slots=True)
class Grid:
    entries: list[Entry]
    rows: list[GridRow]
    page: Page


# A class of hundreds reads 50 students at a time: a grid of 500 papers stays a page, not a megabyte.
GRID_STUDENTS_PER_PAGE = 50


def reading_grid(topic: Topic, *, level: str = GridLevel.ALL, category: str = ALL_CATEGORIES, page: int = 1) -> Grid:
    """Four queries: the papers, a page of students, their reading statuses and their claims."""
    entries = Entry.objects.filter(topic=topic).select_related("paper")
    if level in (Level.INTRO, Level.ADVANCED):
        entries = entries.filter(level=level)
    if category != ALL_CATEGORIES:
        entries = entries.in_category(int(category))
    # "intro" sorts after "advanced": descending puts stage-one reading first.
    entries = list(entries.order_by("-level", "position", "pk"))
    students = page_of(
        Enrollment.objects.students().filter(topic=topic).select_related("user").order_by(*_NAME_ORDER),
        page, GRID_STUDENTS_PER_PAGE,
    )
    enrollments = students.items
    shown = [enrollment.user_id for enrollment in enrollments]
    statuses = {
        (student_id, entry_id): status
        for student_id, entry_id, status in ReadingProgress.objects.filter(entry__topic=topic, student_id__in=shown)
        .values_list("student_id", "entry_id", "status")
    }
    claimed = set(Claim.objects.active().filter(topic=topic, student_id__in=shown).values_list("student_id", "entry_id"))
    rows = [
        GridRow(
            enrollment=enrollment,
            cells=[
                GridCell(
                    entry=entry,
                    status=statuses.get((enrollment.user_id, entry.pk), ReadingStatus.TO_READ),
                    claimed=(enrollment.user_id, entry.pk) in claimed,
                )
                for entry in entries
            ],
        )
        for enrollment in enrollments
    ]
    return Grid(entries=entries, rows=rows, page=students)


# One student, as their mentor sees them.


@dataclass(frozen=True, slots=True)
class ReadingLine:
    entry: Entry  # from with_availability()
    progress: ReadingProgress | None

    @property
    def status(self) -> str:
        return self.progress.status if self.progress else ReadingStatus.TO_READ

    @property
    def status_label(self) -> str:
        return ReadingStatus(self.status).label


def reading_lines(topic: Topic, student: AbstractBaseUser) -> list[ReadingLine]:
    """Every paper of the topic with the student's status and notes, and its claim count: two queries."""
    entries = with_availability(Entry.objects.filter(topic=topic).select_related("paper")).order_by(
        "-level", "position", "pk"
    )
    progress = {p.entry_id: p for p in ReadingProgress.objects.filter(student=student, entry__topic=topic)}
    return [ReadingLine(entry=entry, progress=progress.get(entry.pk)) for entry in entries]


def student_feedback(topic: Topic, student: AbstractBaseUser) -> QuerySet[Feedback]:
    return Feedback.objects.filter(topic=topic, student=student).select_related("author")


def student_claims(topic: Topic, student: AbstractBaseUser) -> QuerySet[Claim]:
    """All the student's claims and proposals in the topic, newest first, with their history."""
    return (
        Claim.objects.filter(topic=topic, student=student)
        .select_related("entry__paper", "proposed_paper", "decided_by")
        .prefetch_related(Prefetch("events", queryset=ClaimEvent.objects.select_related("actor", "entry__paper")))
        .order_by("-created_at", "-pk")
    )


# The spreadsheet export: one row per student.

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_table(topic: Topic) -> Iterator[list[str | int]]:
    """A header, then each student's reading, slot and presentation, in name order: four queries."""
    yield [
        str(_("Student number")), str(_("Username")), str(_("Name")), str(_("Intro papers done")),
        str(_("Intro papers")), str(_("Advanced papers done")), str(_("Status")), str(_("Paper")), str(_("Title")),
        str(_("Categories")), str(_("Link")), str(_("Presentation time")), str(_("Order")), str(_("Presented")),
        str(_("Score")), str(_("Presentation feedback")), str(_("Last activity")),
    ]
    for row in student_rows(topic, sort_students(student_enrollments(topic), StudentSort.NAME)):
        slot, enrollment = row.slot, row.enrollment
        paper = slot.paper if slot else None
        categories = (slot.entry.categories.all() if slot.entry_id else slot.proposed_categories.all()) if slot else []
        yield [
            spreadsheet_cell(enrollment.student_number or ""), spreadsheet_cell(row.student.get_username()), spreadsheet_cell(row.name),
            enrollment.intro_done, row.intro_total, enrollment.advanced_done,
            slot.get_status_display() if slot else str(_("No paper yet")),
            spreadsheet_cell(paper.display_name if paper else ""), spreadsheet_cell(paper.title if paper else ""),
            spreadsheet_cell(", ".join(category.name for category in categories)), paper.link if paper else "",
            _local(slot.presentation_at if slot else None),
            slot.presentation_order if slot and slot.presentation_order is not None else "",
            (str(_("yes")) if slot.presented else str(_("no"))) if slot else "",
            str(slot.score) if slot and slot.score is not None else "",
            spreadsheet_cell(slot.presentation_feedback if slot else ""),
            _local(enrollment.last_activity_at),
        ]


def spreadsheet_cell(text: str) -> str:
    """Text typed by people, made inert: a spreadsheet would run a cell starting with = as a formula."""
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _local(moment: datetime | None) -> str:
    return local_datetime_text(moment)
