"""arXiv jobs: import identifiers into a topic, enrich a topic's papers, refresh the catalogue.

A job is created with one item per paper (start_import, start_enrichment,
start_refresh), in the web process or a command, then run by run_job: in
the background worker (papers.tasks) or in the command's own process.

run_job asks arXiv outside any transaction (the throttle needs its own),
then writes what one request brought in one transaction. A batch arXiv
could not answer changes nothing; its items record why, and the summary
names them. A job whose every paper failed is failed; one with some
failures is done, and lists them.

A job whose worker stopped in the middle is taken up again by papers.arxiv_recovery.
Should that worker only have been slow, both runs may ask arXiv for the
batch in flight: each item is written by whichever run gets there first,
and the older run stops before its next request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from papers import catalogue
from papers.arxiv import (
    MAX_IDS_PER_REQUEST,
    ArxivClient,
    ArxivEntry,
    ArxivError,
    ArxivUnavailable,
    RecentSubmission,
    normalize_categories,
)
from papers.lookup import INTERACTIVE_RETRIES, INTERACTIVE_TIMEOUT
from papers.models import (
    Category,
    Entry,
    EntrySource,
    ImportJob,
    ImportJobItem,
    ItemOutcome,
    JobKind,
    JobStatus,
    MatchStatus,
    Paper,
    RecentPaper,
    Topic,
)

logger = logging.getLogger(__name__)

# A pasted list longer than this is a mistake more often than a plan.
MAX_IDS_PER_JOB = 2000
# A recent submission stays this long after the feed last listed it; the feed itself only has today's.
RECENT_DAYS = 14
# Replacements are revisions of older papers, not the latest work of the field.
NEW_ANNOUNCEMENTS = frozenset({"new", "cross"})

ProgressCallback = Callable[[int, int], None]


def arxiv_client(interactive: bool = False) -> ArxivClient:
    """The client jobs and pages use; interactive ones give up sooner, a person is waiting."""
    if interactive:
        return ArxivClient(timeout=INTERACTIVE_TIMEOUT, max_retries=INTERACTIVE_RETRIES)
    return ArxivClient()


def not_on_arxiv_message(arxiv_id: str) -> str:
    return _("arXiv has no paper with the identifier %(id)s.") % {"id": arxiv_id}


@dataclass(frozen=True, slots=True)
class ImportTarget:
    """Where imported papers go: a topic's reading list, at a level, with some of the topic's categories."""

    topic: Topic
    level: str
    categories: tuple[Category, ...] = ()

    @classmethod
    def of_job(cls, job: ImportJob) -> ImportTarget:
        return cls(topic=job.topic, level=job.level, categories=tuple(job.categories.all()))

    def validate(self) -> None:
        """The reading list's own rules: a known level; categories of this topic, for advanced papers only."""
        entry = Entry(topic=self.topic, level=self.level)
        entry.full_clean(exclude=["paper", "position"], validate_unique=False)
        entry.check_categories(self.categories)

def start_import(ids: Sequence[str], target: ImportTarget, user: AbstractBaseUser | None = None) -> ImportJob:
    """A queued job for these (normalised) ids; refuses bad input before anything is created."""
    target.validate()
    if not ids:
        raise ValidationError(_("Choose at least one paper to import."), code="no_ids")
    if len(ids) > MAX_IDS_PER_JOB:
        raise ValidationError(
            _("%(count)d identifiers is more than one job takes (%(max)d); split the list.")
            % {"count": len(ids), "max": MAX_IDS_PER_JOB},
            code="too_many_ids",
        )
    job = ImportJob(kind=JobKind.IMPORT, topic=target.topic, level=target.level, created_by=user)
    return _create_job(job, [ImportJobItem(arxiv_id=arxiv_id) for arxiv_id in ids], target.categories)


def start_enrichment(topic: Topic, user: AbstractBaseUser | None = None) -> ImportJob:
    """Metadata for the topic's papers with an arXiv id; a title search for those without."""
    papers = list(
        Paper.objects.filter(entries__topic=topic).order_by("entries__level", "entries__position", "pk").distinct()
    )
    if not papers:
        raise ValidationError(
            _("“%(topic)s” has no papers to enrich yet.") % {"topic": topic.title}, code="no_papers"
        )
    job = ImportJob(kind=JobKind.ENRICH, topic=topic, created_by=user)
    return _create_job(job, [ImportJobItem(arxiv_id=paper.arxiv_id or "", paper=paper) for paper in papers])


