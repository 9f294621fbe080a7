from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker

from papers import arxiv_recovery
from students import task_recovery


class Command(db_worker.Command):
    help = (
        "Take up the arXiv jobs and allocations whose worker stopped (queued again, or failed after too many stops) "
        "and fail the other tasks it left running, then run the background worker: db_worker, with the same options."
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
        self._recover_students_tasks()
        super().handle(*args, **options)

    def _recover_students_tasks(self) -> None:
        outcomes = {
            task_recovery.RESUMED: _("Allocation of round #%(round)d: its worker had stopped; it is queued again."),
            task_recovery.GAVE_UP: _(
                "Allocation of round #%(round)d: its worker had stopped too often; the allocation is failed."
            ),
        }
        for round_id, action in sorted(task_recovery.recover_stopped_allocations().items()):
            self.stdout.write(outcomes[action] % {"round": round_id})
        for task in task_recovery.fail_stale_tasks():
            self.stdout.write(
                _("Task %(task)s (%(name)s): its worker had stopped; it is marked failed, not run again.")
                % {"task": task.pk, "name": task.task_name}
            )
