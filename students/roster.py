"""An admin's roster import: CSV rows of name, student number, email.

Every row is checked before anything is written. A bad row is reported by line, with the reason,
and left out; the good rows are then written together, in one transaction: should the database
still refuse one (a student signing up with the same number meanwhile), none is written and the
report says so, so an import never stops half-way. Importing the same file twice creates nothing
twice.

The set-password emails go out after the rows are written. A student whose email the mail server
did not take keeps StudentProfile.invitation_sent_at empty: the roster page lists them with a button
to send it again, and importing the file again sends it again.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mail
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from papers.models import Topic
from students.enrollment import JoinVia, create_student, join_topic, validate_student_number
from students.models import Role, StudentProfile

HEADERS = {
    "name": {"name", "姓名"},
    "student_number": {"student number", "student_number", "学号"},
    "email": {"email", "e-mail", "邮箱", "电子邮件"},
}
# A class list, not a user database: a larger file is more likely the wrong one.
MAX_ROWS = 2000
# A web request must not wait forever on a mail server that does not answer (EMAIL_TIMEOUT wins).
MAIL_TIMEOUT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    name: str
    student_number: str
    email: str


@dataclass
class RosterReport:
    created: list[AbstractBaseUser] = field(default_factory=list)
    enrolled: list[AbstractBaseUser] = field(default_factory=list)
    unchanged: list[AbstractBaseUser] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Set when nothing was imported at all, and why.
    failure: str = ""

    def summary(self) -> str:
        return _(
            "%(created)d accounts created, %(enrolled)d existing students enrolled, %(unchanged)d unchanged, "
            "%(errors)d rows with errors."
        ) % {
            "created": len(self.created), "enrolled": len(self.enrolled), "unchanged": len(self.unchanged),
            "errors": len(self.errors),
        }

    @property
    def students(self) -> list[AbstractBaseUser]:
        return [*self.created, *self.enrolled, *self.unchanged]


def import_roster(text: str, topic: Topic) -> RosterReport:
    report = RosterReport()
    lines = list(_rows(text, report))
    if len(lines) > MAX_ROWS:
        return RosterReport(failure=_("The roster has more than %(limit)d rows: split it.") % {"limit": MAX_ROWS})
    rows = _checked_rows(lines, report)
    try:
        with transaction.atomic():
            for row in rows:
                _import_row(topic, row, report)
    except DatabaseError as error:
        return RosterReport(
            errors=report.errors,
            failure=_("The database refused the roster, so nothing was imported (%(error)s). Import it again.")
            % {"error": error},
        )
    return report


# Set-password emails


def set_password_link(user: AbstractBaseUser, base_url: str) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
    )
    return base_url.rstrip("/") + path


def awaiting_invitation(students: Iterable[AbstractBaseUser]) -> list[AbstractBaseUser]:
    """Those of `students` who have neither a password nor a set-password email yet."""
    waiting = set(_awaiting(get_user_model().objects.filter(pk__in=[user.pk for user in students])).values_list("pk", flat=True))
    return [user for user in students if user.pk in waiting]


def topic_awaiting_invitation(topic: Topic) -> QuerySet:
    """The topic's students who have neither a password nor a set-password email yet, for the roster page."""
    students = get_user_model().objects.filter(enrollments__topic=topic, enrollments__role=Role.STUDENT)
    return _awaiting(students).select_related("profile").order_by("profile__student_number")


def send_set_password_emails(users: list[AbstractBaseUser], topic: Topic, base_url: str) -> list[AbstractBaseUser]:
    """Email each user a fresh set-password link; returns those whose email the mail server did not take."""
    if not users:
        return []
    connection = get_connection(timeout=settings.EMAIL_TIMEOUT or MAIL_TIMEOUT_SECONDS)
    try:
        connection.open()
    except OSError:  # refused or timed out; smtplib.SMTPException is an OSError too
        return list(users)
    try:
        return [user for user in users if not _send_set_password_email(user, topic, base_url, connection)]
    finally:
        try:
            connection.close()
        except OSError:
            pass  # the messages are sent or reported already; a failed goodbye changes neither


def _send_set_password_email(user: AbstractBaseUser, topic: Topic, base_url: str, connection) -> bool:
    """True when the mail server took the email, which is then remembered on the student's profile."""
    context = {"user": user, "topic": topic, "link": set_password_link(user, base_url)}
    try:
        send_mail(
            # A line break in a subject is refused as header injection.
            subject=_("Your account for %(topic)s") % {"topic": " ".join(topic.title.split())},
            message=render_to_string("students/emails/set_password.txt", context),
            from_email=None,
            recipient_list=[user.email],
            connection=connection,
        )
    except OSError:
        return False
    StudentProfile.objects.filter(user=user).update(invitation_sent_at=timezone.now())
    return True


def _awaiting(users: QuerySet) -> QuerySet:
    return users.filter(profile__invitation_sent_at__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)


# Reading and checking the rows


