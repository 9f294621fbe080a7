from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from students import rounds
from students.models import RoundState


class Command(BaseCommand):
    help = "Compute the draft allocation of every open preference round whose deadline has passed (for cron)."

    def handle(self, *args, **options) -> None:
        for round_ in rounds.allocate_due_rounds():
            if round_.state == RoundState.DRAFT:
                self.stdout.write(_("%(round)s: the draft allocation is ready.") % {"round": round_.title})
            else:
                self.stderr.write(
                    _("%(round)s: the allocation failed: %(error)s") % {"round": round_.title, "error": round_.allocation_error}
                )
