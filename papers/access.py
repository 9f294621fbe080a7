"""Who may see a topic, and in which role: the first line of every topic view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from papers.models import Topic
from readinglist.prepared import Prepared, instance


@dataclass(frozen=True, slots=True)
class TopicAccess:
    topic: Topic
    role: str | None  # "student", "mentor", or None for staff who are not enrolled
    last_activity_at: datetime | None = None  # the person's own, in this topic

    @property
    def is_student(self) -> bool:
        return self.role == "student"

    @property
    def is_mentor(self) -> bool:
        # Staff act as mentors of every topic.
        return self.role == "mentor" or self.role is None


def get_topic_for_user(user: AbstractBaseUser, slug: str) -> TopicAccess:
    """404 for a topic the user is not part of, so its existence does not leak.

    One query, prepared (every topic page asks it): the topic, with the user's enrollment joined in.
    """
    if not user.is_authenticated:
        raise Http404(_("No such topic."))
    rows = _TOPIC_FOR_USER(slug=slug, user_id=user.pk)
    if not rows:
        raise Http404(_("No such topic."))
    return access_to(topic_from_row(rows[0], VIEWER_FIELDS), user)


def topics_for(user_pk: int, slug: str, **annotations) -> QuerySet[Topic]:
    """The topic of `slug`, with the enrollment of the user of `user_pk` as `viewer_role` and `viewer_activity`."""
    return Topic.objects.filter(slug=slug).annotate(
        mine=FilteredRelation("enrollments", condition=Q(enrollments__user=user_pk)),
        viewer_role=F("mine__role"),
        viewer_activity=F("mine__last_activity_at"),
        **annotations,
    )


TOPIC_FIELDS = tuple(field.attname for field in Topic._meta.concrete_fields)
VIEWER_FIELDS = ("viewer_role", "viewer_activity")
_TOPIC_FOR_USER = Prepared(
    lambda slug, user_id: topics_for(user_id, slug).values_list(*TOPIC_FIELDS, *VIEWER_FIELDS), values=("slug", "user_id")
)


def topic_from_row(row: tuple, annotations: tuple[str, ...]) -> Topic:
    """A topic read as TOPIC_FIELDS then `annotations` (values_list), as the ORM would make it."""
    topic = instance(Topic, dict(zip(TOPIC_FIELDS, row, strict=False)))
    for name, value in zip(annotations, row[len(TOPIC_FIELDS):], strict=True):
        setattr(topic, name, value)
    return topic


def access_to(topic: Topic, user: AbstractBaseUser) -> TopicAccess:
    """The user's access to a topic read by topics_for(): their role, staff's, or 404."""
    role = getattr(topic, "viewer_role", None)
    if role is not None:
        return TopicAccess(topic=topic, role=role, last_activity_at=topic.viewer_activity)
    if user.is_authenticated and user.is_staff:
        return TopicAccess(topic=topic, role=None)
    raise Http404(_("No such topic."))


def get_topic_for_mentor(user: AbstractBaseUser, slug: str) -> TopicAccess:
    """Like get_topic_for_user, then 403 for a student of the topic."""
    access = get_topic_for_user(user, slug)
    if not access.is_mentor:
        raise PermissionDenied(_("Only the topic's mentors can do this."))
    return access
