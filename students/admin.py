from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from papers.models import Topic
from papers.templatetags.readinglist import local_datetime_text
from students import claims, rounds, tasks, watching
from students.enrollment import remove_from_topic
from students.models import (
    Allocation,
    Claim,
    ClaimEvent,
    ClaimStatus,
    Enrollment,
    Feedback,
    Preference,
    ReadingProgress,
    Round,
    RoundLevel,
    StudentProfile,
)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "role", "joined_at", "last_activity_at"]
    list_filter = ["topic", "role"]
    list_select_related = ["user", "topic"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]

    # Places change: watchers of the topic are told (students.watching), a student's paper is released.
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            topics = Topic.objects.select_for_update().filter(pk__in={obj.topic_id, form.initial.get("topic")} - {None})
            locked = list(topics.order_by("pk"))
            super().save_model(request, obj, form, change)
            for topic in locked:
                watching.topic_changed(topic)

    def delete_model(self, request, obj):
        remove_from_topic(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for enrollment in queryset.select_related("topic", "user"):
            remove_from_topic(enrollment, actor=request.user)


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "student_number"]
    search_fields = ["student_number", "user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "entry", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class ClaimAdminForm(forms.ModelForm):
    """Claims change only through students.claims, so the admin obeys every rule a student does."""

    class Meta:
        model = Claim
        fields = ["topic", "student", "entry", "status"]

    def clean(self):
        cleaned = super().clean()
        status, entry = cleaned.get("status"), cleaned.get("entry")
        if status == ClaimStatus.ACTIVE and entry is None:
            raise ValidationError(_("An active claim needs a paper."))
        if status not in (ClaimStatus.ACTIVE, ClaimStatus.RELEASED):
            raise ValidationError(_("Decide proposals from the mentor pages, not here."))
        if self.instance.pk and not self.instance.is_open:
            # Claims are history: a released one stays released; a new claim assigns the paper again.
            raise ValidationError(_("A released claim cannot be changed: add a new claim to give the student a paper again."))
        return cleaned


class _AdminRefusal(Exception):
    """Unwinds the admin's transaction when a rule refuses a change."""


class RulesAdmin(admin.ModelAdmin):
    """An admin whose saves go through the domain's rules: a refusal is shown as a message and nothing is saved."""

    def refuse(self, request, refusal: ValidationError):
        self.message_user(request, refusal.messages[0], level=messages.ERROR)
        raise _AdminRefusal from refusal

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _AdminRefusal:
            # The refusal was reported with message_user and the transaction rolled back.
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Claim)
class ClaimAdmin(RulesAdmin):
    form = ClaimAdminForm
    list_display = ["student", "topic", "paper_name", "status", "presentation_time", "presented", "updated_at"]
    list_filter = ["topic", "status", "presented"]
    list_select_related = ["student", "topic", "entry__paper", "proposed_paper"]
    search_fields = ["student__username", "student__first_name", "student__last_name", "entry__paper__short_name"]
    autocomplete_fields = ["student"]
    inlines = [ClaimEventInline]
    actions = ["release_selected"]

    @admin.display(description=_("paper"))
    def paper_name(self, claim: Claim) -> str:
        return str(claim.paper or "")

    @admin.display(description=_("presentation time"), ordering="presentation_at")
    def presentation_time(self, claim: Claim) -> str:
        # Django's own display overflows on a time near year 1 or 9999.
        return local_datetime_text(claim.presentation_at) or "-"

    def has_delete_permission(self, request, obj=None):
        return False  # claims are history: release instead

    def has_change_permission(self, request, obj=None):
        # A released or rejected claim is shown, not edited: saving it would change nothing, yet say it had.
        return super().has_change_permission(request, obj) and (obj is None or obj.is_open)

    def get_readonly_fields(self, request, obj=None):
        return ["topic", "student"] if obj else []

    def save_model(self, request, obj, form, change):
        """Route every change through the claim rules: assign, move or release."""
        try:
            if not change:
                obj.pk = claims.claim(obj.student, obj.entry, actor=request.user).pk
            elif obj.status == ClaimStatus.RELEASED and form.initial.get("status") != ClaimStatus.RELEASED:
                claims.release(obj.student, obj.topic, actor=request.user)
            elif obj.entry_id != form.initial.get("entry"):
                obj.pk = claims.switch(obj.student, obj.entry, actor=request.user).pk
        except claims.ClaimRefused as refusal:
            self.refuse(request, refusal)

    @admin.action(description=_("Release the selected claims"))
    def release_selected(self, request, queryset):
        released = 0
        for claim_ in queryset.open().select_related("topic", "student"):
            try:
                claims.release(claim_.student, claim_.topic, actor=request.user)
                released += 1
            except claims.ClaimRefused as refusal:
                self.message_user(request, f"{claim_}: {refusal.messages[0]}", level=messages.ERROR)
        self.message_user(request, _("%(count)d claim(s) released.") % {"count": released})