def start_refresh(user: AbstractBaseUser | None = None) -> ImportJob:
    """Every catalogue paper with an arXiv id, asked again: new versions are recorded."""
    papers = list(Paper.objects.filter(arxiv_id__isnull=False).order_by("pk").only("pk", "arxiv_id"))
    if not papers:
        raise ValidationError(_("No paper in the catalogue has an arXiv identifier yet."), code="no_papers")
    job = ImportJob(kind=JobKind.REFRESH, created_by=user)
    return _create_job(job, [ImportJobItem(arxiv_id=paper.arxiv_id, paper=paper) for paper in papers])


@transaction.atomic
def _create_job(job: ImportJob, items: list[ImportJobItem], categories: Sequence[Category] = ()) -> ImportJob:
    job.save()
    job.categories.set(categories)
    for position, item in enumerate(items, start=1):
        item.job, item.position = job, position
    ImportJobItem.objects.bulk_create(items)
    return job


class HandedOver(Exception):
    """The job was given to another run (a new task) while this one was quiet."""


def run_job(job_id: int, client: ArxivClient | None = None, on_progress: ProgressCallback | None = None) -> ImportJob:
    """Work through the job's waiting items; safe to call again on a job that was interrupted."""
    job = ImportJob.objects.select_related("topic").get(pk=job_id)
    if job.is_finished:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=job.started_at or timezone.now())
    try:
        _JobRun(job, client or arxiv_client(), on_progress).run()
    except HandedOver:
        logger.warning("arXiv job %s was handed to another run while this one was quiet; this one stops", job.pk)
        return job
    except Exception:
        logger.exception("arXiv job %s stopped", job.pk)
        _finish(job, JobStatus.FAILED, _("The job stopped on an unexpected error; the papers still waiting were not imported."))
        raise
    if not job.items.exclude(outcome=ItemOutcome.FAILED).exists():
        return _finish(job, JobStatus.FAILED, _("Every paper of this job failed: nothing was imported or updated."))
    return _finish(job, JobStatus.DONE)


def _finish(job: ImportJob, status: str, error: str = "") -> ImportJob:
    job.status, job.error, job.finished_at = status, error, timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


class _JobRun:
    def __init__(self, job: ImportJob, client: ArxivClient, on_progress: ProgressCallback | None) -> None:
        self.job = job
        self.client = client
        self.on_progress = on_progress
        self.items = list(job.items.filter(outcome=ItemOutcome.PENDING).select_related("paper").order_by("position"))
        self.total = job.items.count()
        self.done = self.total - len(self.items)
        self.placement = ListPlacement(ImportTarget.of_job(job)) if job.kind == JobKind.IMPORT else None
        # Once arXiv stops answering, asking again for every batch would only make the wait longer.
        self.gave_up = False
        # The task this run belongs to ("" for a command's run): a recovery gives the job a new one.
        self.task_result_id = job.task_result_id

    def run(self) -> None:
        self._report()
        by_id = [item for item in self.items if item.arxiv_id]
        for start in range(0, len(by_id), MAX_IDS_PER_REQUEST):
            self._check_still_ours()
            self._fetch_batch(by_id[start : start + MAX_IDS_PER_REQUEST])
        for item in self.items:
            if not item.arxiv_id:
                self._check_still_ours()
                self._search_title(item)

    def _check_still_ours(self) -> None:
        if not ImportJob.objects.filter(pk=self.job.pk, task_result_id=self.task_result_id).exists():
            raise HandedOver

    def _still_waiting(self, items: list[ImportJobItem]) -> list[ImportJobItem]:
        """In the transaction that writes them: the run the job was handed to (or from) may have written some first."""
        waiting = set(
            ImportJobItem.objects.select_for_update()
            .filter(pk__in=[item.pk for item in items], outcome=ItemOutcome.PENDING)
            .values_list("pk", flat=True)
        )
        return [item for item in items if item.pk in waiting]

    def _fetch_batch(self, items: list[ImportJobItem]) -> None:
        if self.gave_up:
            return self._fail(items, _("Not tried: arXiv stopped answering earlier in this job; start it again later."))
        try:
            result = self.client.fetch([item.arxiv_id for item in items])
        except ArxivError as error:
            self.gave_up = isinstance(error, ArxivUnavailable)
            return self._fail(items, str(error))
        found = {entry.arxiv_id: entry for entry in result.entries}
        with transaction.atomic():
            waiting = self._still_waiting(items)
            for item in waiting:
                entry = found.get(item.arxiv_id)
                if entry is None:
                    item.outcome, item.reason = ItemOutcome.FAILED, not_on_arxiv_message(item.arxiv_id)
                else:
                    self._store(item, entry)
                item.done_at = timezone.now()
            ImportJobItem.objects.bulk_update(
                waiting, ["paper", "outcome", "added_to_topic", "new_version", "reason", "done_at"]
            )
        self._advance(len(items))

    def _store(self, item: ImportJobItem, entry: ArxivEntry) -> None:
        try:
            with transaction.atomic():
                change = catalogue.upsert_paper(entry)
                added = self.placement is not None and self.placement.place(change.paper)
        except (ValidationError, DatabaseError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            item.outcome = ItemOutcome.FAILED
            item.reason = _("arXiv answered, but the paper could not be stored: %(error)s") % {
                "error": " ".join(messages)
            }
            return
        item.paper, item.outcome, item.added_to_topic = change.paper, change.outcome, added
        item.new_version = change.new_version.version if change.new_version else None

    def _search_title(self, item: ImportJobItem) -> None:
        paper = item.paper
        if self.gave_up:
            return self._fail([item], _("Not tried: arXiv stopped answering earlier in this job; start it again later."))
        if paper is None or paper.arxiv_id:
            # Deleted, or given an identifier by hand since the job started.
            item.outcome, item.done_at = ItemOutcome.UNCHANGED, timezone.now()
            item.save(update_fields=["outcome", "done_at"])
            return self._advance(1)
        try:
            entries = self.client.search_exact_title(paper.title)
        except ArxivError as error:
            self.gave_up = isinstance(error, ArxivUnavailable)
            return self._fail([item], str(error))
        with transaction.atomic():
            if not self._still_waiting([item]):
                return self._advance(1)
            matches = [catalogue.record_match(paper, entry) for entry in entries]
            if any(match.status == MatchStatus.PENDING for match in matches):
                item.outcome = ItemOutcome.MATCHED
            else:
                item.outcome = ItemOutcome.UNMATCHED
                item.reason = _("Its arXiv match was already decided.") if matches else ""
            item.done_at = timezone.now()
            item.save(update_fields=["outcome", "reason", "done_at"])
        self._advance(1)

    def _fail(self, items: list[ImportJobItem], reason: str) -> None:
        now = timezone.now()
        with transaction.atomic():
            waiting = self._still_waiting(items)
            for item in waiting:
                item.outcome, item.reason, item.done_at = ItemOutcome.FAILED, reason, now
            ImportJobItem.objects.bulk_update(waiting, ["outcome", "reason", "done_at"])
        self._advance(len(items))

    def _advance(self, count: int) -> None:
        self.done += count
        self._report()

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)


