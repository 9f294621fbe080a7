from __future__ import annotations

import secrets
from urllib.parse import urlencode
from collections.abc import Iterable

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


class EnrollmentMode(models.TextChoices):
    CLOSED = "closed", _("Closed: with the mentors' code or a roster")
    OPEN = "open", _("Open: students join while places last")
    PREFERENCE = "preference", _("By preference round")


class Topic(models.Model):
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    # The programme numbers its topics, not always uniquely: the site has two topics numbered 2.
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True, help_text=_("Markdown."))
    # Derived from the introduction when the topic is saved: the page and the catalogue never render it again.
    introduction_html = models.TextField(blank=True, editable=False)
    summary = models.CharField(max_length=300, blank=True, editable=False)
    # Counts changes to the reading list other than claims (an import, the admin, an arXiv import):
    # with the topic's last claim event, it tells a student's open page whether anything changed.
    list_version = models.PositiveIntegerField(default=0, editable=False)
    # The topic page it was imported from, and the admin's corrections to that reading (PageChoices).
    source_name = models.CharField(_("imported from"), max_length=200, blank=True)
    import_choices = models.JSONField(_("import choices"), default=dict, blank=True)
    # How students come in, and how many may (students.enrollment holds the rules).
    enrollment_mode = models.CharField(
        _("joining"), max_length=16, choices=EnrollmentMode.choices, default=EnrollmentMode.CLOSED
    )
    student_capacity = models.PositiveSmallIntegerField(
        _("places for students"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
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
        ordering = [models.F("number").asc(nulls_last=True), "slug"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.CheckConstraint(
                condition=Q(claim_capacity__gte=1), name="topic_capacity_at_least_one"
            ),
            models.CheckConstraint(
                condition=Q(enrollment_mode__in=EnrollmentMode.values), name="topic_enrollment_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(student_capacity__isnull=True) | Q(student_capacity__gte=1),
                name="topic_student_capacity_at_least_one",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("topic_detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs) -> None:
        self.render_introduction()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "introduction" in update_fields:
            kwargs["update_fields"] = {*update_fields, "introduction_html", "summary"}
        super().save(*args, **kwargs)

    @classmethod
    def list_changed(cls, topic_id: int) -> None:
        cls.objects.filter(pk=topic_id).update(list_version=models.F("list_version") + 1)

    def render_introduction(self) -> None:
        """The stored HTML and the catalogue's summary of the introduction; bulk writers call this themselves."""
        from papers.markdown import render_markdown, summarise  # noqa: PLC0415 - markdown is only needed here

        self.introduction_html = render_markdown(self.introduction, top_heading=3)
        self.summary = summarise(self.introduction_html, 300)


class Programme(models.Model):
    """The programme's own settings: a single row, made on first use."""

    topics_per_student = models.PositiveSmallIntegerField(
        _("topics per student"), default=1, help_text=_("How many topics one student may be a student of.")
    )

    class Meta:
        verbose_name = _("programme settings")
        verbose_name_plural = _("programme settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="programme_single_row"),
            models.CheckConstraint(condition=Q(topics_per_student__gte=1), name="programme_topics_per_student_at_least_one"),
        ]

    def __str__(self) -> str:
        return str(_("Programme settings"))

    @classmethod
    def current(cls) -> Programme:
        return cls.objects.get_or_create(pk=1)[0]


class Category(models.Model):
    """One of a topic's own groupings of its advanced papers (topic 2: 辅助信息, 辅助任务), from its page."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["topic", "position", "pk"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["topic", "name"], name="category_unique_name_per_topic"),
            models.CheckConstraint(condition=~Q(name=""), name="category_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Paper(models.Model):
    """One paper, wherever it is read: the same paper may sit in several topics."""

    arxiv_id = models.CharField(
        _("arXiv identifier"),
        max_length=40,
        null=True,
        blank=True,
        help_text=_("Without version, e.g. 2407.08132 or hep-th/9901001."),
    )
    # None for a paper a page lists without any link ("——自行搜索"): it is known by its title.
    url = models.URLField(_("link"), max_length=1000, null=True, blank=True)
    # What identifies the paper when it has no arXiv id (papers.identity); kept in step by save().
    url_key = models.CharField(max_length=1000, blank=True, editable=False)
    title_key = models.CharField(max_length=500, blank=True, editable=False)
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
            # Papers without an arXiv id are identified by their publisher link, however it is written.
            models.UniqueConstraint(
                fields=["url_key"],
                condition=Q(arxiv_id__isnull=True) & ~Q(url_key=""),
                name="paper_unique_link_without_arxiv_id",
            ),
            models.CheckConstraint(condition=~Q(arxiv_id=""), name="paper_arxiv_id_null_not_empty"),
            models.CheckConstraint(condition=~Q(url=""), name="paper_url_null_not_empty"),
        ]
        indexes = [
            # Importing a page finds its papers already in the catalogue by link and by title.
            models.Index(fields=["url_key"], name="paper_url_key_idx"),
            models.Index(fields=["title_key"], name="paper_title_key_idx"),
        ]

    def __str__(self) -> str:
        return self.short_name or self.title

    def save(self, *args, **kwargs) -> None:
        self.fill_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"url", "title"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "url_key", "title_key"}
        super().save(*args, **kwargs)

    def fill_keys(self) -> None:
        """The derived identity keys; bulk writers call this themselves, as save() is not run for them."""
        # Imported here: papers.identity reads arXiv ids with papers.arxiv, whose client imports this module.
        from papers.identity import title_key, url_key  # noqa: PLC0415

        self.url = self.url or None
        self.url_key, self.title_key = url_key(self.url), title_key(self.title)

    @property
    def display_name(self) -> str:
        return self.short_name or self.title

    @property
    def link(self) -> str:
        """Where to read it: arXiv's abstract page, its own link, or for a paper listed without one, a search for it."""
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        if self.url:
            return self.url
        return "https://www.semanticscholar.org/search?" + urlencode({"q": self.title})

    @property
    def has_link(self) -> bool:
        return bool(self.arxiv_id or self.url)


class Level(models.TextChoices):
    INTRO = "intro", _("Intro paper")
    ADVANCED = "advanced", _("Advanced paper")


class EntrySource(models.TextChoices):
    PAGE = "page", _("the topic page")
    ARXIV = "arxiv", _("an arXiv import")
    PROPOSAL = "proposal", _("an approved proposal")
    ADMIN = "admin", _("the admin")


class EntryQuerySet(models.QuerySet["Entry"]):
    def intro(self) -> EntryQuerySet:
        return self.filter(level=Level.INTRO)

    def advanced(self) -> EntryQuerySet:
        return self.filter(level=Level.ADVANCED)

    def in_category(self, category: Category | int) -> EntryQuerySet:
        return self.filter(categories=category)


class Entry(models.Model):
    """A paper on a topic's reading list, at a level, with its set of the topic's categories."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="entries")
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="entries")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    # A set: DMM is both auxiliary information and auxiliary task.
    # The database refuses a category on an intro entry, or one of another topic (triggers in papers 0003).
    categories = models.ManyToManyField(Category, related_name="entries", blank=True, verbose_name=_("categories"))
    position = models.PositiveIntegerField(_("position"), default=0)
    # Re-importing the page removes only what the page put there.
    source = models.CharField(_("added from"), max_length=16, choices=EntrySource.choices, default=EntrySource.PAGE)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["topic", "level", "position", "id"]
        verbose_name = _("reading-list entry")
        verbose_name_plural = _("reading-list entries")
        constraints = [
            models.UniqueConstraint(fields=["topic", "paper"], name="entry_unique_paper_per_topic"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="entry_level_valid"),
            models.CheckConstraint(condition=Q(source__in=EntrySource.values), name="entry_source_valid"),
        ]
        indexes = [
            # The topic page: a topic's entries in reading-list order.
            models.Index(fields=["topic", "level", "position"], name="entry_topic_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.paper} ({self.get_level_display()})"

    @property
    def is_intro(self) -> bool:
        return self.level == Level.INTRO

    @property
    def category_names(self) -> list[str]:
        """Needs categories prefetched, or costs a query."""
        return [category.name for category in self.categories.all()]

    def clean(self) -> None:
        if self.pk and self.level == Level.INTRO and self.claims.open().exists():
            raise ValidationError(
                _("“%(paper)s” is claimed for a presentation and cannot become an intro paper; release the claim first."),
                code="intro_paper_claimed",
                params={"paper": self.paper.display_name},
            )

    def check_categories(self, categories: Iterable[Category]) -> None:
        """Categories classify advanced papers, and only with the topic's own categories."""
        categories = list(categories)
        if categories and self.level != Level.ADVANCED:
            raise ValidationError(
                _("“%(paper)s” is an intro paper: categories are for advanced papers only."),
                code="intro_paper_category",
                params={"paper": self.paper.display_name if self.paper_id else ""},
            )
        foreign = [category.name for category in categories if category.topic_id != self.topic_id]
        if foreign:
            raise ValidationError(
                _("%(categories)s belong to another topic."), code="foreign_category",
                params={"categories": ", ".join(foreign)},
            )

    def ensure_presentable(self) -> None:
        """The intro rule: an intro paper is never presented."""
        if self.level != Level.ADVANCED:
            raise ValidationError(
                _("“%(paper)s” is an intro paper: reading practice only, it cannot be chosen for a presentation."),
                code="intro_paper",
                params={"paper": self.paper.display_name},
            )


class Material(models.Model):
    """A readable link shown with a topic (a textbook, a course, a repository): never a paper, never claimable."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("link"), max_length=1000, null=True, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    section = models.CharField(_("section"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["topic", "position", "pk"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.CheckConstraint(condition=~Q(url=""), name="material_url_null_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title


# What a list shows of a paper: its names, link and venue (Paper.display_name, Paper.link); the prepared
# queries of the busiest pages read only these.
PAPER_SHOWN_FIELDS = ("id", "arxiv_id", "url", "short_name", "title", "venue", "year")
ENTRY_SHOWN_FIELDS = ("id", "topic_id", "paper_id", "level", "position")  # and of its entry on a list


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
    categories = models.ManyToManyField(Category, blank=True, related_name="+", verbose_name=_("categories"))
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
    def category_names(self) -> list[str]:
        return [category.name for category in self.categories.all()]


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


# Topic pages uploaded on the staff import page, kept between the preview and the admin's confirmation.


class PageUpload(models.Model):
    """One upload of one or more topic pages: previewed, corrected, then imported (or abandoned)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("page upload")
        verbose_name_plural = _("page uploads")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("page_import_preview", kwargs={"pk": self.pk})


class UploadedPage(models.Model):
    upload = models.ForeignKey(PageUpload, on_delete=models.CASCADE, related_name="pages")
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("file"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=64)
    text = models.TextField(_("text"))
    # The admin's corrections (PageChoices), saved with each preview and remembered on the topic on import.
    choices = models.JSONField(_("choices"), default=dict, blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["upload", "position"]
        verbose_name = _("uploaded page")
        verbose_name_plural = _("uploaded pages")
        constraints = [
            models.UniqueConstraint(fields=["upload", "position"], name="uploaded_page_unique_position"),
        ]

    def __str__(self) -> str:
        return self.name
