import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from papers.models import Topic
from papers.reading_lists import export_reading_list


class Command(BaseCommand):
    help = "Print a topic's reading list (papers, categories, materials) as JSON on standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--topic", required=True, help="the topic's slug")

    def handle(self, *args, topic: str, **options) -> None:
        try:
            found = Topic.objects.get(slug=topic)
        except Topic.DoesNotExist:
            raise CommandError(_("No topic with the slug “%(slug)s”.") % {"slug": topic}) from None
        self.stdout.write(json.dumps(export_reading_list(found), ensure_ascii=False, indent=2))