def _checked_rows(lines: list[tuple[int, dict[str, str]]], report: RosterReport) -> list[RosterRow]:
    """The rows that may be imported; each other row is reported in `report.errors`."""
    candidates: list[RosterRow] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, cells in lines:
        try:
            row = _check_cells(line, cells)
            _check_unique(row, seen_numbers, seen_emails)
        except ValidationError as error:
            report.errors.append((line, error.messages[0]))
        else:
            candidates.append(row)
    rows = []
    for row, problem in zip(candidates, _account_conflicts(candidates), strict=True):
        if problem:
            report.errors.append((row.line, problem))
        else:
            rows.append(row)
    report.errors.sort()
    return rows


def _rows(text: str, report: RosterReport) -> Iterator[tuple[int, dict[str, str]]]:
    lines = [(line, cells) for line, cells in _csv_lines(text.lstrip("\ufeff"), report) if any(c.strip() for c in cells)]
    if not lines:
        return
    columns = _columns(lines[0][1])
    if columns is None:
        columns = {"name": 0, "student_number": 1, "email": 2}
    else:
        lines = lines[1:]
    for line, cells in lines:
        yield line, {key: cells[index].strip() if index < len(cells) else "" for key, index in columns.items()}


def _csv_lines(text: str, report: RosterReport) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # The reader moves on to the next line, so one unreadable line costs only itself.
            report.errors.append((reader.line_num, _("this line cannot be read as CSV")))
        else:
            yield reader.line_num, cells


def _columns(header: list[str]) -> dict[str, int] | None:
    normalised = [cell.strip().lower() for cell in header]
    columns = {}
    for key, names in HEADERS.items():
        for index, cell in enumerate(normalised):
            if cell in names:
                columns[key] = index
    return columns if len(columns) == len(HEADERS) else None


def _check_cells(line: int, cells: dict[str, str]) -> RosterRow:
    labels = _labels()
    missing = [label for key, label in labels.items() if not cells.get(key)]
    if missing:
        raise ValidationError(_("missing %(fields)s") % {"fields": ", ".join(missing)})
    for key, label in labels.items():
        # PostgreSQL refuses a NUL in text, and no name, number or address holds a control character.
        if any(unicodedata.category(char) == "Cc" for char in cells[key]):
            raise ValidationError(_("the %(field)s contains a control character") % {"field": label})
    name, number, email = cells["name"], cells["student_number"], cells["email"]
    user_fields = get_user_model()._meta
    name_limit = user_fields.get_field("first_name").max_length
    if len(name) > name_limit:
        raise ValidationError(_("the name is longer than %(limit)d characters") % {"limit": name_limit})
    try:
        validate_student_number(number)
    except ValidationError as error:
        raise ValidationError(
            _("student number “%(number)s”: %(rule)s") % {"number": _shown(number), "rule": error.messages[0]}
        ) from None
    email_limit = user_fields.get_field("email").max_length
    if len(email) > email_limit:
        raise ValidationError(_("the email address is longer than %(limit)d characters") % {"limit": email_limit})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not a valid email address") % {"email": _shown(email)}) from None
    return RosterRow(line=line, name=name, student_number=number, email=email)


def _check_unique(row: RosterRow, seen_numbers: dict[str, int], seen_emails: dict[str, int]) -> None:
    if row.student_number in seen_numbers:
        raise ValidationError(
            _("student number %(number)s is already on line %(line)d")
            % {"number": row.student_number, "line": seen_numbers[row.student_number]}
        )
    email = row.email.lower()
    if email in seen_emails:
        raise ValidationError(
            _("the email %(email)s is already on line %(line)d") % {"email": row.email, "line": seen_emails[email]}
        )
    seen_numbers[row.student_number] = row.line
    seen_emails[email] = row.line


def _account_conflicts(rows: list[RosterRow]) -> list[str]:
    """For each row, why its new account would clash with an existing one ("" when it would not): three queries."""
    numbers = [row.student_number for row in rows]
    students = set(StudentProfile.objects.filter(student_number__in=numbers).values_list("student_number", flat=True))
    users = get_user_model().objects
    usernames = set(users.filter(username__in=numbers).values_list("username", flat=True))
    emails = set(
        users.annotate(address=Lower("email")).filter(address__in=[row.email.lower() for row in rows])
        .values_list("address", flat=True)
    )
    problems = []
    for row in rows:
        if row.student_number in students:
            problems.append("")  # an existing student: enrolled, whatever the email says
        elif row.student_number in usernames:
            problems.append(
                _("the student number %(number)s is the username of another account") % {"number": row.student_number}
            )
        elif row.email.lower() in emails:
            problems.append(_("the email %(email)s belongs to another account") % {"email": row.email})
        else:
            problems.append("")
    return problems


def _labels() -> dict[str, str]:
    return {"name": _("name"), "student_number": _("student number"), "email": _("email")}


def _shown(value: str) -> str:
    return Truncator(value).chars(60)


# Writing


def _import_row(topic: Topic, row: RosterRow, report: RosterReport) -> None:
    profile = StudentProfile.objects.select_related("user").filter(student_number=row.student_number).first()
    if profile is None:
        user = create_student(name=row.name, student_number=row.student_number, email=row.email, password=None)
        join_topic(user, topic, via=JoinVia.ROSTER)
        report.created.append(user)
        return
    _enrollment, joined = join_topic(profile.user, topic, via=JoinVia.ROSTER)
    (report.enrolled if joined else report.unchanged).append(profile.user)