class ListPlacement:
    """Puts papers at the end of their level on the topic's list; a paper already there keeps its entry.

    The list is read once per run. The level and categories were checked when the
    job was created (ImportTarget.validate); the database enforces them again.
    """

    def __init__(self, target: ImportTarget) -> None:
        self.target = target
        entries = Entry.objects.filter(topic=target.topic)
        self.listed = set(entries.values_list("paper_id", flat=True))
        self.last_position = entries.filter(level=target.level).aggregate(last=Max("position"))["last"] or 0

    def place(self, paper: Paper) -> bool:
        if paper.pk in self.listed:
            return False
        entry = Entry.objects.create(
            topic=self.target.topic, paper=paper, level=self.target.level, position=self.last_position + 1,
            source=EntrySource.ARXIV,
        )
        entry.categories.set(self.target.categories)
        Topic.list_changed(self.target.topic.pk)
        self.last_position += 1
        self.listed.add(paper.pk)
        return True


# What a finished (or running) job did, for its page and for the commands.


@dataclass
class JobSummary:
    job: ImportJob  # with_counts()
    notable: list[ImportJobItem] = field(default_factory=list)

    @classmethod
    def of(cls, job_id: int) -> JobSummary:
        job = ImportJob.objects.with_counts().select_related("topic", "created_by").prefetch_related("categories").get(pk=job_id)
        notable = (
            job.items.filter(
                Q(outcome__in=[ItemOutcome.FAILED, ItemOutcome.MATCHED]) | Q(new_version__isnull=False)
            )
            .select_related("paper")
            .order_by("position")
        )
        return cls(job=job, notable=list(notable))

    def lines(self) -> list[str]:
        job = self.job
        lines = [
            _("Created: %(created)d · updated: %(updated)d · unchanged: %(unchanged)d · failed: %(failed)d.")
            % {
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "failed": job.failed_count,
            }
        ]
        if job.kind == JobKind.IMPORT:
            lines.append(
                _("Added to “%(topic)s”: %(added)d; the others were already on its list and were left as they are.")
                % {"topic": job.topic.title, "added": job.added_count}
            )
        if job.kind == JobKind.ENRICH:
            lines.append(
                _("Papers without an arXiv identifier: %(matched)d with a match to confirm, %(unmatched)d not found on arXiv.")
                % {"matched": job.matched_count, "unmatched": job.unmatched_count}
            )
        if job.new_versions_count:
            lines.append(_("New arXiv versions found: %(count)d.") % {"count": job.new_versions_count})
        if job.error:
            lines.append(job.error)
        return lines

    def failures(self) -> list[tuple[str, list[str]]]:
        """Each reason once, with the papers it stopped."""
        grouped: dict[str, list[str]] = {}
        for item in self.notable:
            if item.outcome == ItemOutcome.FAILED:
                grouped.setdefault(item.reason, []).append(item_label(item))
        return list(grouped.items())

    def new_versions(self) -> list[ImportJobItem]:
        return [item for item in self.notable if item.new_version is not None]

    def matched(self) -> list[ImportJobItem]:
        return [item for item in self.notable if item.outcome == ItemOutcome.MATCHED]


