"""A topic's reading list in and out of the catalogue: from its page or a JSON export, and back to JSON.

`read_reading_list` turns a file (a topic page, read by papers.page_reader,
or an export) into a ReadingList; `import_reading_list` applies one to its
topic in one transaction, with a bounded number of queries whatever the
list's length; `export_reading_list` writes the export format back.

What a page import owns: the topic's title, number and introduction, its
categories, the entries it listed (`EntrySource.PAGE`) and its materials.
Entries added otherwise (an arXiv import, an approved proposal, the admin)
stay when the page is imported again, and so does any entry that students
claimed or read. A paper's title, short name, venue, year and link follow
the page while no other topic lists the paper; once several do, a page only
fills what is empty. Fields a mentor edited by hand are never written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from papers.arxiv import InvalidArxivId, normalize_arxiv_id
from papers.identity import CatalogueIndex, Mention, arxiv_id_from_url, title_key, titles_agree, url_key
from papers.models import Category, Entry, EntrySource, Level, Material, Paper, Topic
from papers.page_reader import EntryRole, PageChoices, PageEntry, PageError, PageWarning, SkippedLine, TopicPage, read_page

# What the catalogue keeps (papers.models); longer values are refused, never cut silently, except the
# short labels below, which a page sometimes fills with a whole phrase.
MAX_TITLE = 500
MAX_URL = 1000
MAX_LABEL = 100
MAX_NOTE = 1000
MAX_SLUG = 64
# A larger file is not a topic page.
MAX_FILE_BYTES = 5 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReadingListError(ValueError):
    """The input cannot be imported; the message says why, naming the file or the entry."""


@dataclass(frozen=True, slots=True)
class ListedPaper:
    """One paper of the list, its listings on the page merged."""

    title: str
    level: str
    url: str | None = None
    arxiv_id: str | None = None
    short_name: str = ""
    venue: str = ""
    year: int | None = None
    categories: tuple[str, ...] = ()
    line: int | None = None  # where the page lists it first

    @property
    def mention(self) -> Mention:
        return Mention(title=self.title, url=self.url, arxiv_id=self.arxiv_id)

    @property
    def label(self) -> str:
        where = _("line %(line)d") % {"line": self.line} if self.line else ""
        return f"“{self.short_name or self.title}”" + (f" ({where})" if where else "")


@dataclass(frozen=True, slots=True)
class ListedMaterial:
    title: str
    url: str | None = None
    note: str = ""
    section: str = ""


@dataclass(frozen=True, slots=True)
class ReadingList:
    title: str
    papers: list[ListedPaper]
    materials: list[ListedMaterial] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # in page order
    number: int | None = None
    introduction: str = ""
    slug: str = ""  # the export's; a page's comes from its file name
    source_name: str = ""
    choices: PageChoices | None = None  # a page's, remembered on the topic
    skipped: list[SkippedLine] = field(default_factory=list)
    warnings: list[PageWarning] = field(default_factory=list)

    @property
    def intro_count(self) -> int:
        return sum(1 for paper in self.papers if paper.level == Level.INTRO)

    @property
    def advanced_count(self) -> int:
        return sum(1 for paper in self.papers if paper.level == Level.ADVANCED)


# Reading files.


def slug_for_file(name: str) -> str:
    """The topic's slug from the page's file name: `content/sprouts/24-mot.md` -> `24-mot`."""
    return slugify(PurePath(name).stem)[:MAX_SLUG].strip("-")


def decode_file(name: str, data: bytes) -> str:
    """The text of an uploaded or read file, or a ReadingListError naming it."""
    if not data.strip():
        raise ReadingListError(_("%(file)s is empty.") % {"file": name})
    if len(data) > MAX_FILE_BYTES:
        raise ReadingListError(
            _("%(file)s is larger than %(size)d MB: it is not a topic page.") % {"file": name, "size": MAX_FILE_BYTES // 2**20}
        )
    if b"\x00" in data[:8192]:
        raise ReadingListError(_("%(file)s is a binary file, not a topic page.") % {"file": name})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReadingListError(_("%(file)s is not UTF-8 text: save it as UTF-8.") % {"file": name}) from None


def read_reading_list(name: str, text: str, choices: PageChoices | None = None) -> ReadingList:
    """A topic page, or an export (JSON), as a ReadingList; ReadingListError names the file."""
    try:
        if text.lstrip().startswith("{"):
            return from_export(text, source_name=name)
        return from_page(read_page(text, name=name, choices=choices), source_name=name, choices=choices)
    except (PageError, ReadingListError) as error:
        raise ReadingListError(_("%(file)s: %(error)s") % {"file": name, "error": error}) from error


def from_page(page: TopicPage, *, source_name: str = "", choices: PageChoices | None = None) -> ReadingList:
    papers = _PageMerge()
    for entry in page.papers:
        papers.add(entry)
    materials = [
        ListedMaterial(
            title=_clip(entry.title, MAX_TITLE), url=entry.url if entry.url and len(entry.url) <= MAX_URL else None,
            note=_clip(entry.note, MAX_NOTE), section=_clip(entry.group or _section_heading(page, entry), 200),
        )
        for entry in page.materials
    ]
    return ReadingList(
        title=_clip(page.title or page.full_title or PurePath(source_name).stem, 200),
        number=page.number,
        introduction=page.introduction,
        papers=papers.listed,
        materials=materials,
        categories=[_clip(name, MAX_LABEL) for name in page.categories],
        source_name=source_name,
        choices=choices,
        skipped=list(page.skipped),
        warnings=list(page.warnings) + papers.warnings,
    )


def _section_heading(page: TopicPage, entry: PageEntry) -> str:
    return next((section.heading for section in page.sections if section.key == entry.section), "")


class _PageMerge:
    """A page's listings, one ListedPaper per paper: a paper listed twice gets the union of its categories.

    Two listings are one paper when they share an arXiv id, a link or a long
    title; but a link shared by two plainly different titles is a link copied
    onto the wrong entry: the later listing keeps its title and loses the link.
    An intro listing wins over an advanced one: that paper is never presented.
    """

    def __init__(self) -> None:
        self.listed: list[ListedPaper] = []
        self.warnings: list[PageWarning] = []
        self._keys: dict[str, int] = {}

    def add(self, entry: PageEntry) -> None:
        paper = ListedPaper(
            title=_clip(entry.title, MAX_TITLE), level=entry.role, url=entry.url, arxiv_id=entry.arxiv_id,
            short_name=_clip(entry.short_name, MAX_LABEL), venue=_clip(entry.venue, MAX_LABEL),
            year=entry.year if entry.year and 1000 <= entry.year <= 2100 else None,
            categories=(entry.category,) if entry.category and entry.role == EntryRole.ADVANCED else (),
            line=entry.line,
        )
        index = self._find(paper)
        if index is not None and not titles_agree(self.listed[index].title, paper.title):
            self.warnings.append(PageWarning(entry.line, _(
                "“%(title)s” has the same link as “%(other)s” on line %(line)d: imported without that link; check the page."
            ) % {"title": paper.title, "other": self.listed[index].title, "line": self.listed[index].line or 0}))
            paper = replace(paper, url=None, arxiv_id=None)
            index = self._find(paper)
        if index is None:
            self._remember(paper, len(self.listed))
            self.listed.append(paper)
            return
        self.listed[index] = self._merged(self.listed[index], paper)
        self._remember(self.listed[index], index)

    def _merged(self, first: ListedPaper, again: ListedPaper) -> ListedPaper:
        level = Level.INTRO if Level.INTRO in (first.level, again.level) else Level.ADVANCED
        if first.level != again.level:
            self.warnings.append(PageWarning(again.line or 0, _(
                "“%(title)s” is listed both as an intro and as an advanced paper: it stays an intro paper, never presented."
            ) % {"title": first.title}))
        categories = tuple(dict.fromkeys(first.categories + again.categories)) if level == Level.ADVANCED else ()
        return replace(
            first, level=level, categories=categories, url=first.url or again.url, arxiv_id=first.arxiv_id or again.arxiv_id,
            short_name=first.short_name or again.short_name, venue=first.venue or again.venue,
            year=first.year or again.year,
        )

    def _find(self, paper: ListedPaper) -> int | None:
        return next((self._keys[key] for key in _identity_keys(paper) if key in self._keys), None)

    def _remember(self, paper: ListedPaper, index: int) -> None:
        for key in _identity_keys(paper):
            self._keys.setdefault(key, index)


def _identity_keys(paper: ListedPaper) -> list[str]:
    keys = []
    if paper.arxiv_id:
        keys.append(f"arxiv:{paper.arxiv_id}")
    if link := url_key(paper.url):
        keys.append(f"link:{link}")
    if len(title := title_key(paper.title)) >= 10:
        keys.append(f"title:{title}")
    return keys


def _clip(text: str, limit: int) -> str:
    text = _CONTROL.sub("", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# The export format.


def from_export(text: str, *, source_name: str = "") -> ReadingList:
    """An export written by export_reading_list (or by hand): every entry is checked, and named when wrong."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ReadingListError(_("The JSON is not readable: %(error)s") % {"error": error}) from None
    if not isinstance(data, dict) or not isinstance(data.get("topic"), dict) or not isinstance(data.get("papers"), list):
        raise ReadingListError(_("The JSON file is not a reading-list export: it needs “topic” and “papers”."))
    topic = data["topic"]
    title = _text(topic.get("title"), _("the topic's title"), MAX_TITLE, required=True)
    papers = [_exported_paper(number, item) for number, item in enumerate(data["papers"], start=1)]
    if not papers:
        raise ReadingListError(_("The export lists no papers."))
    materials = data.get("materials") or []
    if not isinstance(materials, list):
        raise ReadingListError(_("“materials” must be a list."))
    categories = [name for paper in papers for name in paper.categories]
    number = topic.get("number")
    return ReadingList(
        title=title,
        number=number if isinstance(number, int) and 0 <= number <= 32767 else None,
        introduction=_text(topic.get("introduction"), _("the introduction"), 200_000),
        slug=_text(topic.get("slug"), _("the slug"), MAX_SLUG),
        papers=papers,
        materials=[_exported_material(number, item) for number, item in enumerate(materials, start=1)],
        categories=list(dict.fromkeys(_export_categories(data) + categories)),
        source_name=source_name,
    )


