from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from papers import arxiv_jobs
from papers.management.commands.import_arxiv import JobCommand
from papers.models import Topic


class Command(JobCommand):
    help = (
        "Complete a topic's papers from arXiv: metadata for those with an identifier (batched), "
        "an exact-title search for the others, whose matches wait for confirmation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--topic", required=True, help="the topic's slug")

    def handle(self, *args, topic: str, **options) -> None:
        target_topic = Topic.objects.filter(slug=topic).first()
        if target_topic is None:
            raise CommandError(_("No topic has the slug “%(slug)s”.") % {"slug": topic})
        self.run(self.start(lambda: arxiv_jobs.start_enrichment(target_topic)))
