from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from papers.importer import import_reading_list
from papers.reading_list import ReadingListError, parse


class Command(BaseCommand):
    help = "Import a topic's reading list from its page (Hugo front matter + Markdown) or from a JSON export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--topic", required=True, help="the topic's slug; created when it does not exist")

    def handle(self, *args, path: Path, topic: str, **options) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}) from error
        try:
            summary = import_reading_list(parse(text), slug=topic)
        except ReadingListError as error:
            raise CommandError(_("%(path)s: %(error)s Nothing was imported.") % {"path": path, "error": error}) from error
        for line in summary.lines():
            self.stdout.write(line)
