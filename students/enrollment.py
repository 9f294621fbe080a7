"""Joining a topic, by every way there is: an open topic, the mentors' code, a roster, a preference round.

The rules, in this one place: an open topic takes students while places last;
a closed or preference topic only through its code, a roster, a round or
staff; a student is a student of at most `Programme.topics_per_student`
topics. Places and the per-student limit bind students (open, code, round);
a roster or staff, who decide for the programme, may go beyond them.
Rows are locked (the topic, then the student) so that concurrent joins
cannot both take the last place.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from papers.models import EnrollmentMode, Programme, Topic
from students import claims, watching
from students.models import Claim, Enrollment, Role, StudentProfile

# The one rule for a student number, whether a student signs up or an admin imports a roster: it
# becomes the username they log in with. \A and \Z, because $ would also match before a final newline.
validate_student_number = RegexValidator(
    r"\A[0-9A-Za-z]{4,32}\Z", _("A student number has 4 to 32 letters or digits."), code="invalid"
)


def topic_for_code(code: str) -> Topic | None:
    return Topic.objects.filter(enrollment_code=code.strip().upper()).first()


class JoinVia:
    OPEN = "open"  # the student, on an open topic's page
    CODE = "code"  # the student, with the mentors' enrollment code
    ROUND = "round"  # a published preference round
    ROSTER = "roster"  # an admin's roster import
    STAFF = "staff"  # an admin or mentor, by hand


# Who is bound by the places and by the programme's limit of topics per student.
_BOUND = {JoinVia.OPEN, JoinVia.CODE, JoinVia.ROUND}


class EnrollmentRefused(ValidationError):
    """A joining rule said no; `code` tells which."""

    HTTP_STATUS = {"closed": 403, "full": 409, "limit": 409}

    @property
    def http_status(self) -> int:
        return self.HTTP_STATUS.get(self.code or "", 400)


def join_topic(student: AbstractBaseUser, topic: Topic, *, via: str) -> tuple[Enrollment, bool]:
    """The student in the topic; False when they already were (a mentor stays a mentor). EnrollmentRefused says why not."""
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=topic.pk)
        get_user_model().objects.select_for_update().filter(pk=student.pk).first()
        existing = Enrollment.objects.filter(topic=topic, user=student).first()
        if existing is not None:
            return existing, False
        if via == JoinVia.OPEN and topic.enrollment_mode != EnrollmentMode.OPEN:
            raise EnrollmentRefused(_("“%(topic)s” is not open for joining."), code="closed", params={"topic": topic.title})
        if via in _BOUND:
            _check_places(topic)
            _check_limit(student)
        enrollment = Enrollment.objects.create(topic=topic, user=student, role=Role.STUDENT)
        watching.topic_changed(topic)
        return enrollment, True


def remove_from_topic(enrollment: Enrollment, *, actor: AbstractBaseUser) -> None:
    """Staff take someone out of a topic: a student's paper is released first (its history stays), and the place frees."""
    with transaction.atomic():
        topic = Topic.objects.select_for_update().get(pk=enrollment.topic_id)
        student = enrollment.user
        if enrollment.role == Role.STUDENT and Claim.objects.open().filter(topic=topic, student=student).exists():
            claims.release(student, topic, actor=actor)
        Enrollment.objects.filter(pk=enrollment.pk).delete()
        watching.topic_changed(topic)


def places_left(topic: Topic) -> int | None:
    """None: no limit."""
    if topic.student_capacity is None:
        return None
    return max(0, topic.student_capacity - topic.enrollments.students().count())


def _check_places(topic: Topic) -> None:
    if places_left(topic) == 0:
        raise EnrollmentRefused(
            _("“%(topic)s” is full: all %(places)d places are taken."),
            code="full", params={"topic": topic.title, "places": topic.student_capacity},
        )


def _check_limit(student: AbstractBaseUser) -> None:
    limit = Programme.current().topics_per_student
    if Enrollment.objects.students().filter(user=student).count() >= limit:
        raise EnrollmentRefused(
            _("You are already in %(count)d topic(s), as many as the programme allows."),
            code="limit", params={"count": limit},
        )


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
