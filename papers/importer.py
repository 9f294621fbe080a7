"""Applies a parsed ReadingList to a topic, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _

from papers.models import Entry, Kind, Level, Paper, Topic
from papers.reading_list import ParsedPaper, ReadingList, ReadingListError

PAPER_FIELDS = ("url", "title", "short_name", "venue", "year")


@dataclass
class ImportSummary:
    topic: Topic
    topic_created: bool = False
    papers_created: int = 0
    papers_updated: int = 0
    entries_created: int = 0
    entries_updated: int = 0
    entries_unchanged: int = 0
    entries_removed: int = 0
    entries_kept: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            (_("Created topic “%(topic)s” (%(slug)s).") if self.topic_created else _("Updated topic “%(topic)s” (%(slug)s)."))
            % {"topic": self.topic.title, "slug": self.topic.slug},
            _("Papers: %(created)d created, %(updated)d updated.")
            % {"created": self.papers_created, "updated": self.papers_updated},
            _("Reading-list entries: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(removed)d removed.")
            % {
                "created": self.entries_created,
                "updated": self.entries_updated,
                "unchanged": self.entries_unchanged,
                "removed": self.entries_removed,
            },
        ]
        if self.entries_kept:
            lines.append(
                _("Kept because students claimed or read them, though no longer on the page: %(papers)s")
                % {"papers": ", ".join(self.entries_kept)}
            )
        return lines


@transaction.atomic
def import_reading_list(reading_list: ReadingList, slug: str) -> ImportSummary:
    if not slug:
        slug = reading_list.slug or slugify(reading_list.title)
    if not slug:
        raise ReadingListError(_("Give the topic a slug with --topic."))
    topic, created = Topic.objects.select_for_update().get_or_create(
        slug=slug, defaults={"title": reading_list.title, "introduction": reading_list.introduction}
    )
    summary = ImportSummary(topic=topic, topic_created=created)
    if not created and (topic.title, topic.introduction) != (reading_list.title, reading_list.introduction):
        topic.title, topic.introduction = reading_list.title, reading_list.introduction
        topic.save(update_fields=["title", "introduction"])

    existing = {entry.paper_id: entry for entry in topic.entries.select_for_update()}
    seen: set[int] = set()
    positions = {Level.INTRO: 0, Level.ADVANCED: 0}
    for parsed in reading_list.papers:
        paper = _upsert_paper(parsed, summary)
        positions[parsed.level] += 1
        _upsert_entry(topic, paper, parsed, positions[parsed.level], existing.get(paper.pk), summary)
        seen.add(paper.pk)

    for paper_id, entry in existing.items():
        if paper_id in seen:
            continue
        if entry.claims.exists() or entry.reading.exists():
            summary.entries_kept.append(str(entry.paper))
        else:
            entry.delete()
            summary.entries_removed += 1
    return summary


def _upsert_paper(parsed: ParsedPaper, summary: ImportSummary) -> Paper:
    lookup = Q(arxiv_id=parsed.arxiv_id) if parsed.arxiv_id else Q(arxiv_id__isnull=True, url=parsed.url)
    paper = Paper.objects.filter(lookup).first()
    values = {name: getattr(parsed, name) for name in PAPER_FIELDS}
    if paper is None:
        summary.papers_created += 1
        return Paper.objects.create(arxiv_id=parsed.arxiv_id, **values)
    # A mentor's hand edits win over the page, as they do over arXiv.
    changed = [
        name for name, value in values.items() if getattr(paper, name) != value and name not in paper.edited_fields
    ]
    if changed:
        for name in changed:
            setattr(paper, name, values[name])
        paper.save(update_fields=[*changed, "updated_at"])
        summary.papers_updated += 1
    return paper


def _upsert_entry(
    topic: Topic, paper: Paper, parsed: ParsedPaper, position: int, entry: Entry | None, summary: ImportSummary
) -> None:
    values = {
        "level": parsed.level,
        "is_auxiliary_information": Kind.AUXILIARY_INFORMATION in parsed.kinds,
        "is_auxiliary_task": Kind.AUXILIARY_TASK in parsed.kinds,
        "position": position,
    }
    if entry is None:
        Entry.objects.create(topic=topic, paper=paper, **values)
        summary.entries_created += 1
        return
    if all(getattr(entry, name) == value for name, value in values.items()):
        summary.entries_unchanged += 1
        return
    for name, value in values.items():
        setattr(entry, name, value)
    try:
        entry.full_clean(validate_unique=False)
    except ValidationError as error:
        raise ReadingListError("; ".join(error.messages)) from error
    entry.save()
    summary.entries_updated += 1
