from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker

from papers import arxiv_recovery


class Command(db_worker.Command):
    help = (
        "Take up the arXiv jobs whose worker stopped (resumed, or failed after too many stops), "
        "then run the background worker: db_worker, with the same options."
    )

    def handle(self, *args, **options) -> None:
        # With --reload this runs again in the reloader's child and after each reload: harmless, recovery is idempotent.
        outcomes = {
            arxiv_recovery.RESUMED: _("arXiv job #%(job)d: its worker had stopped; it is queued again."),
            arxiv_recovery.GAVE_UP: _("arXiv job #%(job)d: its worker had stopped too often; the job is failed."),
        }
        for job_id, action in sorted(arxiv_recovery.recover_stalled_jobs().items()):
            self.stdout.write(outcomes[action] % {"job": job_id})
        arxiv_recovery.schedule_stall_check(arxiv_recovery.next_stall_deadline())
        super().handle(*args, **options)
