from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from papers.models import Topic
from students.forms import RosterForm
from students.models import Role
from students.roster import (
    RosterReport,
    awaiting_invitation,
    import_roster,
    send_set_password_emails,
    topic_awaiting_invitation,
)


@require_http_methods(["GET", "POST"])
@staff_member_required
def roster(request: HttpRequest, slug: str) -> HttpResponse:
    """Admins create student accounts from a CSV roster; each new student gets a set-password email."""
    topic = get_object_or_404(Topic, slug=slug)
    form = RosterForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_roster(form.cleaned_data["file"], topic)
        _say_outcome(request, report, topic)
    status = 400 if form.errors or (report and report.failure) else 200
    context = {"topic": topic, "form": form, "report": report, "awaiting": topic_awaiting_invitation(topic)}
    return render(request, "students/roster.html", context, status=status)


def _say_outcome(request: HttpRequest, report: RosterReport, topic: Topic) -> None:
    if report.failure:
        messages.error(request, report.failure)
        return
    (messages.warning if report.errors else messages.success)(request, report.summary())
    # Anyone of the file still without a password or an email gets one: importing again is a retry.
    invitees = awaiting_invitation(report.students)
    unsent = send_set_password_emails(invitees, topic, request.build_absolute_uri("/"))
    if len(unsent) < len(invitees):
        messages.success(request, _("Set-password emails sent: %(count)d.") % {"count": len(invitees) - len(unsent)})
    if unsent:
        messages.error(request, _unsent_message(unsent))


def _unsent_message(unsent: list[AbstractBaseUser]) -> str:
    names = ", ".join(f"{user.first_name} ({user.get_username()})" for user in unsent)
    return _(
        "The mail server did not take the set-password email of %(students)s. "
        "Send it again below once the mail server is back."
    ) % {"students": names}


@require_POST
@staff_member_required
def resend_invitation(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    """Send one roster student a fresh set-password link: the retry after the mail server was down."""
    topic = get_object_or_404(Topic, slug=slug)
    student = get_object_or_404(
        get_user_model().objects.filter(profile__isnull=False).distinct(),
        pk=user_id, enrollments__topic=topic, enrollments__role=Role.STUDENT,
    )
    name = f"{student.first_name} ({student.get_username()})"
    if send_set_password_emails([student], topic, request.build_absolute_uri("/")):
        messages.error(request, _unsent_message([student]))
    else:
        messages.success(request, _("Sent the set-password email to %(student)s.") % {"student": name})
    return redirect("roster", slug=topic.slug)
