"""Reading progress: a status and private notes per student and paper."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from papers.models import Entry, Level, Topic
from readinglist.prepared import Prepared, instance
from students.models import Enrollment, ReadingProgress, ReadingStatus, Role


@transaction.atomic
def set_progress(
    student: AbstractBaseUser, entry: Entry, *, status: str | None = None, notes: str | None = None
) -> ReadingProgress:
    enrollment = (
        Enrollment.objects.select_for_update().filter(topic_id=entry.topic_id, user=student, role=Role.STUDENT).first()
    )
    if enrollment is None:
        raise PermissionDenied(_("Only students of this topic track reading progress."))
    progress, _created = ReadingProgress.objects.get_or_create(student=student, entry=entry)
    if status is not None:
        progress.status = status
    if notes is not None:
        progress.notes = notes
    progress.save()
    enrollment.last_activity_at = timezone.now()
    enrollment.save(update_fields=["last_activity_at"])
    return progress


_PROGRESS = Prepared(
    lambda student_id, topic_id: ReadingProgress.objects.filter(student_id=student_id, entry__topic_id=topic_id)
    .order_by().values_list("id", "entry_id", "status", "entry__level"),
    values=("student_id", "topic_id"),
)


def progress_by_entry(student: AbstractBaseUser, topic: Topic) -> dict[int, ReadingProgress]:
    """The student's reading statuses in the topic, each with its paper's `level` (students.claims.intro_papers_missing
    counts it); its notes are not read. Prepared: the topic page reads it on every request."""
    progress = {}
    for pk, entry_id, status, level in _PROGRESS(student_id=student.pk, topic_id=topic.pk):
        row = instance(ReadingProgress, {"id": pk, "student_id": student.pk, "entry_id": entry_id, "status": status})
        row.level = level
        progress[entry_id] = row
    return progress


def reading_counts(student: AbstractBaseUser, topic: Topic) -> dict[str, int]:
    """Intro papers done out of all intro papers, and advanced papers done: one query."""
    return Entry.objects.filter(topic=topic).aggregate(
        intro_total=Count("pk", filter=Q(level=Level.INTRO), distinct=True),
        intro_done=Count(
            "reading", filter=Q(level=Level.INTRO, reading__student=student, reading__status=ReadingStatus.DONE)
        ),
        advanced_done=Count(
            "reading", filter=Q(level=Level.ADVANCED, reading__student=student, reading__status=ReadingStatus.DONE)
        ),
    )
