from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from papers.models import Category, Entry, Paper, Topic


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    MENTOR = "mentor", _("Mentor")


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def students(self) -> EnrollmentQuerySet:
        return self.filter(role=Role.STUDENT)

    def mentors(self) -> EnrollmentQuerySet:
        return self.filter(role=Role.MENTOR)


class Enrollment(models.Model):
    """Ties a person to a topic, as a student or as a mentor."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STUDENT)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="enrollment_unique_user_per_topic"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="enrollment_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.topic} ({self.get_role_display()})"


class StudentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    student_number = models.CharField(_("student number"), max_length=32, unique=True)
    # Empty until a mail server took this student's set-password email: a roster student left without
    # one (the server was down) is listed on the roster page, to be sent it again.
    invitation_sent_at = models.DateTimeField(_("set-password email sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("student profile")
        verbose_name_plural = _("student profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.student_number})"


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", _("Claimed")
    RELEASED = "released", _("Released")
    PROPOSED = "proposed", _("Proposal pending")
    REJECTED = "rejected", _("Proposal rejected")


# The states that hold a student's one presentation slot in a topic.
OPEN_STATUSES = [ClaimStatus.ACTIVE, ClaimStatus.PROPOSED]


class ClaimQuerySet(models.QuerySet["Claim"]):
    def open(self) -> ClaimQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def active(self) -> ClaimQuerySet:
        return self.filter(status=ClaimStatus.ACTIVE)


class Claim(models.Model):
    """A student's presentation slot: a claimed list paper, or a proposal of their own.

    Claims are never deleted: releasing or rejecting changes the status and
    the history stays in ClaimEvent.
    """

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="claims")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims")
    entry = models.ForeignKey(
        Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", verbose_name=_("paper")
    )
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices)

    proposed_paper = models.ForeignKey(
        Paper, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals",
        verbose_name=_("proposed paper"),
    )
    justification = models.TextField(_("why this paper"), blank=True)
    # The topic's categories the student says their paper belongs to; the mentor decides on approval.
    proposed_categories = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("proposed categories")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)

    presentation_at = models.DateTimeField(_("presentation time"), null=True, blank=True)
    presentation_order = models.PositiveSmallIntegerField(_("order"), null=True, blank=True)
    presented = models.BooleanField(_("presented"), default=False)
    presentation_feedback = models.TextField(_("presentation feedback"), blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            # One slot per student per topic: a claim or a pending proposal.
            models.UniqueConstraint(
                fields=["topic", "student"],
                condition=Q(status__in=OPEN_STATUSES),
                name="claim_one_open_slot_per_student",
            ),
            # A paper proposed by one student cannot be proposed by another at the same time.
            models.UniqueConstraint(
                fields=["topic", "proposed_paper"],
                condition=Q(status=ClaimStatus.PROPOSED),
                name="claim_one_pending_proposal_per_paper",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.ACTIVE) | Q(entry__isnull=False),
                name="claim_active_has_entry",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ClaimStatus.PROPOSED, ClaimStatus.REJECTED])
                | Q(proposed_paper__isnull=False),
                name="claim_proposal_has_paper",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="claim_score_between_0_and_100",
            ),
        ]
        indexes = [
            # The topic page counts open claims per entry.
            models.Index(fields=["entry", "status"], name="claim_entry_status_idx"),
            # The mentor dashboard and the schedule list a topic's claims.
            models.Index(fields=["topic", "status"], name="claim_topic_status_idx"),
        ]

    def __str__(self) -> str:
        paper = self.entry.paper if self.entry_id else self.proposed_paper
        return f"{self.student} → {paper} ({self.get_status_display()})"

    @property
    def paper(self) -> Paper | None:
        if self.entry_id:
            return self.entry.paper
        return self.proposed_paper

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ClaimAction(models.TextChoices):
    CLAIMED = "claimed", _("claimed")
    RELEASED = "released", _("released")
    SWITCHED = "switched", _("switched")
    PROPOSED = "proposed", _("proposed")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    ASSIGNED = "assigned", _("assigned by a mentor")
    MOVED = "moved", _("moved by a mentor")
    SCHEDULED = "scheduled", _("scheduled")
    PRESENTED = "presented", _("marked presented")
    ALLOCATED = "allocated", _("allocated by a round")


class ClaimEvent(models.Model):
    """Who changed a claim, when, and from which state: the audit trail."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=16, choices=ClaimAction.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ClaimStatus.choices)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


