"""The programme as a whole: the catalogue students choose a topic from, and the staff's overview of every topic.

Each query here costs the same however many topics, papers and students there are. Every count is a
subquery of its own: counting enrollments and entries through two joins of one GROUP BY would
multiply each count by the other.

Who may join a topic is not decided here: students.enrollment.join_topic decides. The catalogue only
shows what the counts say (places left), and the Join button it offers meets the same rules on POST.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from papers.models import Category, EnrollmentMode, Entry, Level, Topic
from students.mentors import person_name, spreadsheet_cell
from students.models import Claim, ClaimStatus, Enrollment, Role, Watch

# Short names for a topic's way in, where the model's own labels (which explain it) are too long: a badge, a column.
JOINING_LABELS = {
    EnrollmentMode.CLOSED: _("Code or roster only"),
    EnrollmentMode.OPEN: _("Open to join"),
    EnrollmentMode.PREFERENCE: _("Preference round"),
}

# A search is a few words, each of which a topic must mention; more would only slow the query down.
MAX_SEARCH_WORDS = 8


def _count(rows: QuerySet, *, of: str = "pk", distinct: bool = False) -> Coalesce:
    """How many of `rows` (filtered on the outer topic) there are, as a subquery; 0 for none."""
    counted = rows.order_by().values("topic").annotate(total=Count(of, distinct=distinct)).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _students_of_outer_topic() -> QuerySet[Enrollment]:
    return Enrollment.objects.students().filter(topic=OuterRef("pk"))


# The catalogue


@dataclass(frozen=True, slots=True)
class CatalogueSearch:
    words: tuple[str, ...] = ()
    mode: str = ""  # an EnrollmentMode value; empty for every mode
    with_places: bool = False


def catalogue_topics(viewer: AbstractBaseUser, search: CatalogueSearch = CatalogueSearch()) -> QuerySet[Topic]:
    """Every topic the search finds, with its counts and the viewer's role: three queries (topics, mentors, categories)."""
    topics = Topic.objects.annotate(
        intro_count=_count(Entry.objects.filter(topic=OuterRef("pk"), level=Level.INTRO)),
        advanced_count=_count(Entry.objects.filter(topic=OuterRef("pk"), level=Level.ADVANCED)),
        student_count=_count(_students_of_outer_topic()),
        viewer_role=Subquery(Enrollment.objects.filter(topic=OuterRef("pk"), user=viewer.pk).values("role")[:1]),
        viewer_watches=Exists(Watch.objects.filter(topic=OuterRef("pk"), user=viewer.pk)),
    ).prefetch_related(
        Prefetch(
            "enrollments",
            queryset=Enrollment.objects.mentors().select_related("user").order_by("joined_at", "pk"),
            to_attr="mentor_enrollments",
        ),
        Prefetch("categories", queryset=Category.objects.order_by("position", "pk")),
    )
    for word in search.words:
        topics = topics.filter(_mentions(word))
    if search.mode:
        topics = topics.filter(enrollment_mode=search.mode)
    if search.with_places:
        topics = topics.filter(Q(student_capacity__isnull=True) | Q(student_capacity__gt=F("student_count")))
    return topics


def _mentions(word: str) -> Q:
    """A topic mentions `word` in its title, a category's name, or a paper's title or short name, in any case."""
    in_categories = Category.objects.filter(topic=OuterRef("pk"), name__icontains=word)
    in_papers = Entry.objects.filter(topic=OuterRef("pk")).filter(
        Q(paper__title__icontains=word) | Q(paper__short_name__icontains=word)
    )
    mentioned = Q(title__icontains=word) | Q(Exists(in_categories)) | Q(Exists(in_papers))
    # "17" finds topic 17 too; the length keeps the number inside the column's range.
    if word.isascii() and word.isdigit() and len(word) <= 4:
        mentioned |= Q(number=int(word))
    return mentioned


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    topic: Topic  # from catalogue_topics()
    joins_as_student: bool  # the viewer is offered Join buttons (see memberships_of)

    @property
    def role(self) -> str | None:
        return self.topic.viewer_role

    @property
    def mentors(self) -> list[str]:
        return [person_name(enrollment.user) for enrollment in self.topic.mentor_enrollments]

    @property
    def joining_label(self) -> str:
        return JOINING_LABELS[self.topic.enrollment_mode]

    @property
    def places_left(self) -> int | None:
        """What students.enrollment.places_left says, from the count already in hand; None: no limit."""
        capacity = self.topic.student_capacity
        return None if capacity is None else max(0, capacity - self.topic.student_count)

    @property
    def watched(self) -> bool:
        return self.topic.viewer_watches

    @property
    def offers_watch(self) -> bool:
        """An open topic that is full: the student may ask to be told when a place frees (students.watching)."""
        return (
            self.joins_as_student
            and self.role is None
            and self.topic.enrollment_mode == EnrollmentMode.OPEN
            and self.places_left == 0
        )

    @property
    def offers_join(self) -> bool:
        return (
            self.joins_as_student
            and self.role is None
            and self.topic.enrollment_mode == EnrollmentMode.OPEN
            and self.places_left != 0
        )


