from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_enrollment_code() -> str:
    # Unambiguous characters only: the code is read aloud and typed on phones.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Topic(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))
    claim_capacity = models.PositiveSmallIntegerField(
        _("students per paper"),
        default=1,
        help_text=_("How many students may present the same advanced paper."),
    )
    claim_deadline = models.DateTimeField(
        _("claim deadline"),
        null=True,
        blank=True,
        help_text=_("After this moment students can no longer claim, release or switch."),
    )
    intro_papers_required = models.PositiveSmallIntegerField(
        _("intro papers required before claiming"), default=0
    )
    enrollment_code = models.CharField(
        _("enrollment code"), max_length=16, unique=True, default=new_enrollment_code
    )
    arxiv_categories = models.CharField(
        _("arXiv categories"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated, e.g. cs.CV, eess.IV: recent submissions are shown to students."),
    )
    arxiv_keywords = models.CharField(
        _("arXiv keywords"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated words a recent submission must mention to be shown."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.CheckConstraint(
                condition=Q(claim_capacity__gte=1), name="topic_capacity_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("topic_detail", kwargs={"slug": self.slug})


class Paper(models.Model):
    """One paper, wherever it is read: the same paper may sit in several topics."""

    arxiv_id = models.CharField(
        _("arXiv identifier"),
        max_length=40,
        null=True,
        blank=True,
        help_text=_("Without version, e.g. 2407.08132 or hep-th/9901001."),
    )
    url = models.URLField(_("link"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=500)
    venue = models.CharField(_("venue"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    authors = models.JSONField(_("authors"), default=list, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)

    # Metadata read from arXiv; see papers.arxiv.
    arxiv_version = models.PositiveSmallIntegerField(_("arXiv version"), null=True, blank=True)
    arxiv_published = models.DateTimeField(_("first submitted"), null=True, blank=True)
    arxiv_updated = models.DateTimeField(_("last revised"), null=True, blank=True)
    primary_category = models.CharField(_("primary category"), max_length=40, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    journal_ref = models.CharField(_("journal reference"), max_length=500, blank=True)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    pdf_url = models.URLField(_("PDF link"), max_length=500, blank=True)
    arxiv_checked_at = models.DateTimeField(_("last checked on arXiv"), null=True, blank=True)
    # Fields a mentor edited by hand: an arXiv refresh never overwrites them.
    edited_fields = models.JSONField(_("edited by hand"), default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("paper")
        verbose_name_plural = _("papers")
        constraints = [
            models.UniqueConstraint(
                fields=["arxiv_id"],
                condition=Q(arxiv_id__isnull=False),
                name="paper_unique_arxiv_id",
            ),
            # Papers without an arXiv id are identified by their publisher link.
            models.UniqueConstraint(
                fields=["url"], condition=Q(arxiv_id__isnull=True), name="paper_unique_url_without_arxiv_id"
            ),
            models.CheckConstraint(condition=~Q(arxiv_id=""), name="paper_arxiv_id_null_not_empty"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.title

    @property
    def display_name(self) -> str:
        return self.short_name or self.title

    @property
    def link(self) -> str:
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return self.url


class Level(models.TextChoices):
    INTRO = "intro", _("Intro paper")
    ADVANCED = "advanced", _("Advanced paper")


class Kind(models.TextChoices):
    AUXILIARY_INFORMATION = "auxiliary_information", _("Auxiliary information")
    AUXILIARY_TASK = "auxiliary_task", _("Auxiliary task")


class EntryQuerySet(models.QuerySet["Entry"]):
    def intro(self) -> EntryQuerySet:
        return self.filter(level=Level.INTRO)

    def advanced(self) -> EntryQuerySet:
        return self.filter(level=Level.ADVANCED)

    def of_kind(self, kind: str) -> EntryQuerySet:
        """kind is a Kind value, or "both" for papers tagged with every kind."""
        if kind == Kind.AUXILIARY_INFORMATION:
            return self.filter(is_auxiliary_information=True)
        if kind == Kind.AUXILIARY_TASK:
            return self.filter(is_auxiliary_task=True)
        if kind == "both":
            return self.filter(is_auxiliary_information=True, is_auxiliary_task=True)
        return self


class Entry(models.Model):
    """A paper on a topic's reading list, at a level, with its set of kinds."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="entries")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="entries")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # The kinds form a set: a paper may be both auxiliary information and task.
    is_auxiliary_information = models.BooleanField(_("auxiliary information"), default=False)
    is_auxiliary_task = models.BooleanField(_("auxiliary task"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["topic", "level", "position", "id"]
        verbose_name = _("reading-list entry")
        verbose_name_plural = _("reading-list entries")
        constraints = [
            models.UniqueConstraint(fields=["topic", "paper"], name="entry_unique_paper_per_topic"),
            models.CheckConstraint(
                condition=Q(level__in=Level.values), name="entry_level_valid"
            ),
            # Kinds only classify advanced papers; an intro paper is reading practice.
            models.CheckConstraint(
                condition=Q(level=Level.INTRO, is_auxiliary_information=False, is_auxiliary_task=False)
                | Q(level=Level.ADVANCED) & (Q(is_auxiliary_information=True) | Q(is_auxiliary_task=True)),
                name="entry_kinds_match_level",
                violation_error_message=_(
                    "An advanced paper needs at least one kind; an intro paper has none."
                ),
            ),
        ]
        indexes = [
            # The topic page: a topic's entries in reading-list order.
            models.Index(fields=["topic", "level", "position"], name="entry_topic_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} ({self.get_level_display()})"

    @property
    def kinds(self) -> list[str]:
        kinds = []
        if self.is_auxiliary_information:
            kinds.append(Kind.AUXILIARY_INFORMATION.value)
        if self.is_auxiliary_task:
            kinds.append(Kind.AUXILIARY_TASK.value)
        return kinds

    @property
    def kind_labels(self) -> list[str]:
        return [Kind(kind).label for kind in self.kinds]

    @property
    def is_intro(self) -> bool:
        return self.level == Level.INTRO

    def clean(self) -> None:
        if self.pk and self.level == Level.INTRO and self.claims.open().exists():
            raise ValidationError(
                _("“%(paper)s” is claimed for a presentation and cannot become an intro paper; release the claim first."),
                code="intro_paper_claimed",
                params={"paper": self.paper.display_name},
            )

    def ensure_presentable(self) -> None:
        """The intro rule: an intro paper is never presented."""
        if self.level != Level.ADVANCED:
            raise ValidationError(
                _("“%(paper)s” is an intro paper: reading practice only, it cannot be chosen for a presentation."),
                code="intro_paper",
                params={"paper": self.paper.display_name},
            )


class PaperVersion(models.Model):
    """A new arXiv version of a paper, found by refresh_arxiv."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    revised_at = models.DateTimeField(_("revised"), null=True, blank=True)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)

    class Meta:
        ordering = ["paper", "-version"]
        verbose_name = _("paper version")
        verbose_name_plural = _("paper versions")
        constraints = [
            models.UniqueConstraint(fields=["paper", "version"], name="paper_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} v{self.version}"


class ArxivThrottle(models.Model):
    """One row per remote service: when this installation last asked it.

    arXiv allows one request every three seconds for a whole installation,
    so the spacing lives in the database, shared by web and worker processes.
    """

    name = models.CharField(max_length=32, primary_key=True)
    last_request_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("arXiv throttle")
        verbose_name_plural = _("arXiv throttle")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_request_at}"


# arXiv import: background jobs, title matches awaiting confirmation, recent submissions.

from django.utils.translation import pgettext_lazy  # noqa: E402


# Short words such as "Done" already mean something else in the catalogue ("read"), so these
# labels have a context (a literal each time: makemessages cannot read a variable).


class JobKind(models.TextChoices):
    IMPORT = "import", pgettext_lazy("arXiv job", "Import")
    ENRICH = "enrich", pgettext_lazy("arXiv job", "Enrichment")
    REFRESH = "refresh", pgettext_lazy("arXiv job", "Refresh")


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("arXiv job", "Queued")
    RUNNING = "running", pgettext_lazy("arXiv job", "Running")
    DONE = "done", pgettext_lazy("arXiv job", "Done")
    FAILED = "failed", pgettext_lazy("arXiv job", "Failed")


FINISHED_JOB_STATUSES = [JobStatus.DONE, JobStatus.FAILED]


class ItemOutcome(models.TextChoices):
    PENDING = "pending", pgettext_lazy("arXiv job outcome", "Waiting")
    CREATED = "created", pgettext_lazy("arXiv job outcome", "Created")
    UPDATED = "updated", pgettext_lazy("arXiv job outcome", "Updated")
    UNCHANGED = "unchanged", pgettext_lazy("arXiv job outcome", "Unchanged")
    FAILED = "failed", pgettext_lazy("arXiv job outcome", "Failed")
    MATCHED = "matched", pgettext_lazy("arXiv job outcome", "Match to confirm")
    UNMATCHED = "unmatched", pgettext_lazy("arXiv job outcome", "Not found on arXiv")


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def with_counts(self) -> ImportJobQuerySet:
        """Each job's progress and outcome counts, in the same query as the jobs."""
        finished = [outcome for outcome in ItemOutcome.values if outcome != ItemOutcome.PENDING]
        conditions = {
            "done": Q(items__outcome__in=finished),
            **{outcome: Q(items__outcome=outcome) for outcome in finished},
            "added": Q(items__added_to_topic=True),
            "new_versions": Q(items__new_version__isnull=False),
        }
        return self.annotate(
            total_count=models.Count("items"),
            **{f"{name}_count": models.Count("items", filter=condition) for name, condition in conditions.items()},
        )


class ImportJob(models.Model):
    """One import, enrichment or refresh: its target, and through its items, its progress."""

    kind = models.CharField(pgettext_lazy("arXiv job", "kind"), max_length=16, choices=JobKind.choices)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="import_jobs", verbose_name=_("topic")
    )
    # Where an import puts its papers on the topic's list; unused by other kinds.
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    is_auxiliary_information = models.BooleanField(_("auxiliary information"), default=False)
    is_auxiliary_task = models.BooleanField(_("auxiliary task"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("started by"),
    )
    task_result_id = models.CharField(_("background task"), max_length=64, blank=True)
    # Why the whole job stopped; the items say why single papers failed.
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("arXiv job")
        verbose_name_plural = _("arXiv jobs")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=JobKind.values), name="import_job_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="import_job_status_valid"),
            models.CheckConstraint(
                condition=~Q(kind=JobKind.IMPORT) | Q(topic__isnull=False, level__in=Level.values),
                name="import_job_import_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(kind=JobKind.ENRICH) | Q(topic__isnull=False), name="import_job_enrich_has_topic"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("arxiv_job", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_JOB_STATUSES

    @property
    def percent_done(self) -> int:
        """Needs with_counts()."""
        return 100 if not self.total_count else self.done_count * 100 // self.total_count

    @property
    def kind_labels(self) -> list[str]:
        return Entry(
            is_auxiliary_information=self.is_auxiliary_information, is_auxiliary_task=self.is_auxiliary_task
        ).kind_labels


class ImportJobItem(models.Model):
    """One paper of a job: an arXiv id to import or refresh, or a paper whose title is searched.

    The paper may be deleted later; the item stays, for the job's history.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"))
    arxiv_id = models.CharField(_("arXiv identifier"), max_length=40, blank=True)
    paper = models.ForeignKey(Paper, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=ItemOutcome.choices, default=ItemOutcome.PENDING)
    added_to_topic = models.BooleanField(_("added to the topic"), default=False)
    # A refresh found this arXiv version, newer than the catalogue had.
    new_version = models.PositiveSmallIntegerField(_("new arXiv version"), null=True, blank=True)
    reason = models.TextField(pgettext_lazy("arXiv job outcome", "reason"), blank=True)
    done_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        verbose_name = _("arXiv job item")
        verbose_name_plural = _("arXiv job items")
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="import_job_item_unique_position"),
            models.UniqueConstraint(
                fields=["job", "arxiv_id"], condition=~Q(arxiv_id=""), name="import_job_item_unique_arxiv_id"
            ),
            models.CheckConstraint(condition=Q(outcome__in=ItemOutcome.values), name="import_job_item_outcome_valid"),
            # The summary names every failure with its reason.
            models.CheckConstraint(
                condition=~Q(outcome=ItemOutcome.FAILED) | ~Q(reason=""), name="import_job_item_failure_has_reason"
            ),
        ]
        indexes = [
            # The worker picks a job's pending items; the summary counts outcomes.
            models.Index(fields=["job", "outcome"], name="import_job_item_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id or self.paper} ({self.get_outcome_display()})"


class MatchStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("arXiv title match", "To confirm")
    ACCEPTED = "accepted", pgettext_lazy("arXiv title match", "Accepted")
    DISMISSED = "dismissed", pgettext_lazy("arXiv title match", "Dismissed")


class ArxivMatch(models.Model):
    """An arXiv paper whose title is a catalogue paper's title: applied only once staff confirm it."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="arxiv_matches", verbose_name=_("paper"))
    arxiv_id = models.CharField(_("arXiv identifier"), max_length=40)
    title = models.CharField(_("title on arXiv"), max_length=500)
    # The ArxivEntry as found, so that accepting needs no second request.
    metadata = models.JSONField(_("arXiv metadata"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=MatchStatus.choices, default=MatchStatus.PENDING)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("arXiv match")
        verbose_name_plural = _("arXiv matches")
        constraints = [
            # A decision sticks: searching again never re-proposes a dismissed match.
            models.UniqueConstraint(fields=["paper", "arxiv_id"], name="arxiv_match_unique_per_paper"),
            models.CheckConstraint(condition=Q(status__in=MatchStatus.values), name="arxiv_match_status_valid"),
            models.CheckConstraint(
                condition=Q(status=MatchStatus.PENDING) | Q(decided_at__isnull=False),
                name="arxiv_match_decision_has_time",
            ),
        ]
        indexes = [
            # The confirmation page lists matches by status, newest first.
            models.Index(fields=["status", "-found_at"], name="arxiv_match_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} → arXiv:{self.arxiv_id}"

    @property
    def authors(self) -> list[str]:
        return self.metadata.get("authors", [])

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


class RecentPaper(models.Model):
    """A submission announced in a topic's arXiv categories, kept for students to browse."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="recent_papers")
    arxiv_id = models.CharField(_("arXiv identifier"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=500)
    authors = models.JSONField(_("authors"), default=list, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    announce_type = models.CharField(_("announcement"), max_length=32, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)
    published = models.DateField(_("announced"))
    fetched_at = models.DateTimeField(_("fetched"))

    class Meta:
        ordering = ["-published", "arxiv_id"]
        verbose_name = _("recent arXiv paper")
        verbose_name_plural = _("recent arXiv papers")
        constraints = [
            models.UniqueConstraint(fields=["topic", "arxiv_id"], name="recent_paper_unique_per_topic"),
        ]
        indexes = [
            # The topic page lists a topic's newest announcements.
            models.Index(fields=["topic", "-published"], name="recent_paper_topic_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"
