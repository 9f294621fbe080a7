"""What mentors read: their students' progress, the reading grid, and which papers are still free.

Each function runs a fixed number of queries, however many students and papers a topic has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import (
    Count, Exists, F, Func, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from papers.categories import CategoryIndex, category_index
from papers.models import Entry, Level, Paper, Topic
from readinglist.prepared import Columns, Prepared, instance
from readinglist.paging import Page, page_of
from papers.templatetags.readinglist import local_datetime_text
from students.claims import Availability, PaperRow, claims_open, with_availability
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
    """The topic's students with their users: filter_students() and sort_students() add what they filter or sort on.

    The plain list reads the enrollments and their users alone; student_rows() counts the reading of the
    students shown, not of the whole class.
    """
    return Enrollment.objects.students().filter(topic=topic).select_related("user").only(*_STUDENT_FIELDS)


# What the dashboard and the export show of a student: their names and last activity, not their account's details.
_STUDENT_FIELDS = ("topic", "user", "role", "last_activity_at", "user__username", "user__first_name", "user__last_name")


# What the dashboard filters and sorts on, each a subquery on the enrollment's own student and topic, added
# to the student query only when a filter or a sort asks for it.


def _open_slot() -> QuerySet[Claim]:
    return Claim.objects.open().filter(topic=OuterRef("topic_id"), student=OuterRef("user_id"))


def _with_intro_done(enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    done = ReadingProgress.objects.filter(
        student=OuterRef("user_id"), entry__topic=OuterRef("topic_id"), entry__level=Level.INTRO,
        status=ReadingStatus.DONE,
    )
    return enrollments.alias(intro_done=_count(done))


def _count(queryset: QuerySet) -> Subquery:
    """COUNT without GROUP BY: always one row, 0 when nothing matches (a student who read nothing)."""
    return Subquery(queryset.order_by().annotate(count=Func(F("pk"), function="COUNT")).values("count"), output_field=IntegerField())


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
        return enrollments.filter(~Exists(_open_slot()))
    if show == StudentFilter.PROPOSAL:
        return enrollments.filter(Exists(_open_slot().filter(status=ClaimStatus.PROPOSED)))
    if show == StudentFilter.BEHIND:
        return _with_intro_done(enrollments).filter(intro_done__lt=intro_required)
    if show == StudentFilter.INACTIVE:
        cutoff = (now or timezone.now()) - timedelta(days=inactive_days)
        # A student who never did anything counts from the day they joined.
        return enrollments.alias(seen_at=Coalesce("last_activity_at", "joined_at")).filter(seen_at__lt=cutoff)
    return enrollments


def sort_students(enrollments: QuerySet[Enrollment], sort: str) -> QuerySet[Enrollment]:
    if sort == StudentSort.PROGRESS:
        enrollments = _with_intro_done(enrollments)
    elif sort == StudentSort.PRESENTATION:
        enrollments = enrollments.alias(presentation_at=Subquery(_open_slot().values("presentation_at")[:1]))
    return enrollments.order_by(*_SORT_ORDER.get(sort, _NAME_ORDER))


@dataclass(frozen=True, slots=True)
class StudentRow:
    """One student as the dashboard and the export show them, every figure read once for the page's students."""

    enrollment: Enrollment  # from student_enrollments()
    slot: Claim | None  # the open claim or pending proposal
    intro_total: int
    intro_done: int = 0  # the topic's papers of each level the student marked done
    advanced_done: int = 0
    categories: list[str] = field(default_factory=list)  # the claimed paper's categories (not a proposal's)
    html: str = ""  # the row as the dashboard shows it (students.mentor_rows)

    @property
    def student(self) -> AbstractBaseUser:
        return self.enrollment.user

    @property
    def student_id(self) -> int:
        return self.enrollment.user_id

    @property
    def name(self) -> str:
        return person_name(self.enrollment.user)

    @property
    def intro_percent(self) -> int:
        if not self.intro_total:
            return 0
        return min(100, round(100 * self.intro_done / self.intro_total))

    @property
    def claim(self) -> Claim | None:
        return self.slot if self.slot is not None and self.slot.status == ClaimStatus.ACTIVE else None

    @property
    def proposal(self) -> Claim | None:
        return self.slot if self.slot is not None and self.slot.status == ClaimStatus.PROPOSED else None


