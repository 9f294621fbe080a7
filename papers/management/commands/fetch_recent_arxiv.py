from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from papers import arxiv_jobs


class Command(BaseCommand):
    help = (
        "Fetch today's arXiv announcements in each topic's categories for the topic pages "
        "(run it daily, after arXiv's announcement at 20:00 US Eastern)."
    )

    def handle(self, *args, **options) -> None:
        report = arxiv_jobs.fetch_recent_papers()
        for line in report.lines():
            self.stdout.write(line)
        if report.errors:
            raise CommandError(_("%(count)d topics could not be updated.") % {"count": len(report.errors)})
