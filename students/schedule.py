"""The presentation schedule and mentors' feedback: the write side of the mentor pages.

Like students.claims, each operation checks the actor is a mentor of the topic,
locks the claim row, and records what changed and who changed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from papers.models import Topic
from students import claims
from students.claims import ClaimRefused
from students.mentors import person_name
from students.models import Claim, ClaimAction, ClaimStatus, Enrollment, Feedback, Role

DEFAULT_TALK_LENGTH = timedelta(minutes=30)
SCORE_RANGE = (Decimal(0), Decimal(100))


def set_slot(claim: Claim, *, actor: AbstractBaseUser, at: datetime | None, order: int | None) -> Claim:
    """Give a claimed paper its presentation time and place in the running order (None clears them)."""
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
    parts = [timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else str(_("no time"))]
    if order is not None:
        parts.append(f"#{order}")
    return " · ".join(parts)


# iCalendar (RFC 5545), written by hand: the format is small and a library would be the only new dependency.


def calendar(
    topic: Topic,
    talks: Iterable[Claim],
    *,
    host: str,
    length: timedelta = DEFAULT_TALK_LENGTH,
    now: datetime | None = None,
) -> str:
    """One VEVENT per timed talk; `talks` come from scheduled_claims()."""
    stamp = _utc(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Xinya programme//readinglist//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical_text(topic.title)}",
    ]
    for talk in talks:
        if talk.presentation_at is None:
            continue
        paper = talk.entry.paper
        summary = f"{person_name(talk.student)}: {paper.display_name}"
        description = f"{paper.title}\n{paper.link}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:claim-{talk.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(talk.presentation_at)}",
            f"DTEND:{_utc(talk.presentation_at + length)}",
            f"SUMMARY:{ical_text(summary)}",
            f"DESCRIPTION:{ical_text(description)}",
            f"URL:{paper.link}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def ical_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold_line(line: str, limit: int = 75) -> str:
    """Fold at `limit` octets (RFC 5545 §3.1) without splitting a UTF-8 character."""
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        # Continuation lines start with a space, which counts towards their limit.
        if size + width > (limit if not pieces else limit - 1):
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