def student_rows(
    topic: Topic, enrollments: Iterable[Enrollment], *, categories: CategoryIndex | None = None,
    counts: TopicCounts | None = None,
) -> list[StudentRow]:
    """Five queries, four without a student: the intro total (not asked when `counts` are given), the students,
    their reading counts, their open slots in the topic, and the claimed papers' categories (not asked when
    `categories` are given, nor when no slot has a paper)."""
    intro_total = (counts or topic_counts(topic)).intro_papers
    enrollments = list(enrollments)
    if not enrollments:
        return []
    shown = [enrollment.user_id for enrollment in enrollments]
    # Papers done by the students shown, counted by topic and level: read from each student's own reading (an
    # index), every topic's, then this topic's kept; a few rows per student and topic, not one per paper.
    counts: dict[tuple[int, str], int] = {
        (student_id, level): count
        for student_id, topic_id, level, count in ReadingProgress.objects.filter(
            student_id__in=shown, status=ReadingStatus.DONE
        )
        .values_list("student_id", "entry__topic_id", "entry__level")
        .annotate(count=Count("pk"))
        .order_by()
        if topic_id == topic.pk
    }
    slots = {
        slot.student_id: slot
        for slot in Claim.objects.open()
        .filter(topic=topic, student_id__in=shown)
        .select_related("entry__paper", "proposed_paper")
        .only(*_SLOT_FIELDS)
    }
    if categories is None:
        categories = category_index(topic, entry_ids=[slot.entry_id for slot in slots.values() if slot.entry_id])
    rows = []
    for enrollment in enrollments:
        slot, student_id = slots.get(enrollment.user_id), enrollment.user_id
        rows.append(StudentRow(
            enrollment=enrollment, slot=slot, intro_total=intro_total,
            intro_done=counts.get((student_id, Level.INTRO), 0), advanced_done=counts.get((student_id, Level.ADVANCED), 0),
            categories=categories.names_of(slot.entry_id) if slot is not None and slot.entry_id else [],
        ))
    return rows


# What the dashboard and the export show of a paper: its link and its name (Paper.link, Paper.display_name).
_PAPER_FIELDS = ("arxiv_id", "url", "title", "short_name")
# And of a slot: its paper, status and presentation; not the proposal's reasons nor its decision.
_SLOT_FIELDS = (
    "student", "entry", "proposed_paper", "status", "presentation_at", "presentation_order", "presented", "score",
    "presentation_feedback",
    "entry__paper", *(f"entry__paper__{name}" for name in _PAPER_FIELDS), *(f"proposed_paper__{name}" for name in _PAPER_FIELDS),
)


# Coverage: what is left to claim, and who has nothing yet.


@dataclass(frozen=True, slots=True)
class Coverage:
    free_by_category: list[tuple[str, list[Entry]]]  # (category name, its free papers); "" for those in none
    students: int
    students_without_paper: int
    deadline: datetime | None
    deadline_open: bool


def coverage(topic: Topic, categories: CategoryIndex | None = None, counts: TopicCounts | None = None) -> Coverage:
    """Three queries, one with `categories` (category_index(topic)) and `counts` (topic_counts(topic)) given: the
    categories with their papers, the free advanced papers, the students with and without a slot.

    A dashboard of a long list shows hundreds of free papers: they are read with only what the panel shows
    of each, and grouped here once, not asked of each paper's categories per category.
    """
    if categories is None:
        categories = category_index(topic)
    counts = counts or topic_counts(topic)
    free = [_free_paper(row) for row in _FREE_PAPERS(topic_id=topic.pk, capacity=topic.claim_capacity)]
    return Coverage(
        free_by_category=_free_by_category(categories, free),
        students=counts.students,
        students_without_paper=counts.students_without_slot,
        deadline=topic.claim_deadline,
        deadline_open=claims_open(topic),
    )


# What the panel shows of a free paper; the topic, which the topic's manager sets on each entry. Every
# dashboard reads them: prepared (readinglist.prepared).
_FREE_ENTRY_FIELDS = ("id", "topic_id", "paper_id", "position")
_FREE_PAPER_FIELDS = ("id", *_PAPER_FIELDS)
# Free: fewer active claims than the topic's claim capacity, the rule of RowState.FULL (students.claims).
_FREE_PAPERS = Prepared(
    lambda topic_id, capacity: with_availability(Entry.objects.filter(topic_id=topic_id).advanced())
    .filter(taken__lt=capacity).order_by("position", "pk")
    .values_list(*_FREE_ENTRY_FIELDS, *(f"paper__{name}" for name in _FREE_PAPER_FIELDS)),
    values=("topic_id", "capacity"),
)


def _free_paper(row: tuple) -> Entry:
    columns = Columns(row)
    return instance(Entry, columns.take(_FREE_ENTRY_FIELDS), paper=instance(Paper, columns.take(_FREE_PAPER_FIELDS)))


@dataclass(frozen=True, slots=True)
class TopicCounts:
    """What the dashboard counts of a topic, in one query."""

    intro_papers: int
    students: int
    students_without_slot: int
    pending_proposals: int


def _topic_counts(topic_id: int) -> QuerySet:
    students = Enrollment.objects.students().filter(topic_id=OuterRef("pk"))
    return Topic.objects.filter(pk=topic_id).values_list(
        _count(Entry.objects.filter(topic_id=OuterRef("pk")).intro()),
        _count(students),
        _count(students.filter(~Exists(_open_slot()))),
        _count(_proposed(OuterRef("pk"))),
    )


