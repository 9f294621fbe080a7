"""Joining a topic: by the mentor's enrollment code, or through an admin's roster."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from papers.models import Topic
from students.models import Enrollment, Role, StudentProfile

# The one rule for a student number, whether a student signs up or an admin imports a roster: it
# becomes the username they log in with. \A and \Z, because $ would also match before a final newline.
validate_student_number = RegexValidator(
    r"\A[0-9A-Za-z]{4,32}\Z", _("A student number has 4 to 32 letters or digits."), code="invalid"
)


def topic_for_code(code: str) -> Topic | None:
    return Topic.objects.filter(enrollment_code=code.strip().upper()).first()


def enroll_student(user: AbstractBaseUser, topic: Topic) -> tuple[Enrollment, bool]:
    """Idempotent: a student already in the topic stays as they are (and a mentor stays a mentor)."""
    return Enrollment.objects.get_or_create(topic=topic, user=user, defaults={"role": Role.STUDENT})


@transaction.atomic
def create_student(*, name: str, student_number: str, email: str, password: str | None) -> AbstractBaseUser:
    """A student account: the student number is the username they log in with."""
    user = get_user_model().objects.create_user(
        username=student_number, email=email, password=password, first_name=name
    )
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    StudentProfile.objects.create(user=user, student_number=student_number)
    return user