def item_label(item: ImportJobItem) -> str:
    if item.arxiv_id:
        return item.arxiv_id
    return item.paper.display_name if item.paper else _("(a deleted paper)")


def parse_topic_categories(text: str) -> list[str]:
    """A topic's categories as typed by a mentor: commas or spaces between them."""
    return [part for part in text.replace(",", " ").split() if part]


def parse_topic_keywords(text: str) -> list[str]:
    return [part.strip().casefold() for part in text.split(",") if part.strip()]


def mentions_any(texts: Iterable[str], keywords: Sequence[str]) -> bool:
    """No keywords means everything matches."""
    if not keywords:
        return True
    haystack = " ".join(texts).casefold()
    return any(keyword in haystack for keyword in keywords)


# Recent submissions for each topic, from arXiv's new-submissions feed.


@dataclass
class RecentFetchReport:
    stored: dict[str, int] = field(default_factory=dict)  # topic slug -> submissions kept
    errors: dict[str, str] = field(default_factory=dict)  # topic slug -> why nothing was fetched

    def lines(self) -> list[str]:
        lines = [
            _("%(topic)s: %(count)d recent submissions kept.") % {"topic": slug, "count": count}
            for slug, count in self.stored.items()
        ]
        lines += [_("%(topic)s: %(error)s") % {"topic": slug, "error": error} for slug, error in self.errors.items()]
        return lines or [_("No topic names arXiv categories: nothing to fetch.")]


def fetch_recent_papers(client: ArxivClient | None = None) -> RecentFetchReport:
    """One feed request per distinct set of categories; a topic's keywords filter its share."""
    client = client or arxiv_client()
    report = RecentFetchReport()
    feeds: dict[tuple[str, ...], list[RecentSubmission] | ArxivError] = {}
    for topic in Topic.objects.exclude(arxiv_categories="").order_by("slug"):
        try:
            categories = tuple(normalize_categories(parse_topic_categories(topic.arxiv_categories)))
        except ArxivError as error:
            report.errors[topic.slug] = str(error)
            continue
        if categories not in feeds:
            try:
                feeds[categories] = client.fetch_recent(categories)
            except ArxivError as error:
                feeds[categories] = error
        feed = feeds[categories]
        if isinstance(feed, ArxivError):
            report.errors[topic.slug] = str(feed)
            continue
        keywords = parse_topic_keywords(topic.arxiv_keywords)
        wanted = [
            submission
            for submission in feed
            if submission.announce_type in NEW_ANNOUNCEMENTS and mentions_any([submission.title, submission.abstract], keywords)
        ]
        report.stored[topic.slug] = store_recent(topic, wanted)
    return report


@transaction.atomic
def store_recent(topic: Topic, submissions: Iterable[RecentSubmission]) -> int:
    now = timezone.now()
    rows = {
        submission.arxiv_id: RecentPaper(
            topic=topic,
            arxiv_id=submission.arxiv_id,
            version=submission.version,
            title=submission.title[:500],
            authors=submission.authors,
            abstract=submission.abstract,
            announce_type=submission.announce_type,
            categories=submission.categories,
            published=submission.published,
            fetched_at=now,
        )
        for submission in submissions
    }
    RecentPaper.objects.bulk_create(
        rows.values(),
        update_conflicts=True,
        unique_fields=["topic", "arxiv_id"],
        update_fields=["version", "title", "authors", "abstract", "announce_type", "categories", "published", "fetched_at"],
    )
    RecentPaper.objects.filter(topic=topic, fetched_at__lt=now - timedelta(days=RECENT_DAYS)).delete()
    return len(rows)