def _exported_paper(number: int, item: object) -> ListedPaper:
    def problem(message: str) -> ReadingListError:
        name = item.get("short_name") or item.get("title") if isinstance(item, dict) else None
        named = f" (“{str(name)[:80]}”)" if isinstance(name, str) and name else ""
        return ReadingListError(_("Paper %(number)d%(name)s: %(problem)s") % {"number": number, "name": named, "problem": message})

    if not isinstance(item, dict):
        raise problem(_("not an object."))
    try:
        level = item.get("level")
        if level not in Level.values:
            raise ReadingListError(_("level must be “intro” or “advanced”."))
        categories = item.get("categories", [])
        if not isinstance(categories, list) or not all(isinstance(name, str) and name.strip() for name in categories):
            raise ReadingListError(_("categories must be a list of names."))
        if categories and level == Level.INTRO:
            raise ReadingListError(_("an intro paper has no categories; only advanced papers do."))
        url = _text(item.get("url"), _("the link"), MAX_URL) or None
        if url is not None and not url_key(url):
            raise ReadingListError(_("the link is not an http(s) address."))
        arxiv_id = item.get("arxiv_id") or None
        if arxiv_id is not None:
            arxiv_id = normalize_arxiv_id(str(arxiv_id))
        year = item.get("year")
        if year is not None and not (isinstance(year, int) and 1000 <= year <= 2100):
            raise ReadingListError(_("the year must be a number such as 2024."))
        return ListedPaper(
            title=_text(item.get("title"), _("the title"), MAX_TITLE, required=True),
            short_name=_text(item.get("short_name"), _("the short name"), MAX_LABEL),
            venue=_text(item.get("venue"), _("the venue"), MAX_LABEL),
            level=level, url=url, arxiv_id=arxiv_id or arxiv_id_from_url(url), year=year,
            categories=tuple(dict.fromkeys(_text(name, _("a category"), MAX_LABEL) for name in categories)),
        )
    except InvalidArxivId as error:
        raise problem(str(error)) from None
    except ReadingListError as error:
        raise problem(str(error)) from None


