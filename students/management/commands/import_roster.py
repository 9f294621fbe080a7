from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from papers.models import Topic
from students.roster import awaiting_invitation, import_roster, send_set_password_emails, set_password_link


class Command(BaseCommand):
    help = "Create student accounts from a CSV roster (name, student number, email) and enroll them in a topic."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--topic", required=True)
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the set-password links point")
        parser.add_argument(
            "--send-email", action="store_true",
            help="email the links instead of printing them; run it again to retry the emails that failed",
        )

    def handle(self, *args, path: Path, topic: str, base_url: str, send_email: bool, **options) -> None:
        found = Topic.objects.filter(slug=topic).first()
        if found is None:
            raise CommandError(_("No topic with the slug “%(slug)s”.") % {"slug": topic})
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}) from error
        report = import_roster(text, found)
        for line, message in report.errors:
            self.stderr.write(_("line %(line)d: %(message)s") % {"line": line, "message": message})
        if report.failure:
            raise CommandError(report.failure)
        self.stdout.write(report.summary())
        # As on the roster page: whoever of the file has neither a password nor an email yet gets a link.
        invitees = awaiting_invitation(report.students)
        if not send_email:
            for user in invitees:
                self.stdout.write(f"{user.username}\t{user.email}\t{set_password_link(user, base_url)}")
            return
        for user in send_set_password_emails(invitees, found, base_url):
            self.stderr.write(
                _("not emailed, the mail server did not take it: %(username)s %(email)s")
                % {"username": user.username, "email": user.email}
            )
