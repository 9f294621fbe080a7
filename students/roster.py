"""An admin's roster import: CSV rows of name, student number, email.

Good rows import, bad rows are reported by line, and importing the same
file twice creates nothing twice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from papers.models import Topic
from students.enrollment import create_student, enroll_student
from students.models import StudentProfile

HEADERS = {
    "name": {"name", "姓名"},
    "student_number": {"student number", "student_number", "学号"},
    "email": {"email", "e-mail", "邮箱", "电子邮件"},
}


@dataclass
class RosterReport:
    created: list[AbstractBaseUser] = field(default_factory=list)
    enrolled: list[AbstractBaseUser] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_roster(text: str, topic: Topic) -> RosterReport:
    report = RosterReport()
    seen_numbers: dict[str, int] = {}
    for line, row in _rows(text, report):
        try:
            name, number, email = _validate(row, line, seen_numbers)
            with transaction.atomic():
                _import_row(topic, name, number, email, report)
        except ValidationError as error:
            report.errors.append((line, error.messages[0]))
    return report


def set_password_link(user: AbstractBaseUser, base_url: str) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
    )
    return base_url.rstrip("/") + path


def send_set_password_emails(users: list[AbstractBaseUser], topic: Topic, base_url: str) -> None:
    for user in users:
        context = {"user": user, "topic": topic, "link": set_password_link(user, base_url)}
        send_mail(
            subject=_("Your account for %(topic)s") % {"topic": topic.title},
            message=render_to_string("students/emails/set_password.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )


def _rows(text: str, report: RosterReport):
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        return
    columns = _columns(rows[0][1])
    if columns is None:
        columns = {"name": 0, "student_number": 1, "email": 2}
    else:
        rows = rows[1:]
    for line, row in rows:
        yield line, {key: row[index].strip() if index < len(row) else "" for key, index in columns.items()}


def _columns(header: list[str]) -> dict[str, int] | None:
    normalised = [cell.strip().lower() for cell in header]
    columns = {}
    for key, names in HEADERS.items():
        for index, cell in enumerate(normalised):
            if cell in names:
                columns[key] = index
    return columns if len(columns) == len(HEADERS) else None


def _validate(row: dict[str, str], line: int, seen: dict[str, int]) -> tuple[str, str, str]:
    missing = [label for key, label in _labels().items() if not row.get(key)]
    if missing:
        raise ValidationError(_("missing %(fields)s") % {"fields": ", ".join(missing)})
    name, number, email = row["name"], row["student_number"], row["email"]
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not a valid email address") % {"email": email}) from None
    if number in seen:
        raise ValidationError(
            _("student number %(number)s is already on line %(line)d") % {"number": number, "line": seen[number]}
        )
    seen[number] = line
    return name, number, email


def _labels() -> dict[str, str]:
    return {"name": _("name"), "student_number": _("student number"), "email": _("email")}


def _import_row(topic: Topic, name: str, number: str, email: str, report: RosterReport) -> None:
    profile = StudentProfile.objects.select_related("user").filter(student_number=number).first()
    if profile is None:
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise ValidationError(_("the email %(email)s belongs to another account") % {"email": email})
        user = create_student(name=name, student_number=number, email=email, password=None)
        enroll_student(user, topic)
        report.created.append(user)
        return
    _enrollment, joined = enroll_student(profile.user, topic)
    if joined:
        report.enrolled.append(profile.user)
    else:
        report.unchanged += 1
