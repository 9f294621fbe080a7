from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _

from papers import arxiv_jobs
from papers.arxiv import InvalidArxivId, normalize_id_list
from papers.models import ImportJob, Level, Topic


class ProgressBar:
    """`[########..........]  12/38  31%` on stderr: redrawn in place on a terminal, a line per step elsewhere."""

    width = 30

    def __init__(self, stream: OutputWrapper) -> None:
        self.stream = stream
        self.in_place = stream.isatty()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        percent = 100 * done // total if total else 100
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {done:>{len(str(total))}}/{total} {percent:>3}%"
        if self.in_place:
            self.stream.write(f"\r{line}", ending="")
            self.stream.flush()
        else:
            self.stream.write(line)
        self.drawn = True

    def close(self) -> None:
        if self.in_place and self.drawn:
            self.stream.write("")


class JobCommand(BaseCommand):
    """Runs an arXiv job here, with a progress bar, then prints the summary its page shows."""

    def start(self, start_job) -> ImportJob:
        try:
            return start_job()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    def run(self, job: ImportJob) -> None:
        bar = ProgressBar(self.stderr)
        try:
            arxiv_jobs.run_job(job.pk, on_progress=bar)
        finally:
            bar.close()
        summary = arxiv_jobs.JobSummary.of(job.pk)
        for line in summary.lines():
            self.stdout.write(line)
        for reason, labels in summary.failures():
            self.stdout.write(f"  ✗ {', '.join(labels)}: {reason}")
        for item in summary.new_versions():
            self.stdout.write(f"  ↑ {arxiv_jobs.item_label(item)}: v{item.new_version}")
        for item in summary.matched():
            self.stdout.write("  ? " + _("%(paper)s: a match to confirm on the matches page.") % {"paper": arxiv_jobs.item_label(item)})
        if summary.job.failed_count:
            raise CommandError(
                _("%(failed)d of %(total)d papers failed (job #%(job)d).")
                % {"failed": summary.job.failed_count, "total": summary.job.total_count, "job": job.pk}
            )


class Command(JobCommand):
    help = "Import papers from arXiv onto a topic's reading list, as the staff import page does."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="+", metavar="ID_OR_URL", help="arXiv identifiers or links")
        parser.add_argument("--topic", required=True, help="the topic's slug")
        parser.add_argument("--level", required=True, choices=Level.values)
        parser.add_argument(
            "--category", action="append", default=[], dest="categories", metavar="NAME",
            help="one of the topic's categories, for advanced papers; repeat for several",
        )

    def handle(self, *args, ids: list[str], topic: str, level: str, categories: list[str], **options) -> None:
        target_topic = Topic.objects.filter(slug=topic).first()
        if target_topic is None:
            raise CommandError(_("No topic has the slug “%(slug)s”.") % {"slug": topic})
        try:
            arxiv_ids = normalize_id_list(ids)
        except InvalidArxivId as error:
            raise CommandError(str(error)) from error
        known = {category.name: category for category in target_topic.categories.all()}
        unknown = [name for name in categories if name not in known]
        if unknown:
            raise CommandError(
                _("“%(topic)s” has no category %(unknown)s; its categories: %(known)s.")
                % {"topic": target_topic.slug, "unknown": ", ".join(unknown), "known": ", ".join(known) or "—"}
            )
        chosen = tuple(known[name] for name in dict.fromkeys(categories))
        target = arxiv_jobs.ImportTarget(topic=target_topic, level=level, categories=chosen)
        self.run(self.start(lambda: arxiv_jobs.start_import(arxiv_ids, target)))
