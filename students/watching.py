"""The watch list: a student asks to be told when a taken paper, or a full topic, has a place again.

Watching never reserves: when a place frees, every watcher is told (on their
pages, and by email when they have an address) and the first to act takes it,
through the usual rules (students.claims, students.enrollment). The rules for
watching, in this one place: only a student of the topic watches its papers,
only advanced ones, only while they are full and claims are open, never their
own; anyone not in a full topic may watch the topic.

A watch remembers when it was last told (`freed_at`), so a watcher is told once
each time the place frees: the time is cleared when the paper or topic is full
again. The callers run `paper_changed` / `topic_changed` in the transaction that
changed a paper's claims or a topic's students, with that paper's (or topic's)
row locked, so two changes to one paper are told in order.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from papers.models import Entry, Topic
from students.models import Claim, ClaimStatus, Enrollment, Role, Watch


class WatchRefused(ValidationError):
    """A watching rule said no; `code` tells which."""

    HTTP_STATUS = {"not_enrolled": 403, "deadline_passed": 403, "intro_paper": 400, "yours": 409, "free": 409, "in_topic": 409}

    @property
    def http_status(self) -> int:
        return self.HTTP_STATUS.get(self.code or "", 400)


def watch_paper(student: AbstractBaseUser, entry: Entry) -> Watch:
    """Ask to be told when `entry`, taken by others, has a place again."""
    from students.claims import claims_open  # claims tells watchers; watchers ask claims' deadline

    if not Enrollment.objects.filter(topic_id=entry.topic_id, user=student, role=Role.STUDENT).exists():
        raise WatchRefused(_("Only students of this topic can watch its papers."), code="not_enrolled")
    if entry.is_intro:
        raise WatchRefused(
            _("Intro papers are reading practice, never presented: there is no place to wait for."), code="intro_paper"
        )
    if not claims_open(entry.topic):
        raise WatchRefused(_("The claim deadline has passed: papers no longer change hands."), code="deadline_passed")
    if Claim.objects.active().filter(entry=entry, student=student).exists():
        raise WatchRefused(_("You hold this paper already."), code="yours")
    if places_on(entry) > 0:
        raise WatchRefused(
            _("“%(paper)s” has a free place: claim it now."), code="free", params={"paper": entry.paper.display_name}
        )
    watch, _created = Watch.objects.get_or_create(user=student, entry=entry)
    return watch


def watch_topic(user: AbstractBaseUser, topic: Topic) -> Watch:
    """Ask to be told when full `topic` has a place again."""
    from students.enrollment import places_left  # enrollment tells watchers; watchers ask enrollment's places

    if Enrollment.objects.filter(topic=topic, user=user).exists():
        raise WatchRefused(_("You are in this topic already."), code="in_topic")
    if places_left(topic) != 0:
        raise WatchRefused(_("“%(topic)s” has places: join it now."), code="free", params={"topic": topic.title})
    watch, _created = Watch.objects.get_or_create(user=user, topic=topic)
    return watch


def stop_watching(user: AbstractBaseUser, *, entry: Entry | None = None, topic: Topic | None = None) -> bool:
    """False when there was nothing to stop."""
    watches = Watch.objects.filter(user=user)
    watches = watches.filter(entry=entry) if entry is not None else watches.filter(topic=topic)
    deleted, _per_model = watches.delete()
    return deleted > 0


def places_on(entry: Entry) -> int:
    return max(0, entry.topic.claim_capacity - entry.claims.active().count())


# Telling: called by the rules that change who holds a paper or who is in a topic.


def paper_changed(entry: Entry, *, taken: int | None = None) -> None:
    """`entry`'s claims changed (its row is locked): its watchers are told if it has a place, the watch of whoever holds it ends.

    `taken`: how many hold it now, when the caller has just counted. A paper nobody watches costs one query.
    """
    watches = list(Watch.objects.filter(entry=entry).values_list("pk", "user_id", "freed_at"))
    if not watches:
        return
    holders = set(Claim.objects.filter(entry=entry, status=ClaimStatus.ACTIVE).values_list("student_id", flat=True))
    if ended := [pk for pk, user_id, _freed in watches if user_id in holders]:
        Watch.objects.filter(pk__in=ended).delete()
    waiting = [(pk, freed) for pk, user_id, freed in watches if user_id not in holders]
    taken = len(holders) if taken is None else taken
    _tell_or_reset(waiting, free=entry.topic.claim_capacity - taken > 0)


def topic_changed(topic: Topic) -> None:
    """`topic`'s students or places changed (its row is locked): its watchers are told if it has a place."""
    from students.enrollment import places_left

    Watch.objects.filter(topic=topic, user__enrollments__topic=topic).delete()
    watches = list(Watch.objects.filter(topic=topic).values_list("pk", "freed_at"))
    if watches:
        _tell_or_reset(watches, free=places_left(topic) != 0)