@admin.register(ReadingProgress)
class ReadingProgressAdmin(admin.ModelAdmin):
    list_display = ["student", "entry", "status", "updated_at"]
    list_filter = ["status", "entry__topic"]
    list_select_related = ["student", "entry__paper"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["student", "topic", "author", "created_at"]
    list_select_related = ["student", "topic", "author"]


# Preference rounds: opened, re-timed, allocated, published and cancelled only through students.rounds.
# Rankings and allocations are shown, never edited here: students rank on their page, managers move
# students on the round's page, where the same rules apply.


class RoundAdminForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["level", "topic", "title", "deadline"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("level") == RoundLevel.PAPERS and cleaned.get("topic") is None:
            raise ValidationError(_("A round of papers needs its topic."))
        if cleaned.get("level") == RoundLevel.TOPICS and cleaned.get("topic") is not None:
            raise ValidationError(_("A round of topics is for the whole programme: leave the topic empty."))
        return cleaned


@admin.register(Round)
class RoundAdmin(RulesAdmin):
    form = RoundAdminForm
    list_display = ["title", "level", "topic", "state", "deadline_text", "created_by"]
    list_filter = ["level", "state"]
    list_select_related = ["topic", "created_by"]
    search_fields = ["title", "topic__title"]
    actions = ["run_allocation", "publish_drafts", "cancel_rounds"]

    @admin.display(description=_("ranking deadline"), ordering="deadline")
    def deadline_text(self, round_: Round) -> str:
        return local_datetime_text(round_.deadline)

    @admin.display(description=_("the round's page"))
    def round_page(self, round_: Round) -> str:
        url = reverse("round_manage", args=[round_.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the round's page"))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["level", "topic", "state", "allocation_stage", "allocation_error", "allocated_at", "published_at",
                "published_by", "created_by", "round_page"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["level", "topic", "title", "deadline"]
        return ["round_page", "level", "topic", "title", "deadline", "state", "allocation_stage", "allocation_error",
                "allocated_at", "published_at", "published_by", "created_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # a round is a record: cancel it instead

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                if obj.level == RoundLevel.TOPICS:
                    opened = rounds.open_topic_round(title=obj.title, deadline=obj.deadline, actor=request.user)
                else:
                    opened = rounds.open_paper_round(obj.topic, title=obj.title, deadline=obj.deadline, actor=request.user)
                obj.pk = opened.pk
                return
            if "deadline" in form.changed_data:
                rounds.set_deadline(obj, obj.deadline, actor=request.user)
            if "title" in form.changed_data:
                Round.objects.filter(pk=obj.pk).update(title=obj.title)
        except rounds.RoundRefused as refusal:
            self.refuse(request, refusal)

    @admin.action(description=_("Run the allocation of the selected rounds"))
    def run_allocation(self, request, queryset):
        self._each(request, queryset, self._allocate, _("%(count)d round(s) allocated or queued."))

    def _allocate(self, request, round_: Round) -> None:
        round_ = rounds.start_allocation(round_, actor=request.user)
        if rounds.runs_at_once(round_):
            rounds.run_allocation(round_.pk)
        else:
            tasks.enqueue_allocation(round_)

    @admin.action(description=_("Publish the drafts of the selected rounds"))
    def publish_drafts(self, request, queryset):
        self._each(request, queryset, lambda request, round_: rounds.publish(round_, actor=request.user),
                   _("%(count)d round(s) published."))

    @admin.action(description=_("Cancel the selected rounds"))
    def cancel_rounds(self, request, queryset):
        self._each(request, queryset, lambda request, round_: rounds.cancel(round_, actor=request.user),
                   _("%(count)d round(s) cancelled."))

    def _each(self, request, queryset, act, done_message) -> None:
        done = 0
        for round_ in queryset.select_related("topic"):
            try:
                act(request, round_)
                done += 1
            except rounds.RoundRefused as refusal:
                self.message_user(request, f"{round_}: {refusal.messages[0]}", level=messages.ERROR)
        self.message_user(request, done_message % {"count": done})


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(_ReadOnlyAdmin):
    list_display = ["round", "student", "rank", "topic", "entry", "ranked_at"]
    list_filter = ["round"]
    list_select_related = ["round", "student", "topic", "entry__paper"]
    search_fields = ["student__username", "student__first_name", "student__last_name"]


@admin.register(Allocation)
class AllocationAdmin(_ReadOnlyAdmin):
    list_display = ["round", "student", "topic", "entry", "rank", "moved_by", "refusal"]
    list_filter = ["round"]
    list_select_related = ["round", "student", "topic", "entry__paper", "moved_by"]
    search_fields = ["student__username", "student__first_name", "student__last_name"]
