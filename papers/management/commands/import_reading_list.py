from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from papers.reading_lists import FileOutcome, import_file

PAGE_SUFFIXES = {".md", ".markdown", ".json"}


class Command(BaseCommand):
    help = (
        "Import topic pages (Hugo front matter + Markdown) or JSON exports: one file, or a folder of them "
        "such as the site's content/sprouts/. One topic per file, each in its own transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a page, an export, or a folder of them")
        parser.add_argument("--topic", help="the topic's slug, for a single file; by default the file's name")
        parser.add_argument("--dry-run", action="store_true", help="show what would be imported; write nothing")

    def handle(self, *args, path: Path, topic: str | None, dry_run: bool, **options) -> None:
        files = self._files(path, topic)
        outcomes = []
        for file in files:
            try:
                data = file.read_bytes()
            except OSError as error:
                outcomes.append(FileOutcome(name=str(file), slug="", error=_("Cannot read %(path)s: %(error)s") % {"path": file, "error": error}))
                continue
            outcomes.append(import_file(str(file), data, slug=topic or "", dry_run=dry_run))
        for outcome in outcomes:
            if dry_run and outcome.reading_list is not None:
                self._preview(outcome)
        self._table(outcomes, dry_run)
        failed = [outcome for outcome in outcomes if outcome.error]
        if len(files) == 1 and failed:
            raise CommandError(_("%(error)s Nothing was imported.") % {"error": failed[0].error})
        for outcome in failed:
            self.stderr.write(f"✗ {outcome.error}")
        if failed:
            raise CommandError(
                _("%(failed)d of %(total)d pages could not be imported (see above); the others were.")
                % {"failed": len(failed), "total": len(files)}
            )

    def _files(self, path: Path, topic: str | None) -> list[Path]:
        if path.is_dir():
            if topic:
                raise CommandError(_("--topic names the topic of one page; give a file, not a folder."))
            files = sorted(
                file for file in path.iterdir()
                if file.is_file() and file.suffix.lower() in PAGE_SUFFIXES and not file.name.startswith(("_", "."))
            )
            if not files:
                raise CommandError(_("%(path)s holds no topic pages (*.md) or exports (*.json).") % {"path": path})
            return files
        if not path.exists():
            raise CommandError(_("Cannot read %(path)s: no such file or folder.") % {"path": path})
        return [path]

    def _table(self, outcomes: list[FileOutcome], dry_run: bool) -> None:
        headers = [_("topic"), _("papers"), _("intro"), _("advanced"), _("materials"), _("categories"), _("lines skipped"), _("result")]
        rows, totals = [], [0] * 6
        for outcome in outcomes:
            reading_list = outcome.reading_list
            if outcome.error or reading_list is None:
                rows.append([outcome.slug or outcome.name, "", "", "", "", "", "", _("failed")])
                continue
            counts = [
                len(reading_list.papers), reading_list.intro_count, reading_list.advanced_count,
                len(reading_list.materials), len(reading_list.categories), len(reading_list.skipped),
            ]
            totals = [total + count for total, count in zip(totals, counts, strict=True)]
            rows.append([outcome.slug, *map(str, counts), self._result(outcome, dry_run)])
        rows.append([_("total (%(count)d)") % {"count": len(outcomes)}, *map(str, totals), ""])
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
        for row in [headers, *rows]:
            self.stdout.write("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

    def _result(self, outcome: FileOutcome, dry_run: bool) -> str:
        summary = outcome.summary
        if dry_run or summary is None:
            return _("not written (dry run)")
        if summary.topic_created:
            return _("created")
        if not summary.changed:
            return _("unchanged")
        return _("updated: %(created)d new, %(updated)d changed, %(removed)d removed entries") % {
            "created": summary.entries_created, "updated": summary.entries_updated, "removed": summary.entries_removed,
        }

    def _preview(self, outcome: FileOutcome) -> None:
        reading_list = outcome.reading_list
        write = self.stdout.write
        write(f"== {outcome.name} → {outcome.slug}: {reading_list.title}" + (f" ({reading_list.number})" if reading_list.number else ""))
        if reading_list.categories:
            write("   " + _("categories: %(names)s") % {"names": ", ".join(reading_list.categories)})
        for paper in reading_list.papers:
            where = f"L{paper.line}" if paper.line else ""
            meta = " ".join(str(part) for part in (paper.venue, paper.year) if part)
            write(f"   {where:>5} {paper.level:<8} {paper.short_name or '-'} | {paper.title} | {meta or '-'} | "
                  f"{paper.url or '-'} | {', '.join(paper.categories) or '-'}")
        for material in reading_list.materials:
            write(f"         {'material':<8} {material.title} | {material.url or '-'}")
        for line in reading_list.skipped:
            write(f"   L{line.line:<4} {_('skipped')}: {line.reason_label}: {line.text[:120]}")
        for warning in reading_list.warnings:
            write(f"   L{warning.line:<4} {_('warning')}: {warning.message}")
        write("")
