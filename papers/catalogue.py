"""The one place arXiv metadata is written into the catalogue of papers.

Which fields arXiv owns: the abstract, authors, versions and dates,
categories, DOI, journal reference, comment and PDF link. The title, year,
venue and link belong to whoever listed the paper first (the reading-list
page, or the import that created it); arXiv fills them only where empty, so
that re-importing a reading list and refreshing from arXiv never undo each
other. A field a mentor edited by hand (Paper.edited_fields) is never
written, whoever asks.

Every function here writes to the database only: call arXiv first, then
these inside one transaction.atomic() per batch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from papers.arxiv import ArxivEntry
from papers.models import ArxivMatch, ItemOutcome, MatchStatus, Paper, PaperVersion

# Field of Paper -> how to read it from an ArxivEntry.
ARXIV_OWNED = {
    "abstract": lambda entry: entry.abstract,
    "authors": lambda entry: list(entry.authors),
    "arxiv_version": lambda entry: entry.version,
    "arxiv_published": lambda entry: entry.published,
    "arxiv_updated": lambda entry: entry.updated,
    "primary_category": lambda entry: entry.primary_category,
    "categories": lambda entry: list(entry.categories),
    "doi": lambda entry: entry.doi,
    "journal_ref": lambda entry: entry.journal_ref,
    "comment": lambda entry: entry.comment[:1000],
    "pdf_url": lambda entry: entry.pdf_url,
}
FILLED_WHEN_EMPTY = {
    "title": lambda entry: entry.title[:500],
    "year": lambda entry: entry.published.year,
}


class CatalogueConflict(Exception):
    """The change would give two papers the same arXiv identifier; the message says which."""


@dataclass(frozen=True, slots=True)
class CatalogueChange:
    paper: Paper
    outcome: str  # ItemOutcome.CREATED, UPDATED or UNCHANGED
    new_version: PaperVersion | None = None


def upsert_paper(entry: ArxivEntry) -> CatalogueChange:
    """The catalogue's paper for this arXiv entry, created or brought up to date."""
    paper = Paper.objects.select_for_update().filter(arxiv_id=entry.arxiv_id).first()
    if paper is not None:
        return apply_entry(paper, entry)
    try:
        # A savepoint: another job may create the same paper at the same moment.
        with transaction.atomic():
            paper = Paper.objects.create(
                arxiv_id=entry.arxiv_id,
                url=f"https://arxiv.org/abs/{entry.arxiv_id}",
                venue="arXiv",
                arxiv_checked_at=timezone.now(),
                **{name: read(entry) for name, read in (ARXIV_OWNED | FILLED_WHEN_EMPTY).items()},
            )
    except IntegrityError:
        return apply_entry(Paper.objects.select_for_update().get(arxiv_id=entry.arxiv_id), entry)
    return CatalogueChange(paper=paper, outcome=ItemOutcome.CREATED)


def apply_entry(paper: Paper, entry: ArxivEntry) -> CatalogueChange:
    """Write what arXiv says about this paper, except what a mentor edited by hand."""
    values = {name: read(entry) for name, read in ARXIV_OWNED.items()}
    values |= {name: read(entry) for name, read in FILLED_WHEN_EMPTY.items() if not getattr(paper, name)}
    changed = [
        name for name, value in values.items() if getattr(paper, name) != value and name not in paper.edited_fields
    ]
    new_version = None
    if paper.arxiv_version is not None and entry.version > paper.arxiv_version:
        new_version, _created = PaperVersion.objects.get_or_create(
            paper=paper, version=entry.version, defaults={"revised_at": entry.updated}
        )
    for name in changed:
        setattr(paper, name, values[name])
    paper.arxiv_checked_at = timezone.now()
    paper.save(update_fields=[*changed, "arxiv_checked_at", "updated_at"])
    outcome = ItemOutcome.UPDATED if changed else ItemOutcome.UNCHANGED
    return CatalogueChange(paper=paper, outcome=outcome, new_version=new_version)


def entry_to_json(entry: ArxivEntry) -> dict:
    data = asdict(entry)
    data["published"] = entry.published.isoformat()
    data["updated"] = entry.updated.isoformat()
    return data


def entry_from_json(data: dict) -> ArxivEntry:
    return ArxivEntry(
        **data | {"published": datetime.fromisoformat(data["published"]), "updated": datetime.fromisoformat(data["updated"])}
    )


def record_match(paper: Paper, entry: ArxivEntry) -> ArxivMatch:
    """Remember a candidate; a match already decided keeps its decision."""
    match, _created = ArxivMatch.objects.get_or_create(
        paper=paper,
        arxiv_id=entry.arxiv_id,
        defaults={"title": entry.title[:500], "metadata": entry_to_json(entry)},
    )
    return match


@transaction.atomic
def accept_match(match: ArxivMatch, user: AbstractBaseUser) -> CatalogueChange:
    """Give the paper the match's arXiv identifier and metadata; its other candidates are dismissed."""
    match = ArxivMatch.objects.select_for_update().select_related("paper").get(pk=match.pk)
    _ensure_pending(match)
    paper = Paper.objects.select_for_update().get(pk=match.paper_id)
    if paper.arxiv_id and paper.arxiv_id != match.arxiv_id:
        raise CatalogueConflict(
            _("“%(paper)s” already has the arXiv identifier %(id)s; dismiss this match, or change the paper in the admin.")
            % {"paper": paper.display_name, "id": paper.arxiv_id}
        )
    holder = Paper.objects.filter(arxiv_id=match.arxiv_id).exclude(pk=paper.pk).first()
    if holder is not None:
        raise _already_in_catalogue(match, holder)
    paper.arxiv_id = match.arxiv_id
    try:
        with transaction.atomic():
            paper.save(update_fields=["arxiv_id", "updated_at"])
    except IntegrityError:
        raise _already_in_catalogue(match, Paper.objects.get(arxiv_id=match.arxiv_id)) from None
    change = apply_entry(paper, entry_from_json(match.metadata))
    now = timezone.now()
    _decide(match, MatchStatus.ACCEPTED, user, now)
    ArxivMatch.objects.filter(paper=paper, status=MatchStatus.PENDING).exclude(pk=match.pk).update(
        status=MatchStatus.DISMISSED, decided_by=user, decided_at=now
    )
    return change


@transaction.atomic
def dismiss_match(match: ArxivMatch, user: AbstractBaseUser) -> None:
    match = ArxivMatch.objects.select_for_update().select_related("paper").get(pk=match.pk)
    _ensure_pending(match)
    _decide(match, MatchStatus.DISMISSED, user, timezone.now())


def _ensure_pending(match: ArxivMatch) -> None:
    if match.status != MatchStatus.PENDING:
        raise CatalogueConflict(
            _("The match of “%(paper)s” with arXiv:%(id)s was already %(status)s.")
            % {"paper": match.paper.display_name, "id": match.arxiv_id, "status": match.get_status_display().lower()}
        )


def _decide(match: ArxivMatch, status: str, user: AbstractBaseUser, now: datetime) -> None:
    match.status, match.decided_by, match.decided_at = status, user, now
    match.save(update_fields=["status", "decided_by", "decided_at"])


def _already_in_catalogue(match: ArxivMatch, holder: Paper) -> CatalogueConflict:
    return CatalogueConflict(
        _("arXiv:%(id)s is already in the catalogue as “%(other)s”, so “%(paper)s” cannot take it: "
          "if they are the same paper, move its reading-list entries to “%(other)s” in the admin, then dismiss this match.")
        % {"id": match.arxiv_id, "other": holder.display_name, "paper": match.paper.display_name}
    )