def _exported_material(number: int, item: object) -> ListedMaterial:
    if not isinstance(item, dict):
        raise ReadingListError(_("Material %(number)d: not an object.") % {"number": number})
    try:
        url = _text(item.get("url"), _("the link"), MAX_URL) or None
        return ListedMaterial(
            title=_text(item.get("title"), _("the title"), MAX_TITLE, required=True), url=url,
            note=_text(item.get("note"), _("the note"), MAX_NOTE), section=_text(item.get("section"), _("the section"), 200),
        )
    except ReadingListError as error:
        raise ReadingListError(_("Material %(number)d: %(problem)s") % {"number": number, "problem": error}) from None


def _export_categories(data: dict) -> list[str]:
    names = data.get("categories") or []
    if not isinstance(names, list):
        raise ReadingListError(_("“categories” must be a list of names."))
    return [_text(name, _("a category"), MAX_LABEL, required=True) for name in names]


def _text(value: object, what: str, limit: int, *, required: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise ReadingListError(_("%(what)s is missing.") % {"what": what})
        return ""
    if not isinstance(value, str):
        raise ReadingListError(_("%(what)s must be text.") % {"what": what})
    if _CONTROL.search(value):
        raise ReadingListError(_("%(what)s holds control characters (such as NUL).") % {"what": what})
    value = value.strip()
    if len(value) > limit:
        raise ReadingListError(
            _("%(what)s is %(length)d characters long; at most %(limit)d are kept.")
            % {"what": what, "length": len(value), "limit": limit}
        )
    if required and not value:
        raise ReadingListError(_("%(what)s is missing.") % {"what": what})
    return value


# Importing.


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
    intro: int = 0
    advanced: int = 0
    materials: int = 0
    materials_changed: bool = False
    categories: int = 0
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def papers(self) -> int:
        return self.intro + self.advanced

    @property
    def changed(self) -> bool:
        return bool(
            self.topic_created or self.papers_created or self.papers_updated or self.entries_created
            or self.entries_updated or self.entries_removed or self.materials_changed
        )

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


def import_reading_list(reading_list: ReadingList, slug: str = "") -> ImportSummary:
    """Apply the list to its topic (created when new), in one transaction; ReadingListError changes nothing."""
    slug = slug or reading_list.slug or slug_for_file(reading_list.source_name)
    if not slug:
        raise ReadingListError(_("Give the topic a slug (--topic): none can be made from the file name."))
    try:
        return _import(reading_list, slug)
    except IntegrityError:
        # Another import created one of these papers at the same moment: its row now exists, try once more.
        return _import(reading_list, slug)


@transaction.atomic
def _import(reading_list: ReadingList, slug: str) -> ImportSummary:
    topic, created = Topic.objects.select_for_update().get_or_create(
        slug=slug, defaults={"title": reading_list.title, "number": reading_list.number}
    )
    summary = ImportSummary(
        topic=topic, topic_created=created, intro=reading_list.intro_count, advanced=reading_list.advanced_count,
        materials=len(reading_list.materials), categories=len(reading_list.categories),
        skipped=len(reading_list.skipped), warnings=[warning.message for warning in reading_list.warnings],
    )
    _update_topic(topic, reading_list)
    categories = _sync_categories(topic, reading_list)
    papers = _sync_papers(topic, reading_list.papers, summary)
    reordered = _sync_entries(topic, reading_list.papers, papers, categories, summary)
    summary.materials_changed = _sync_materials(topic, reading_list.materials)
    if summary.changed or reordered:
        Topic.list_changed(topic.pk)
    return summary


def _update_topic(topic: Topic, reading_list: ReadingList) -> None:
    values = {
        "title": reading_list.title,
        "number": reading_list.number,
        "introduction": reading_list.introduction,
        "source_name": reading_list.source_name[:200],
    }
    if reading_list.choices is not None:
        values["import_choices"] = reading_list.choices.as_json()
    changed = [name for name, value in values.items() if getattr(topic, name) != value]
    for name in changed:
        setattr(topic, name, values[name])
    if changed:
        topic.save(update_fields=changed)


def _sync_categories(topic: Topic, reading_list: ReadingList) -> dict[str, Category]:
    """The list's categories by name, in its order; renames chosen by the admin keep the category's row."""
    existing = {category.name: category for category in topic.categories.all()}
    if reading_list.choices is not None:
        for old, new in reading_list.choices.categories.items():
            if old in existing and new not in existing:
                category = existing.pop(old)
                category.name = new
                category.save(update_fields=["name"])
                existing[new] = category
    missing = [Category(topic=topic, name=name) for name in reading_list.categories if name not in existing]
    for category in Category.objects.bulk_create(missing):
        existing[category.name] = category
    moved = []
    for position, name in enumerate(reading_list.categories, start=1):
        if existing[name].position != position:
            existing[name].position = position
            moved.append(existing[name])
    Category.objects.bulk_update(moved, ["position"])
    return existing


PAGE_FIELDS = ("title", "short_name", "url", "venue", "year")


def _sync_papers(topic: Topic, listed: list[ListedPaper], summary: ImportSummary) -> list[Paper]:
    """The catalogue's paper for each listed paper, found (papers.identity) or created; in the list's order."""
    index = CatalogueIndex(paper.mention for paper in listed)
    found: list[Paper | None] = []
    for paper in listed:
        match = index.find(paper.mention)
        if match is not None and not titles_agree(match.title, paper.title):
            summary.warnings.append(_(
                "%(paper)s has the same link as “%(other)s”, already in the catalogue under another title: "
                "imported without that link; check the page."
            ) % {"paper": paper.label, "other": match.title})
            match = index.find(replace(paper.mention, url=None, arxiv_id=None))
        found.append(match)
    shared = set(
        Entry.objects.filter(paper__in=[paper for paper in found if paper is not None])
        .exclude(topic=topic)
        .values_list("paper_id", flat=True)
    )
    new, changed = [], []
    for position, (paper, existing) in enumerate(zip(listed, found, strict=True)):
        if existing is None:
            created = _new_paper(paper, drop_link=_link_conflict(paper, index))
            new.append(created)
            found[position] = created
            index.add(created)
        elif _apply_page_fields(existing, paper, own=existing.pk not in shared):
            changed.append(existing)
    Paper.objects.bulk_create(new)
    Paper.objects.bulk_update(changed, [*PAGE_FIELDS, "arxiv_id", "url_key", "title_key", "updated_at"])
    summary.papers_created, summary.papers_updated = len(new), len(changed)
    return found


def _new_paper(paper: ListedPaper, *, drop_link: bool) -> Paper:
    created = Paper(
        title=paper.title, short_name=paper.short_name, venue=paper.venue, year=paper.year,
        url=None if drop_link else paper.url, arxiv_id=None if drop_link else paper.arxiv_id,
    )
    created.fill_keys()
    return created


def _link_conflict(paper: ListedPaper, index: CatalogueIndex) -> bool:
    """The paper's link belongs to another paper of the catalogue (found by title instead, or by nothing)."""
    return bool(
        (paper.arxiv_id and paper.arxiv_id in index.by_id) or (url_key(paper.url) and url_key(paper.url) in index.by_link)
    )


def _apply_page_fields(existing: Paper, paper: ListedPaper, *, own: bool) -> bool:
    """Write what the page says; `own`: no other topic lists the paper, so the page may change what is there."""
    changed = False
    values = {name: getattr(paper, name) for name in PAGE_FIELDS}
    if existing.arxiv_id and paper.arxiv_id != existing.arxiv_id:
        values.pop("url")  # the page links the paper elsewhere than arXiv: arXiv's page stays its link
    for name, value in values.items():
        current = getattr(existing, name)
        if name in existing.edited_fields or current == value or value in (None, ""):
            continue
        if own or current in (None, ""):
            setattr(existing, name, value)
            changed = True
    if paper.arxiv_id and not existing.arxiv_id and "arxiv_id" not in existing.edited_fields:
        existing.arxiv_id = paper.arxiv_id
        changed = True
    if changed:
        existing.fill_keys()
        existing.updated_at = timezone.now()
    return changed


def _sync_entries(
    topic: Topic, listed: list[ListedPaper], papers: list[Paper], categories: dict[str, Category], summary: ImportSummary
) -> bool:
    """True when any entry was written, even only moved up or down the list."""
    existing = {
        entry.paper_id: entry for entry in Entry.objects.filter(topic=topic).select_related("paper").prefetch_related("categories")
    }
    wanted: dict[int, tuple[ListedPaper, int]] = {}
    for position, (paper, row) in enumerate(zip(listed, papers, strict=True), start=1):
        if row.pk in wanted:
            # Two listings the page wrote differently, which the catalogue knows as one paper.
            first, first_position = wanted[row.pk]
            level = Level.INTRO if Level.INTRO in (first.level, paper.level) else Level.ADVANCED
            merged = tuple(dict.fromkeys(first.categories + paper.categories)) if level == Level.ADVANCED else ()
            wanted[row.pk] = (replace(first, level=level, categories=merged), first_position)
            summary.warnings.append(
                _("%(paper)s and %(other)s are one paper in the catalogue: one entry for both.")
                % {"paper": paper.label, "other": first.label}
            )
            continue
        wanted[row.pk] = (paper, position)
    _refuse_claimed_becoming_intro(existing, wanted)
    through = Entry.categories.through
    new_entries, changed_entries, links_to_add = [], [], []
    links_to_drop = Q(pk__in=[])
    for paper_id, (paper, position) in wanted.items():
        entry = existing.get(paper_id)
        chosen = {categories[name].pk for name in paper.categories}
        if entry is None:
            entry = Entry(topic=topic, paper_id=paper_id, level=paper.level, position=position, source=EntrySource.PAGE)
            new_entries.append((entry, chosen))
            continue
        current = {category.pk for category in entry.categories.all()}
        fields = {"level": paper.level, "position": position, "source": EntrySource.PAGE}
        if all(getattr(entry, name) == value for name, value in fields.items()) and current == chosen:
            summary.entries_unchanged += 1
            continue
        # Only moved up or down the list: the admin sees it as unchanged.
        moved_only = (entry.level, entry.source, current) == (paper.level, EntrySource.PAGE, chosen)
        summary.entries_unchanged += moved_only
        summary.entries_updated += not moved_only
        for name, value in fields.items():
            setattr(entry, name, value)
        changed_entries.append(entry)
        for category_id in current - chosen:
            links_to_drop |= Q(entry_id=entry.pk, category_id=category_id)
        links_to_add += [through(entry_id=entry.pk, category_id=category_id) for category_id in chosen - current]
    # Categories go before a level changes to intro, and after an entry exists: the database checks both.
    through.objects.filter(links_to_drop).delete()
    Entry.objects.bulk_update(changed_entries, ["level", "position", "source"])
    Entry.objects.bulk_create([entry for entry, _chosen in new_entries])
    links_to_add += [
        through(entry_id=entry.pk, category_id=category_id) for entry, chosen in new_entries for category_id in chosen
    ]
    through.objects.bulk_create(links_to_add)
    summary.entries_created = len(new_entries)
    _remove_unlisted(topic, [entry for paper_id, entry in existing.items() if paper_id not in wanted], summary)
    return bool(changed_entries)


def _refuse_claimed_becoming_intro(existing: dict[int, Entry], wanted: dict[int, tuple[ListedPaper, int]]) -> None:
    becoming_intro = [
        entry for paper_id, entry in existing.items()
        if paper_id in wanted and wanted[paper_id][0].level == Level.INTRO and entry.level != Level.INTRO
    ]
    if not becoming_intro:
        return
    claimed = Entry.objects.filter(pk__in=[entry.pk for entry in becoming_intro]).filter(
        Exists(_open_claims().filter(entry_id=OuterRef("pk")))
    )
    names = [str(entry.paper) for entry in claimed.select_related("paper")]
    if names:
        raise ReadingListError(
            _("The page makes %(papers)s intro papers, but students claimed them for a presentation: "
              "release those claims first. Nothing was imported for this topic.")
            % {"papers": ", ".join(f"“{name}”" for name in names)}
        )


def _remove_unlisted(topic: Topic, unlisted: Iterable[Entry], summary: ImportSummary) -> None:
    """What the page no longer lists goes, unless it came from elsewhere or students claimed or read it."""
    from_page = [entry for entry in unlisted if entry.source == EntrySource.PAGE]
    if not from_page:
        return
    in_use = set(
        Entry.objects.filter(pk__in=[entry.pk for entry in from_page])
        .filter(Exists(_any_claims().filter(entry_id=OuterRef("pk"))) | Exists(_any_reading().filter(entry_id=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )
    summary.entries_kept = [str(entry.paper) for entry in from_page if entry.pk in in_use]
    removed = [entry.pk for entry in from_page if entry.pk not in in_use]
    if removed:
        Entry.objects.filter(pk__in=removed).delete()
    summary.entries_removed = len(removed)


def _sync_materials(topic: Topic, listed: list[ListedMaterial]) -> bool:
    wanted = [(m.title, m.url, m.note, m.section) for m in listed]
    current = list(topic.materials.order_by("position", "pk").values_list("title", "url", "note", "section"))
    if current == wanted:
        return False
    topic.materials.all().delete()
    Material.objects.bulk_create(
        Material(topic=topic, title=title, url=url, note=note, section=section, position=position)
        for position, (title, url, note, section) in enumerate(wanted, start=1)
    )
    return True


def _open_claims():
    from students.models import Claim  # noqa: PLC0415 - students depends on papers, not the other way round

    return Claim.objects.open()


def _any_claims():
    from students.models import Claim  # noqa: PLC0415

    return Claim.objects.all()


def _any_reading():
    from students.models import ReadingProgress  # noqa: PLC0415

    return ReadingProgress.objects.all()


# Exporting.


def export_reading_list(topic: Topic) -> dict:
    """The export format, which read_reading_list reads back."""
    entries = (
        topic.entries.select_related("paper")
        .prefetch_related("categories")
        .order_by("position", "pk")
    )
    return {
        "topic": {"slug": topic.slug, "number": topic.number, "title": topic.title, "introduction": topic.introduction},
        "categories": [category.name for category in topic.categories.order_by("position", "pk")],
        "papers": [
            {
                "short_name": entry.paper.short_name,
                "title": entry.paper.title,
                "level": entry.level,
                "categories": [category.name for category in sorted(entry.categories.all(), key=lambda c: (c.position, c.pk))],
                "arxiv_id": entry.paper.arxiv_id,
                "url": entry.paper.url,
                "venue": entry.paper.venue,
                "year": entry.paper.year,
            }
            for entry in entries
        ],
        "materials": [
            {"title": m.title, "url": m.url, "note": m.note, "section": m.section}
            for m in topic.materials.order_by("position", "pk")
        ],
    }


# A programme of pages: each file on its own, so one bad page never stops the others.


@dataclass
class FileOutcome:
    name: str
    slug: str
    reading_list: ReadingList | None = None
    summary: ImportSummary | None = None  # None on a dry run or a failure
    error: str = ""


def remembered_choices(slug: str) -> PageChoices:
    """The admin's corrections from the last import of this topic's page."""
    data = Topic.objects.filter(slug=slug).values_list("import_choices", flat=True).first()
    return PageChoices.from_json(data)


def import_file(name: str, data: bytes, *, slug: str = "", dry_run: bool = False, choices: PageChoices | None = None) -> FileOutcome:
    """Read one file and, unless `dry_run`, import it; a problem is the outcome's `error`, never an exception."""
    try:
        text = decode_file(name, data)
    except ReadingListError as error:
        return FileOutcome(name=name, slug=slug or slug_for_file(name), error=str(error))
    return import_text(name, text, slug=slug, dry_run=dry_run, choices=choices)


def import_text(name: str, text: str, *, slug: str = "", dry_run: bool = False, choices: PageChoices | None = None) -> FileOutcome:
    slug = slug or slug_for_file(name)
    outcome = FileOutcome(name=name, slug=slug)
    try:
        outcome.reading_list = read_reading_list(name, text, choices if choices is not None else remembered_choices(slug))
        if not slug:
            outcome.slug = slug = outcome.reading_list.slug
        if not dry_run:
            outcome.summary = import_reading_list(outcome.reading_list, slug)
            outcome.slug = outcome.summary.topic.slug
    except ReadingListError as error:
        outcome.error = str(error) if name in str(error) else f"{name}: {error}"
    return outcome


@dataclass
class FilePreview:
    """What importing a file would do, before anything is written; `page` is None for an export."""

    name: str
    slug: str
    page: TopicPage | None = None
    reading_list: ReadingList | None = None
    original_categories: list[str] = field(default_factory=list)  # as read, before the admin's renames
    error: str = ""

    @property
    def topic(self) -> Topic | None:
        return Topic.objects.filter(slug=self.slug).first() if self.slug else None


def preview_file(name: str, text: str, choices: PageChoices, slug: str = "") -> FilePreview:
    preview = FilePreview(name=name, slug=slug or slug_for_file(name))
    try:
        preview.reading_list = read_reading_list(name, text, choices)
        if not text.lstrip().startswith("{"):
            as_read = read_page(text, name=name, choices=PageChoices(roles=choices.roles))
            preview.original_categories = as_read.categories
            preview.page = read_page(text, name=name, choices=choices)
        preview.slug = preview.slug or preview.reading_list.slug
    except (PageError, ReadingListError) as error:
        preview.error = str(error)
    return preview