def places_changed(topic: Topic, before: Topic) -> None:
    """The topic's settings changed from `before` (its settings page, the admin): tell what the new places free."""
    if topic.claim_capacity != before.claim_capacity:
        claim_capacity_changed(topic)
    if topic.student_capacity != before.student_capacity:
        topic_changed(topic)


def claim_capacity_changed(topic: Topic) -> None:
    """Every watched paper of the topic may have a place now (or none); papers are locked in one order."""
    watched = Entry.objects.filter(topic=topic, watches__isnull=False).distinct().order_by("pk")
    for entry in Entry.objects.select_for_update(of=("self",)).select_related("topic", "paper").filter(pk__in=watched).order_by("pk"):
        paper_changed(entry)


def _tell_or_reset(watches: list[tuple[int, object]], *, free: bool) -> None:
    """`watches`: (key, freed_at) pairs of one paper's or topic's watches."""
    if not free:
        told = [pk for pk, freed in watches if freed is not None]
        if told:
            Watch.objects.filter(pk__in=told).update(freed_at=None)  # full again: the next freeing is told again
        return
    untold = [pk for pk, freed in watches if freed is None]
    if not untold:
        return
    Watch.objects.filter(pk__in=untold).update(freed_at=timezone.now())
    transaction.on_commit(lambda: _email_later(untold))


def _email_later(watch_ids: list[int]) -> None:
    from students import tasks  # the task module imports these rules

    tasks.email_watchers.enqueue(watch_ids)


def send_emails(watch_ids: list[int]) -> int:
    """Email each watcher with an address that the place is free (the worker runs this); how many were sent.

    In both languages of the site, since a person's language is their browser's. A watch stopped, or
    a place taken again, before the worker came to it is not emailed.
    """
    watches = Watch.objects.filter(pk__in=watch_ids).exclude(freed_at=None).exclude(user__email="")
    watches = watches.select_related("user", "entry__paper", "entry__topic", "topic")
    messages = [_email(watch) for watch in watches]
    if not messages:
        return 0
    with get_connection(timeout=settings.EMAIL_TIMEOUT or 30) as connection:
        return connection.send_messages(messages) or 0


def _email(watch: Watch) -> EmailMessage:
    if watch.entry is not None:
        topic, subject = watch.entry.topic, _("“%(paper)s” has a free place")
        link = settings.SITE_URL.rstrip("/") + reverse("topic_detail", args=[topic.slug]) + f"#entry-{watch.entry_id}"
        names = {"paper": " ".join(watch.entry.paper.display_name.split()), "topic": " ".join(topic.title.split())}
    else:
        topic, subject = watch.topic, _("“%(topic)s” has a free place")
        link = settings.SITE_URL.rstrip("/") + reverse("programme") + f"#topic-{topic.pk}"
        names = {"topic": " ".join(topic.title.split())}
    subjects, bodies = [], []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            subjects.append(str(subject) % names)
            bodies.append(render_to_string("students/emails/place_free.txt", {"watch": watch, "link": link, **names}))
    # A line break in a subject is refused as header injection: names are joined on one line above.
    return EmailMessage(subject=" / ".join(subjects), body="\n\n".join(bodies), to=[watch.user.email], connection=None)


# What a person's pages show.


def with_watched(entries: QuerySet[Entry], user: AbstractBaseUser) -> QuerySet[Entry]:
    """Annotate each entry with `watched`: whether `user` watches it (no query of its own)."""
    return entries.annotate(watched=Exists(Watch.objects.filter(entry=OuterRef("pk"), user=user)))


def paper_watches(user: AbstractBaseUser, topic: Topic) -> list[Watch]:
    """The student's watched papers of the topic, each with `places` (free places now); one query."""
    watches = Watch.objects.filter(user=user, entry__topic=topic).select_related("entry__paper").annotate(
        taken=Count("entry__claims", filter=Q(entry__claims__status=ClaimStatus.ACTIVE))
    )
    return [_with_places(watch, topic.claim_capacity) for watch in watches]


def _with_places(watch: Watch, capacity: int) -> Watch:
    watch.places = max(0, capacity - watch.taken)
    return watch
