"""The presentation schedule and mentors' feedback: the write side of the mentor pages.

Like students.claims, each operation checks the actor is a mentor of the topic,
locks the claim row, and records what changed and who changed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import icalendar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from papers.models import Topic
from papers.templatetags.readinglist import local_datetime_text
from students import claims
from students.claims import ClaimRefused
from students.mentors import person_name
from students.models import Claim, ClaimAction, ClaimStatus, Enrollment, Feedback, Role

DEFAULT_TALK_LENGTH = timedelta(minutes=30)
SCORE_RANGE = (Decimal(0), Decimal(100))
# Talks happen this century: a year typed as 0001 or 9999 would overflow each move between time zones.
PRESENTATION_YEARS = (2000, 2100)


def is_presentation_time(at: datetime) -> bool:
    """Within PRESENTATION_YEARS, read in the programme's time zone."""
    zone = timezone.get_current_timezone()
    first, last = PRESENTATION_YEARS
    # Comparing aware datetimes subtracts their offsets as timedeltas: it cannot overflow.
    return datetime(first, 1, 1, tzinfo=zone) <= at < datetime(last + 1, 1, 1, tzinfo=zone)


def check_presentation_time(at: datetime | None) -> None:
    if at is not None and not is_presentation_time(at):
        first, last = PRESENTATION_YEARS
        raise ClaimRefused(
            _("Choose a date between %(first)d and %(last)d.") % {"first": first, "last": last}, code="time_range"
        )


def set_slot(claim: Claim, *, actor: AbstractBaseUser, at: datetime | None, order: int | None) -> Claim:
    """Give a claimed paper its presentation time and place in the running order (None clears them)."""
    check_presentation_time(at)
    with transaction.atomic():
        claims.ensure_mentor(actor, claim.topic_id)
        claim = _lock_active_claim(claim)
        if (claim.presentation_at, claim.presentation_order) == (at, order):
            return claim
        claim.presentation_at, claim.presentation_order = at, order
        claim.save(update_fields=["presentation_at", "presentation_order", "updated_at"])
        claims.record_event(
            claim, actor, ClaimAction.SCHEDULED, claim.status, entry=claim.entry, note=_slot_note(at, order)
        )
    return claim


def record_presentation(
    claim: Claim, *, actor: AbstractBaseUser, presented: bool, feedback: str, score: Decimal | None
) -> Claim:
    """Mark a talk given (or not yet), with the mentor's feedback and an optional score."""
    if score is not None and not SCORE_RANGE[0] <= score <= SCORE_RANGE[1]:
        raise ClaimRefused(_("A score is between 0 and 100."), code="score_range")
    feedback = feedback.strip()
    with transaction.atomic():
        claims.ensure_mentor(actor, claim.topic_id)
        claim = _lock_active_claim(claim)
        if (claim.presented, claim.presentation_feedback, claim.score) == (presented, feedback, score):
            return claim
        claim.presented, claim.presentation_feedback, claim.score = presented, feedback, score
        claim.save(update_fields=["presented", "presentation_feedback", "score", "updated_at"])
        note = str(_("presented")) if presented else str(_("not presented yet"))
        if score is not None:
            note += f" · {score}"
        claims.record_event(claim, actor, ClaimAction.PRESENTED, claim.status, entry=claim.entry, note=note)
    return claim


def add_feedback(topic: Topic, student: AbstractBaseUser, *, author: AbstractBaseUser, body: str) -> Feedback:
    """A mentor's comment to one student of the topic, which that student sees."""
    claims.ensure_mentor(author, topic.pk)
    if not body.strip():
        raise ClaimRefused(_("Write the feedback before sending it."), code="no_feedback")
    if not Enrollment.objects.filter(topic=topic, user=student, role=Role.STUDENT).exists():
        raise ClaimRefused(_("Feedback goes to a student of this topic."), code="not_enrolled")
    return Feedback.objects.create(topic=topic, student=student, author=author, body=body.strip())


def scheduled_claims(topic: Topic) -> QuerySet[Claim]:
    """The claimed papers in running order: timed talks first, then by order and name."""
    return (
        Claim.objects.active()
        .filter(topic=topic)
        .select_related("student", "entry__paper")
        .order_by(
            F("presentation_at").asc(nulls_last=True),
            F("presentation_order").asc(nulls_last=True),
            "student__last_name",
            "student__first_name",
            "pk",
        )
    )


def _lock_active_claim(claim: Claim) -> Claim:
    # No select_related: PostgreSQL cannot lock the nullable side of the outer join to entry.
    locked = Claim.objects.select_for_update().get(pk=claim.pk)
    if locked.status != ClaimStatus.ACTIVE:
        raise ClaimRefused(
            _("This slot was released or is still a proposal: there is no talk to schedule."), code="no_claim"
        )
    return locked


def _slot_note(at: datetime | None, order: int | None) -> str:
    parts = [local_datetime_text(at) if at else str(_("no time"))]
    if order is not None:
        parts.append(f"#{order}")
    return " · ".join(parts)


# iCalendar (RFC 5545), written by the icalendar library: escaping, folding and time formats are its job.

CALENDAR_PRODUCT = "-//Xinya programme//readinglist//EN"


def calendar(
    topic: Topic,
    talks: Iterable[Claim],
    *,
    host: str,
    length: timedelta = DEFAULT_TALK_LENGTH,
    now: datetime | None = None,
) -> bytes:
    """One VEVENT per timed talk, in UTC; `talks` come from scheduled_claims().

    A stored time the schedule would refuse (see check_presentation_time) is left out rather than
    overflowing; the schedule page still shows it, to be corrected.
    """
    feed = icalendar.Calendar()
    feed.add("prodid", CALENDAR_PRODUCT)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    # icalendar 7.3 types X-WR-CALNAME as unknown and would write it unescaped: say it is TEXT.
    feed.add("x-wr-calname", icalendar.vText(topic.title))
    stamp = (now or timezone.now()).astimezone(UTC)
    for talk in talks:
        if talk.presentation_at is None or not is_presentation_time(talk.presentation_at):
            continue
        start = talk.presentation_at.astimezone(UTC)
        paper = talk.entry.paper
        feed.add_component(icalendar.Event.new(
            uid=f"claim-{talk.pk}@{host}",
            stamp=stamp,
            start=start,
            end=start + length,
            summary=f"{person_name(talk.student)}: {paper.display_name}",
            description=f"{paper.title}\n{paper.link}",
            url=paper.link or None,
        ))
    return feed.to_ical(sorted=False)
