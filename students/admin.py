from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from papers.templatetags.readinglist import local_datetime_text
from students import claims
from students.models import Claim, ClaimEvent, ClaimStatus, Enrollment, Feedback, ReadingProgress, StudentProfile


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "role", "joined_at", "last_activity_at"]
    list_filter = ["topic", "role"]
    list_select_related = ["user", "topic"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]


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


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
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
            self.message_user(request, refusal.messages[0], level=messages.ERROR)
            raise _AdminRefusal from refusal

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _AdminRefusal:
            # The refusal was reported with message_user and the transaction rolled back.
            return HttpResponseRedirect(request.get_full_path())

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


class _AdminRefusal(Exception):
    """Unwinds the admin's transaction when a claim rule refuses a change."""


@admin.register(ReadingProgress)
class ReadingProgressAdmin(admin.ModelAdmin):
    list_display = ["student", "entry", "status", "updated_at"]
    list_filter = ["status", "entry__topic"]
    list_select_related = ["student", "entry__paper"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["student", "topic", "author", "created_at"]
    list_select_related = ["student", "topic", "author"]
