from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from papers.models import Topic
from students.forms import RosterForm
from students.roster import import_roster, send_set_password_emails


@require_http_methods(["GET", "POST"])
@staff_member_required
def roster(request: HttpRequest, slug: str) -> HttpResponse:
    """Admins create student accounts from a CSV roster; each new student gets a set-password email."""
    topic = get_object_or_404(Topic, slug=slug)
    form = RosterForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_roster(form.cleaned_data["file"], topic)
        send_set_password_emails(report.created, topic, request.build_absolute_uri("/"))
        messages.success(
            request,
            _("%(created)d accounts created and emailed, %(enrolled)d existing students enrolled, %(unchanged)d unchanged.")
            % {"created": len(report.created), "enrolled": len(report.enrolled), "unchanged": report.unchanged},
        )
    status = 400 if form.errors else 200
    return render(request, "students/roster.html", {"topic": topic, "form": form, "report": report}, status=status)
