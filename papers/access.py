"""Who may see a topic, and in which role: the first line of every topic view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from papers.models import Topic


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


def get_topic_for_user(user: AbstractBaseUser, slug: str, **annotations) -> TopicAccess:
    """404 for a topic the user is not part of, so its existence does not leak.

    One query: the topic, with the user's enrollment joined in, and any `annotations` a page wants with it.
    """
    topics = Topic.objects.filter(slug=slug)
    if user.is_authenticated:
        topics = topics.annotate(
            mine=FilteredRelation("enrollments", condition=Q(enrollments__user=user.pk)),
            viewer_role=F("mine__role"),
            viewer_activity=F("mine__last_activity_at"),
        )
    topic = get_object_or_404(topics.annotate(**annotations))
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