def catalogue_rows(topics: QuerySet[Topic], *, joins_as_student: bool) -> list[CatalogueRow]:
    return [CatalogueRow(topic=topic, joins_as_student=joins_as_student) for topic in topics]


def memberships_of(user: AbstractBaseUser) -> list[Enrollment]:
    """The user's own topics, in the programme's order: one query."""
    return list(
        Enrollment.objects.filter(user=user)
        .select_related("topic")
        .order_by(F("topic__number").asc(nulls_last=True), "topic__slug")
    )


def joins_as_student(user: AbstractBaseUser, memberships: list[Enrollment]) -> bool:
    """Whether the catalogue offers this person Join buttons: staff and mentors run topics, they do not join them."""
    return not user.is_staff and all(enrollment.role == Role.STUDENT for enrollment in memberships)


# The staff's overview


def overview_topics() -> QuerySet[Topic]:
    """Every topic with its students, places, claimed papers and waiting proposals: one query."""
    slot_in_topic = Claim.objects.open().filter(topic=OuterRef("topic"), student=OuterRef("user"))
    return Topic.objects.annotate(
        student_count=_count(_students_of_outer_topic()),
        advanced_count=_count(Entry.objects.filter(topic=OuterRef("pk"), level=Level.ADVANCED)),
        claimed_count=_count(Claim.objects.active().filter(topic=OuterRef("pk")), of="entry", distinct=True),
        without_paper_count=_count(_students_of_outer_topic().filter(~Exists(slot_in_topic))),
        waiting_count=_count(Claim.objects.filter(topic=OuterRef("pk"), status=ClaimStatus.PROPOSED)),
    )


@dataclass(frozen=True, slots=True)
class OverviewRow:
    topic: Topic  # from overview_topics()

    @property
    def joining_label(self) -> str:
        return JOINING_LABELS[self.topic.enrollment_mode]


@dataclass(frozen=True, slots=True)
class ProgrammeTotals:
    topics: int
    students: int
    places: int | None  # None: at least one topic has no limit
    claimed: int
    advanced: int
    without_paper: int  # student enrollments with no paper or proposal in their topic
    waiting: int
    students_in_a_topic: int  # people, each counted once however many topics they are in
    students_without_topic: int  # signed-up students (a StudentProfile) who are a student of no topic
    students_without_paper: int  # people in at least one topic where they have no paper or proposal


def overview(topics: list[Topic]) -> tuple[list[OverviewRow], ProgrammeTotals]:
    """The rows, and the programme's totals: the sums, plus one query for the people."""
    student_enrollments = Enrollment.objects.students().filter(user=OuterRef("pk"))
    slot_in_topic = Claim.objects.open().filter(topic=OuterRef("topic"), student=OuterRef("user"))
    people = get_user_model().objects.aggregate(
        in_a_topic=Count("pk", filter=Q(Exists(student_enrollments))),
        without_topic=Count("pk", filter=Q(profile__isnull=False) & ~Q(Exists(student_enrollments))),
        without_paper=Count("pk", filter=Q(Exists(student_enrollments.filter(~Exists(slot_in_topic))))),
    )
    capacities = [topic.student_capacity for topic in topics]
    totals = ProgrammeTotals(
        topics=len(topics),
        students=sum(topic.student_count for topic in topics),
        places=None if None in capacities else sum(capacities),
        claimed=sum(topic.claimed_count for topic in topics),
        advanced=sum(topic.advanced_count for topic in topics),
        without_paper=sum(topic.without_paper_count for topic in topics),
        waiting=sum(topic.waiting_count for topic in topics),
        students_in_a_topic=people["in_a_topic"],
        students_without_topic=people["without_topic"],
        students_without_paper=people["without_paper"],
    )
    return [OverviewRow(topic) for topic in topics], totals


def overview_table(topics: list[Topic]) -> Iterator[list[str | int]]:
    """The overview as spreadsheet rows: a header, then one row per topic (places empty for no limit)."""
    yield [
        str(_("Number")), str(_("Slug")), str(_("Topic")), str(_("Joining")), str(_("Students")), str(_("Places")),
        str(_("Papers claimed")), str(_("Advanced papers")), str(_("Students without a paper")),
        str(_("Proposals waiting")),
    ]
    for topic in topics:
        yield [
            "" if topic.number is None else topic.number, spreadsheet_cell(topic.slug), spreadsheet_cell(topic.title),
            str(JOINING_LABELS[topic.enrollment_mode]), topic.student_count,
            "" if topic.student_capacity is None else topic.student_capacity,
            topic.claimed_count, topic.advanced_count, topic.without_paper_count, topic.waiting_count,
        ]