class ReadingStatus(models.TextChoices):
    TO_READ = "to_read", _("To read")
    READING = "reading", _("Reading")
    DONE = "done", _("Done")


class ReadingProgress(models.Model):
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="reading")
    status = models.CharField(_("status"), max_length=16, choices=ReadingStatus.choices, default=ReadingStatus.TO_READ)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Markdown. Only you and your mentors see them."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reading progress")
        verbose_name_plural = _("reading progress")
        constraints = [
            models.UniqueConstraint(fields=["student", "entry"], name="reading_unique_student_entry"),
            models.CheckConstraint(condition=Q(status__in=ReadingStatus.values), name="reading_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.entry.paper} · {self.get_status_display()}"


class Feedback(models.Model):
    """A mentor's comment to one student, which that student sees."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="feedback")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_received")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("feedback"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.author} → {self.student}: {self.body[:40]}"


# Preference rounds (students.rounds holds the rules): students rank up to MAX_CHOICES topics of the
# programme, or advanced papers of their topic; after the deadline an optimal allocation
# (students.allocation) makes a draft, which a mentor or admin adjusts and publishes.

# The same number as students.allocation.MAX_RANK (that module stays free of Django).
MAX_CHOICES = 5


class RoundLevel(models.TextChoices):
    TOPICS = "topics", _("Topics of the programme")
    PAPERS = "papers", _("Papers of a topic")


class RoundState(models.TextChoices):
    OPEN = "open", pgettext_lazy("preference round", "Open")
    ALLOCATING = "allocating", pgettext_lazy("preference round", "Allocating")
    DRAFT = "draft", pgettext_lazy("preference round", "Draft")
    PUBLISHED = "published", pgettext_lazy("preference round", "Published")
    CANCELLED = "cancelled", pgettext_lazy("preference round", "Cancelled")


# The rounds that still decide something: at most one of them per topic, and one topic round.
UNFINISHED_ROUND_STATES = [RoundState.OPEN, RoundState.ALLOCATING, RoundState.DRAFT]


class AllocationStage(models.TextChoices):
    """Where the allocation job is, for the progress bar."""

    QUEUED = "queued", pgettext_lazy("allocation", "Waiting for the background worker")
    READING = "reading", pgettext_lazy("allocation", "Reading the rankings")
    SOLVING = "solving", pgettext_lazy("allocation", "Finding the best allocation")
    SAVING = "saving", pgettext_lazy("allocation", "Saving the draft")
    DONE = "done", pgettext_lazy("allocation", "Done")
    FAILED = "failed", pgettext_lazy("allocation", "Failed")


class RoundQuerySet(models.QuerySet["Round"]):
    def unfinished(self) -> RoundQuerySet:
        return self.filter(state__in=UNFINISHED_ROUND_STATES)


class Round(models.Model):
    """One preference round: topics for the whole programme, or the advanced papers of one topic."""

    level = models.CharField(_("what is ranked"), max_length=16, choices=RoundLevel.choices)
    # The topic whose papers are ranked; empty for a round of topics.
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="preference_rounds",
        verbose_name=_("topic"),
    )
    title = models.CharField(_("title"), max_length=200)
    deadline = models.DateTimeField(_("ranking deadline"), help_text=_("Students change their ranking until then."))
    state = models.CharField(_("state"), max_length=16, choices=RoundState.choices, default=RoundState.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    # The allocation job: its stage for the progress bar, its task, why it failed.
    allocation_stage = models.CharField(_("allocation stage"), max_length=16, choices=AllocationStage.choices, blank=True)
    task_result_id = models.CharField(_("background task"), max_length=64, blank=True)
    allocation_error = models.TextField(_("allocation error"), blank=True)
    # When the allocation last started: a run without a task is judged by it (students.task_recovery).
    allocation_started_at = models.DateTimeField(_("allocation started"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("allocated"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("published by"),
    )

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("preference round")
        verbose_name_plural = _("preference rounds")
        constraints = [
            models.CheckConstraint(condition=Q(level__in=RoundLevel.values), name="round_level_valid"),
            models.CheckConstraint(condition=Q(state__in=RoundState.values), name="round_state_valid"),
            models.CheckConstraint(
                condition=Q(allocation_stage__in=[*AllocationStage.values, ""]), name="round_allocation_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(level=RoundLevel.PAPERS, topic__isnull=False) | Q(level=RoundLevel.TOPICS, topic__isnull=True),
                name="round_paper_round_has_topic",
            ),
            models.CheckConstraint(
                condition=~Q(state=RoundState.PUBLISHED) | Q(published_at__isnull=False),
                name="round_published_has_time",
            ),
            # Two rounds deciding the same places at once would each count them free.
            models.UniqueConstraint(
                fields=["topic"], condition=Q(state__in=UNFINISHED_ROUND_STATES), name="round_one_unfinished_per_topic"
            ),
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(level=RoundLevel.TOPICS, state__in=UNFINISHED_ROUND_STATES),
                name="round_one_unfinished_topic_round",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("round_detail", kwargs={"pk": self.pk})

    @property
    def is_paper_round(self) -> bool:
        return self.level == RoundLevel.PAPERS


class Preference(models.Model):
    """One line of a student's ranking: a topic (a round of topics) or an advanced paper (a round of papers)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="preferences")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(_("rank"))
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Intro papers are never ranked: students.rounds refuses them, and a trigger (migration 0005) too.
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    ranked_at = models.DateTimeField(_("ranked"), auto_now=True)

    class Meta:
        ordering = ["round", "student", "rank"]
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")
        constraints = [
            models.UniqueConstraint(fields=["round", "student", "rank"], name="preference_unique_rank"),
            models.UniqueConstraint(
                fields=["round", "student", "topic"], condition=Q(topic__isnull=False), name="preference_unique_topic"
            ),
            models.UniqueConstraint(
                fields=["round", "student", "entry"], condition=Q(entry__isnull=False), name="preference_unique_entry"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=MAX_CHOICES), name="preference_rank_1_to_5"),
            # Which one the round's level asks for is a trigger's to check (a CHECK cannot read the round).
            models.CheckConstraint(
                condition=Q(topic__isnull=False, entry__isnull=True) | Q(topic__isnull=True, entry__isnull=False),
                name="preference_one_choice",
            ),
        ]
        indexes = [
            # How contested each choice is: a round's preferences grouped by choice.
            models.Index(fields=["round", "rank"], name="preference_round_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.student} #{self.rank}: {self.topic or self.entry}"

    @property
    def choice_id(self) -> int:
        return self.topic_id or self.entry_id


class Allocation(models.Model):
    """Where the round puts one student: the draft, then what publication gave.

    A row per student in the allocation; no topic and no entry is "no place". The rows stay after
    publication: they are the record of a round of topics (a round of papers also has the claims'
    history).
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="allocations")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Which of the student's choices the place is; empty for no place, or a place they did not rank.
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("moved by"),
    )
    # Publication: the claim it made (a round of papers), or why a rule refused the place by then.
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    refusal = models.CharField(_("refused because"), max_length=500, blank=True)

    class Meta:
        ordering = ["round", "student"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(fields=["round", "student"], name="allocation_one_place_per_student"),
            models.CheckConstraint(
                condition=Q(topic__isnull=True) | Q(entry__isnull=True), name="allocation_topic_or_entry"
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1, rank__lte=MAX_CHOICES), name="allocation_rank_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(topic__isnull=False) | Q(entry__isnull=False),
                name="allocation_rank_needs_a_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} → {self.topic or self.entry or '-'}"

    @property
    def place_id(self) -> int | None:
        return self.topic_id or self.entry_id


class Watch(models.Model):
    """A person waiting for a taken paper, or a full topic, to free; it never reserves it (students.watching)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, null=True, blank=True, related_name="watches")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, null=True, blank=True, related_name="watches")
    created_at = models.DateTimeField(_("watching since"), auto_now_add=True)
    # When the paper or topic last freed while watched (the student was told then).
    freed_at = models.DateTimeField(_("freed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=True, topic__isnull=False) | Q(entry__isnull=False, topic__isnull=True),
                name="watch_entry_or_topic",
            ),
            models.UniqueConstraint(fields=["user", "entry"], name="watch_once_per_entry"),
            models.UniqueConstraint(fields=["user", "topic"], name="watch_once_per_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.entry or self.topic}"