_TOPIC_COUNTS = Prepared(_topic_counts, values=("topic_id",))


def topic_counts(topic: Topic) -> TopicCounts:
    """The topic's intro papers, students, students without a paper or proposal, and pending proposals."""
    rows = _TOPIC_COUNTS(topic_id=topic.pk)
    return TopicCounts(*rows[0]) if rows else TopicCounts(0, 0, 0, 0)


def _free_by_category(categories: CategoryIndex, free: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """Each category's free papers in list order, then those in no category; a paper in two categories is in both."""
    groups: dict[int, list[Entry]] = {pk: [] for pk in categories.names}
    uncategorised = []
    for entry in free:
        if entry.pk not in categories.of_entry:
            uncategorised.append(entry)
        for category_id in categories.of_entry.get(entry.pk, ()):
            groups[category_id].append(entry)
    named = [(name, groups[pk]) for pk, name in categories.names.items()]
    return named + ([("", uncategorised)] if uncategorised else [])


def availability_rows(topic: Topic, entries: Iterable[Entry]) -> list[PaperRow]:
    """How full each paper is by the claim rules; `entries` come from with_availability()."""
    return Availability.for_student(topic, None, is_student=False).rows(entries)


def _proposed(topic: Topic | OuterRef) -> QuerySet[Claim]:
    return Claim.objects.filter(topic=topic, status=ClaimStatus.PROPOSED)


def pending_proposals(topic: Topic) -> QuerySet[Claim]:
    return (
        _proposed(topic)
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
    entries: list[Entry]  # the papers shown: papers.items
    rows: list[GridRow]
    page: Page  # of students
    papers: Page  # of papers


# A class of hundreds reads 50 students at a time, and a list of hundreds 40 papers at a time: a grid of
# 200 students and 500 papers is pages of 2,000 cells, not one of 100,000.
GRID_STUDENTS_PER_PAGE = 50
GRID_PAPERS_PER_PAGE = 40


def reading_grid(
    topic: Topic, *, level: str = GridLevel.ALL, category: str = ALL_CATEGORIES, page: int = 1, papers_page: int = 1
) -> Grid:
    """Four queries: a page of papers, a page of students, their reading statuses and their claims."""
    entries = Entry.objects.filter(topic=topic).select_related("paper")
    if level in (Level.INTRO, Level.ADVANCED):
        entries = entries.filter(level=level)
    if category != ALL_CATEGORIES:
        entries = entries.in_category(int(category))
    # "intro" sorts after "advanced": descending puts stage-one reading first.
    papers = page_of(entries.order_by("-level", "position", "pk"), papers_page, GRID_PAPERS_PER_PAGE)
    entries = papers.items
    students = page_of(
        Enrollment.objects.students().filter(topic=topic).select_related("user").order_by(*_NAME_ORDER),
        page, GRID_STUDENTS_PER_PAGE,
    )
    enrollments = students.items
    shown = [enrollment.user_id for enrollment in enrollments]
    statuses = {
        (student_id, entry_id): status
        for student_id, entry_id, status in ReadingProgress.objects.filter(
            entry__in=[entry.pk for entry in entries], student_id__in=shown
        ).values_list("student_id", "entry_id", "status")
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
    return Grid(entries=entries, rows=rows, page=students, papers=papers)


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
    """A header, then each student's reading, slot and presentation, in name order: six queries."""
    yield [
        str(_("Student number")), str(_("Username")), str(_("Name")), str(_("Intro papers done")),
        str(_("Intro papers")), str(_("Advanced papers done")), str(_("Status")), str(_("Paper")), str(_("Title")),
        str(_("Categories")), str(_("Link")), str(_("Presentation time")), str(_("Order")), str(_("Presented")),
        str(_("Score")), str(_("Presentation feedback")), str(_("Last activity")),
    ]
    enrollments = student_enrollments(topic).annotate(student_number=F("user__profile__student_number"))
    rows = student_rows(topic, sort_students(enrollments, StudentSort.NAME))
    proposals = [row.slot for row in rows if row.slot and not row.slot.entry_id]
    prefetch_related_objects(proposals, "proposed_categories")
    for row in rows:
        slot, enrollment = row.slot, row.enrollment
        paper = slot.paper if slot else None
        if slot is None or slot.entry_id:
            categories = row.categories
        else:
            categories = [category.name for category in slot.proposed_categories.all()]
        yield [
            spreadsheet_cell(enrollment.student_number or ""), spreadsheet_cell(row.student.get_username()), spreadsheet_cell(row.name),
            row.intro_done, row.intro_total, row.advanced_done,
            slot.get_status_display() if slot else str(_("No paper yet")),
            spreadsheet_cell(paper.display_name if paper else ""), spreadsheet_cell(paper.title if paper else ""),
            spreadsheet_cell(", ".join(categories)), paper.link if paper else "",
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
