"""The presentation-slot rules, in one place for every entry point.

Views, HTMX endpoints, the admin and management commands all call these
functions. The rules: an intro paper is never presented; a student holds at
most one open slot (a claim or a pending proposal) per topic; a paper takes
at most `topic.claim_capacity` students; students change nothing after the
topic's claim deadline, nor claim while a preference round gives the
topic's papers; a topic may require intro reading before a claim.
Rows are locked (enrollment first, then entry) so concurrent requests
cannot both pass a check; the database constraints back the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from papers.identity import Mention, find_paper
from papers.templatetags.readinglist import local_datetime_text
from papers.models import ENTRY_SHOWN_FIELDS, PAPER_SHOWN_FIELDS, Category, Entry, EntrySource, Level, Paper, Topic
from readinglist.prepared import Columns, Prepared, instance
from students import watching
from students.models import (
    Claim,
    ClaimAction,
    ClaimEvent,
    ClaimStatus,
    Enrollment,
    ReadingProgress,
    ReadingStatus,
    Role,
    Round,
    RoundLevel,
)


class ClaimRefused(ValidationError):
    """A rule said no. `code` tells which; `http_status` is what a view answers."""

    HTTP_STATUS = {
        "not_enrolled": 403,
        "not_mentor": 403,
        "deadline_passed": 403,
        "intro_paper": 400,
        "reading_required": 409,
        "slot_taken": 409,
        "no_claim": 409,
        "paper_full": 409,
        "same_paper": 409,
        "already_listed": 409,
        "already_proposed": 409,
        "not_pending": 409,
        "no_category": 400,
        "no_reason": 400,
        "round_open": 409,
    }

    @property
    def http_status(self) -> int:
        return self.HTTP_STATUS.get(self.code or "", 400)


def claim(student: AbstractBaseUser, entry: Entry, *, actor: AbstractBaseUser | None = None) -> Claim:
    """A student claims an advanced paper; with a staff `actor`, a mentor assigns it."""
    with transaction.atomic():
        return _claim(_begin(student, entry.topic_id, actor), entry)


def release(student: AbstractBaseUser, topic: Topic, *, actor: AbstractBaseUser | None = None) -> Claim:
    """Give the slot back: a claim, or a pending proposal (which is withdrawn)."""
    with transaction.atomic():
        change = _begin(student, topic.pk, actor)
        if change.current is None:
            raise ClaimRefused(_("You hold no presentation slot in this topic."), code="no_claim")
        freed = change.lock_entries(change.current.entry)
        _set_status(change.current, ClaimStatus.RELEASED, change.actor, ClaimAction.RELEASED)
        for entry in freed:
            watching.paper_changed(entry)
        _touch(change.enrollment)
    return change.current


def switch(student: AbstractBaseUser, entry: Entry, *, actor: AbstractBaseUser | None = None) -> Claim:
    """Release the current slot and claim `entry` in one step: on any refusal, nothing changes."""
    with transaction.atomic():
        return _switch(_begin(student, entry.topic_id, actor), entry)


def choose(student: AbstractBaseUser, entry: Entry) -> tuple[Claim, bool]:
    """A student's choice of a paper on the list: claimed, or switched to (True) when they already hold a slot.

    One transaction decides which, so the topic page offers one button whatever the student holds.
    """
    with transaction.atomic():
        change = _begin(student, entry.topic_id, None)
        if change.current is None:
            return _claim(change, entry), False
        return _switch(change, entry), True


def _claim(change: _SlotChange, entry: Entry) -> Claim:
    entry = change.lock_entry(entry)
    if change.current is not None:
        raise ClaimRefused(
            _("You already hold a presentation slot in this topic: release it or switch instead."),
            code="slot_taken",
        )
    taken = _check_claimable(entry, change.student, by_staff=change.by_staff)
    new = _create_claim(change.enrollment, entry)
    action = ClaimAction.ASSIGNED if change.by_staff else ClaimAction.CLAIMED
    record_event(new, change.actor, action, "", entry=entry)
    watching.paper_changed(entry, taken=taken + 1)
    _touch(change.enrollment)
    return new


def _switch(change: _SlotChange, entry: Entry) -> Claim:
    current = change.current
    if current is None:
        raise ClaimRefused(_("You hold no presentation slot to switch from."), code="no_claim")
    locked = change.lock_entries(entry, current.entry)
    entry = {locked_entry.pk: locked_entry for locked_entry in locked}[entry.pk]
    if current.entry_id == entry.pk and current.status == ClaimStatus.ACTIVE:
        raise ClaimRefused(_("You already claimed this paper."), code="same_paper")
    _check_claimable(entry, change.student, by_staff=change.by_staff)
    action = ClaimAction.MOVED if change.by_staff else ClaimAction.SWITCHED
    _set_status(current, ClaimStatus.RELEASED, change.actor, action, note=str(entry.paper))
    new = _create_claim(change.enrollment, entry)
    record_event(new, change.actor, action, "", entry=entry, note=str(current.paper))
    for changed in locked:
        watching.paper_changed(changed)
    _touch(change.enrollment)
    return new


@dataclass(slots=True)
class _SlotChange:
    student: AbstractBaseUser
    enrollment: Enrollment
    actor: AbstractBaseUser
    by_staff: bool
    current: Claim | None

    def lock_entry(self, entry: Entry) -> Entry:
        return Entry.objects.select_for_update(of=("self",)).select_related("topic", "paper").get(pk=entry.pk)

    def lock_entries(self, *entries: Entry | None) -> list[Entry]:
        """Lock these (a proposal's slot has none), in the order of their keys, so two switches never wait on each other."""
        keys = sorted({entry.pk for entry in entries if entry is not None})
        return list(
            Entry.objects.select_for_update(of=("self",)).select_related("topic", "paper").filter(pk__in=keys).order_by("pk")
        )


def _begin(student: AbstractBaseUser, topic_id: int, actor: AbstractBaseUser | None) -> _SlotChange:
    """The common start of every slot change, inside the caller's transaction.

    A mentor acting for a student must mentor the topic and is not bound by
    the deadline; the student's enrollment row is locked first, always, so
    concurrent changes by one student queue up instead of deadlocking.
    """
    by_staff = actor is not None and actor != student
    if by_staff:
        ensure_mentor(actor, topic_id)
    enrollment = _lock_enrollment(student, topic_id)
    if not by_staff:
        _check_before_deadline(enrollment.topic)
    return _SlotChange(
        student=student, enrollment=enrollment, actor=actor if by_staff else student, by_staff=by_staff,
        current=_open_claim(enrollment),
    )


def ensure_mentor(actor: AbstractBaseUser, topic_id: int) -> None:
    """Only a mentor of the topic, or staff, may act on other students' slots."""
    if actor.is_staff or Enrollment.objects.filter(topic_id=topic_id, user=actor, role=Role.MENTOR).exists():
        return
    raise ClaimRefused(_("Only the topic's mentors can change other students' papers."), code="not_mentor")


def intro_papers_missing(
    student: AbstractBaseUser, topic: Topic, *, progress: dict[int, ReadingProgress] | None = None
) -> int:
    """How many more intro papers the student must mark done before claiming.

    `progress`: the student's reading in the topic (students.reading.progress_by_entry, with each row's
    `level`), when the caller has read it already: then it is counted, not asked again.
    """
    if not topic.intro_papers_required:
        return 0
    if progress is not None:
        done = sum(1 for row in progress.values() if row.level == Level.INTRO and row.status == ReadingStatus.DONE)
    else:
        done = ReadingProgress.objects.filter(
            student=student, entry__topic=topic, entry__level=Level.INTRO, status=ReadingStatus.DONE
        ).count()
    return max(0, topic.intro_papers_required - done)


def paper_round_of(topic: Topic) -> Round | None:
    """The topic's unfinished round of papers: until it is published, students get papers from it, not first come.

    A topic read with paper_round_annotations() has the answer already; any other is asked.
    """
    if "paper_round_pk" in topic.__dict__:
        if topic.paper_round_pk is None:
            return None
        return Round(pk=topic.paper_round_pk, title=topic.paper_round_title, topic=topic, level=RoundLevel.PAPERS)
    return Round.objects.unfinished().filter(topic=topic, level=RoundLevel.PAPERS).first()


def paper_round_annotations() -> dict[str, Subquery]:
    """For a query of topics: each one's unfinished round of papers (its key and title), read with the topic."""
    rounds = Round.objects.unfinished().filter(topic=OuterRef("pk"), level=RoundLevel.PAPERS)
    return {"paper_round_pk": Subquery(rounds.values("pk")[:1]), "paper_round_title": Subquery(rounds.values("title")[:1])}


def claims_open(topic: Topic) -> bool:
    return topic.claim_deadline is None or timezone.now() <= topic.claim_deadline


def with_availability(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """Annotate each entry with `taken`: how many students claimed it."""
    return entries.annotate(taken=Count("claims", filter=Q(claims__status=ClaimStatus.ACTIVE)))


class RowState:
    MINE = "mine"
    FULL = "full"
    CLAIMABLE = "claimable"
    SWITCHABLE = "switchable"
    LOCKED = "locked"  # claimable in principle, not by this person now
    INTRO = "intro"


@dataclass(frozen=True, slots=True)
class Availability:
    """What one person may do with each paper of a topic, derived from the rules above."""

    topic: Topic
    is_student: bool
    slot: Claim | None
    intro_missing: int
    deadline_open: bool
    paper_round: Round | None = None  # while it runs, the student's papers come from it (paper_round_of)

    @classmethod
    def for_student(
        cls, topic: Topic, user: AbstractBaseUser, *, is_student: bool,
        progress: dict[int, ReadingProgress] | None = None,
    ) -> Availability:
        """`progress`: the student's reading in the topic, when the caller has read it (intro_papers_missing)."""
        if not is_student:
            return cls(topic=topic, is_student=False, slot=None, intro_missing=0, deadline_open=claims_open(topic))
        slot = open_slot(topic.pk, user.pk)
        return cls(
            topic=topic,
            is_student=True,
            slot=slot,
            intro_missing=intro_papers_missing(user, topic, progress=progress),
            deadline_open=claims_open(topic),
            paper_round=paper_round_of(topic),
        )

    def state_for(self, entry: Entry) -> str:
        """An advanced `entry` must come from with_availability()."""
        if entry.level != "advanced":
            return RowState.INTRO
        if self.slot is not None and self.slot.entry_id == entry.pk and self.slot.status == ClaimStatus.ACTIVE:
            return RowState.MINE
        if entry.taken >= self.topic.claim_capacity:
            return RowState.FULL
        if not (self.is_student and self.deadline_open) or self.intro_missing or self.paper_round is not None:
            return RowState.LOCKED
        return RowState.SWITCHABLE if self.slot is not None else RowState.CLAIMABLE

    def rows(self, entries: Iterable[Entry], progress: dict[int, ReadingProgress] | None = None) -> list[PaperRow]:
        """`progress`: the student's reading by entry; entries from students.watching.with_watched say which they watch."""
        capacity = self.topic.claim_capacity
        progress = progress or {}
        may_watch = self.is_student and self.deadline_open
        return [
            PaperRow(
                entry=entry, state=(state := self.state_for(entry)),
                # An intro paper is never claimed (the rule above, and the database's triggers): it has no places.
                places_left=0 if state == RowState.INTRO else max(0, capacity - entry.taken),
                progress=progress.get(entry.pk), watched=getattr(entry, "watched", False),
                watchable=may_watch and state == RowState.FULL,
            )
            for entry in entries
        ]


# A student's open slot in a topic, read on every topic page and claim answer: prepared (readinglist.prepared).
_CLAIM_FIELDS = tuple(field.attname for field in Claim._meta.concrete_fields)
_OPEN_SLOT = Prepared(
    lambda topic_id, student_id: Claim.objects.open().filter(topic_id=topic_id, student_id=student_id)
    .order_by("-created_at", "-pk")[:1]
    .values_list(
        *_CLAIM_FIELDS, *(f"entry__{name}" for name in ENTRY_SHOWN_FIELDS),
        *(f"entry__paper__{name}" for name in PAPER_SHOWN_FIELDS), *(f"proposed_paper__{name}" for name in PAPER_SHOWN_FIELDS),
    ),
    values=("topic_id", "student_id"),
)


def open_slot(topic_id: int, student_id: int) -> Claim | None:
    """The student's open claim or pending proposal in the topic, with its paper (its names and link) read with it."""
    rows = _OPEN_SLOT(topic_id=topic_id, student_id=student_id)
    if not rows:
        return None
    columns = Columns(rows[0])
    claim, entry, paper, proposed = (
        columns.take(names) for names in (_CLAIM_FIELDS, ENTRY_SHOWN_FIELDS, PAPER_SHOWN_FIELDS, PAPER_SHOWN_FIELDS)
    )
    return instance(
        Claim, claim,
        entry=instance(Entry, entry, paper=instance(Paper, paper)) if claim["entry_id"] else None,
        proposed_paper=instance(Paper, proposed) if claim["proposed_paper_id"] else None,
    )


@dataclass(frozen=True, slots=True)
class PaperRow:
    entry: Entry
    state: str
    places_left: int
    progress: ReadingProgress | None = None
    watched: bool = False
    watchable: bool = False  # taken by others, and the student could claim it if it freed
    html: str = ""  # the row as the topic page shows it (students.topic_rows)


def _lock_enrollment(student: AbstractBaseUser, topic_id: int) -> Enrollment:
    try:
        return (
            Enrollment.objects.select_for_update(of=("self",))
            .select_related("topic")
            .get(topic_id=topic_id, user=student, role=Role.STUDENT)
        )
    except Enrollment.DoesNotExist:
        raise ClaimRefused(_("Only students of this topic can hold a presentation slot."), code="not_enrolled") from None


def _check_before_deadline(topic: Topic) -> None:
    if not claims_open(topic):
        raise ClaimRefused(
            _("The claim deadline (%(deadline)s) has passed: ask a mentor to change your paper."),
            code="deadline_passed",
            params={"deadline": local_datetime_text(topic.claim_deadline)},
        )


def _check_claimable(entry: Entry, student: AbstractBaseUser, *, by_staff: bool) -> int:
    """How many students hold `entry` now, when one more may; else ClaimRefused says why not."""
    try:
        entry.ensure_presentable()
    except ValidationError as error:
        raise ClaimRefused(error.messages[0], code="intro_paper") from None
    if not by_staff and (round_ := paper_round_of(entry.topic)) is not None:
        raise ClaimRefused(
            _("The topic's papers are given by the preference round “%(round)s”: rank them there."),
            code="round_open", params={"round": round_.title},
        )
    if not by_staff and (missing := intro_papers_missing(student, entry.topic)):
        raise ClaimRefused(
            _("Finish %(count)d more intro paper(s) before claiming a paper to present."),
            code="reading_required",
            params={"count": missing},
        )
    taken = entry.claims.active().count()
    if taken >= entry.topic.claim_capacity:
        raise ClaimRefused(
            _("“%(paper)s” was just taken by another student: choose another paper."),
            code="paper_full",
            params={"paper": entry.paper.display_name},
        )
    return taken


def _open_claim(enrollment: Enrollment) -> Claim | None:
    return (
        Claim.objects.open()
        .select_related("entry__paper", "proposed_paper")
        .filter(topic_id=enrollment.topic_id, student_id=enrollment.user_id)
        .first()
    )


def _create_claim(enrollment: Enrollment, entry: Entry) -> Claim:
    try:
        with transaction.atomic():
            return Claim.objects.create(
                topic_id=enrollment.topic_id, student_id=enrollment.user_id, entry=entry, status=ClaimStatus.ACTIVE
            )
    except IntegrityError:
        # The locks above make this unreachable in normal operation; the
        # constraint is the last line if a caller bypassed them.
        raise ClaimRefused(
            _("You already hold a presentation slot in this topic: release it or switch instead."), code="slot_taken"
        ) from None


def _set_status(
    claim_: Claim, status: str, actor: AbstractBaseUser, action: str, *, note: str = ""
) -> None:
    previous = claim_.status
    claim_.status = status
    claim_.save(update_fields=["status", "updated_at"])
    record_event(claim_, actor, action, previous, entry=claim_.entry, note=note)


def record_event(
    claim_: Claim, actor: AbstractBaseUser, action: str, previous: str, *, entry: Entry | None, note: str = ""
) -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim=claim_, actor=actor, action=action, from_status=previous, to_status=claim_.status, entry=entry,
        note=note[:500],
    )


def _touch(enrollment: Enrollment) -> None:
    enrollment.last_activity_at = timezone.now()
    enrollment.save(update_fields=["last_activity_at"])


# Proposals: a paper of the student's own choosing, which a mentor decides.


@dataclass(frozen=True, slots=True)
class PaperDetails:
    """A proposed paper as typed by the student or read from arXiv."""

    title: str
    url: str
    arxiv_id: str | None = None
    authors: tuple[str, ...] = ()
    venue: str = ""
    year: int | None = None
    abstract: str = ""


def propose(
    student: AbstractBaseUser,
    topic: Topic,
    details: PaperDetails,
    *,
    justification: str,
    categories: Iterable[Category] = (),
) -> Claim:
    """A pending proposal holds the student's slot until a mentor decides.

    `categories`: those of the topic's categories the student says the paper
    belongs to; required when the topic has categories.
    """
    categories = list(categories)
    _check_proposed_categories(topic, categories)
    with transaction.atomic():
        enrollment = _lock_enrollment(student, topic.pk)
        _check_before_deadline(enrollment.topic)
        if _open_claim(enrollment) is not None:
            raise ClaimRefused(
                _("You already hold a presentation slot in this topic: release it before proposing a paper."),
                code="slot_taken",
            )
        if missing := intro_papers_missing(student, topic):
            raise ClaimRefused(
                _("Finish %(count)d more intro paper(s) before proposing a paper to present."),
                code="reading_required",
                params={"count": missing},
            )
        paper = _find_or_create_paper(details)
        listed = Entry.objects.filter(topic=topic, paper=paper).first()
        if listed is not None:
            if listed.is_intro:
                raise ClaimRefused(
                    _("“%(paper)s” is an intro paper of this topic: intro papers can never be presented."),
                    code="intro_paper", params={"paper": paper.display_name},
                )
            raise ClaimRefused(
                _("“%(paper)s” is already on the reading list: claim it there instead."),
                code="already_listed", params={"paper": paper.display_name},
            )
        if Claim.objects.filter(topic=topic, proposed_paper=paper, status=ClaimStatus.PROPOSED).exists():
            raise ClaimRefused(
                _("Another student has already proposed “%(paper)s”."),
                code="already_proposed", params={"paper": paper.display_name},
            )
        try:
            with transaction.atomic():
                proposal = Claim.objects.create(
                    topic=topic, student=student, status=ClaimStatus.PROPOSED, proposed_paper=paper,
                    justification=justification.strip(),
                )
        except IntegrityError:
            raise ClaimRefused(
                _("Another student has just proposed “%(paper)s”."),
                code="already_proposed", params={"paper": paper.display_name},
            ) from None
        proposal.proposed_categories.set(categories)
        record_event(proposal, student, ClaimAction.PROPOSED, "", entry=None)
        _touch(enrollment)
    return proposal


def _check_proposed_categories(topic: Topic, categories: list[Category]) -> None:
    if any(category.topic_id != topic.pk for category in categories):
        raise ClaimRefused(_("Choose categories of this topic."), code="no_category")
    if not categories and topic.categories.exists():
        raise ClaimRefused(_("Say which of the topic's categories the paper belongs to."), code="no_category")


def approve_proposal(proposal: Claim, *, actor: AbstractBaseUser, categories: Iterable[Category] = ()) -> Claim:
    """The paper joins the topic's list as an advanced paper in the chosen categories, claimed by the proposer."""
    categories = list(categories)
    with transaction.atomic():
        proposal = _lock_pending_proposal(proposal)
        ensure_mentor(actor, proposal.topic_id)
        topic = proposal.topic
        _check_proposed_categories(topic, categories)
        entry, created = Entry.objects.select_for_update(of=("self",)).get_or_create(
            topic=topic, paper=proposal.proposed_paper,
            defaults={
                "level": Level.ADVANCED,
                "source": EntrySource.PROPOSAL,
                "position": (topic.entries.aggregate(last=Max("position"))["last"] or 0) + 1,
            },
        )
        if created:
            entry.categories.set(categories)
        else:
            # Added to the list meanwhile (an import, another decision): the usual rules decide.
            _check_claimable(entry, proposal.student, by_staff=True)
        previous = proposal.status
        proposal.entry, proposal.status = entry, ClaimStatus.ACTIVE
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.save(update_fields=["entry", "status", "decided_by", "decided_at", "updated_at"])
        record_event(proposal, actor, ClaimAction.APPROVED, previous, entry=entry)
        watching.paper_changed(entry)
    return proposal


def reject_proposal(proposal: Claim, *, actor: AbstractBaseUser, reason: str) -> Claim:
    """Rejection frees the student's slot; the student sees the reason."""
    if not reason.strip():
        raise ClaimRefused(_("Give the student a reason for the rejection."), code="no_reason")
    with transaction.atomic():
        proposal = _lock_pending_proposal(proposal)
        ensure_mentor(actor, proposal.topic_id)
        previous = proposal.status
        proposal.status, proposal.decision_reason = ClaimStatus.REJECTED, reason.strip()
        proposal.decided_by, proposal.decided_at = actor, timezone.now()
        proposal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at", "updated_at"])
        record_event(proposal, actor, ClaimAction.REJECTED, previous, entry=None, note=reason)
    return proposal


def _lock_pending_proposal(proposal: Claim) -> Claim:
    locked = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("topic", "proposed_paper")
        .get(pk=proposal.pk)
    )
    if locked.status != ClaimStatus.PROPOSED:
        raise ClaimRefused(_("This proposal has already been decided or withdrawn."), code="not_pending")
    return locked


def _find_or_create_paper(details: PaperDetails) -> Paper:
    """The catalogue's paper however the student wrote its link (any arXiv link, another form of the URL) or its title."""
    mention = Mention(title=details.title, url=details.url, arxiv_id=details.arxiv_id)
    paper = find_paper(mention)
    if paper is not None:
        return paper
    return Paper.objects.create(
        arxiv_id=mention.effective_arxiv_id, url=details.url or None, title=details.title, authors=list(details.authors),
        venue=details.venue, year=details.year, abstract=details.abstract,
    )
