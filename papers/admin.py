from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from papers.models import Category, Entry, EntrySource, Material, Paper, PaperVersion, Programme, Topic


class EntryAdminForm(forms.ModelForm):
    """The reading list's own rule for categories (Entry.check_categories), checked before anything is saved."""

    class Meta:
        model = Entry
        fields = ["topic", "paper", "level", "categories", "position"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "categories" in self.fields:
            topic_id = self.instance.topic_id or self.initial.get("topic") or self.data.get(self.add_prefix("topic"))
            self.fields["categories"].queryset = Category.objects.filter(topic_id=topic_id or None)

    def clean(self) -> dict:
        cleaned = super().clean()
        entry = Entry(topic=cleaned.get("topic") or getattr(self.instance, "topic", None),
                      paper=cleaned.get("paper"), level=cleaned.get("level"))
        try:
            entry.check_categories(cleaned.get("categories") or [])
        except ValidationError as error:
            self.add_error("categories", error)
        return cleaned


class EntryInline(admin.TabularInline):
    model = Entry
    form = EntryAdminForm
    extra = 0
    autocomplete_fields = ["paper"]
    fields = ["paper", "level", "categories", "position"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["categories"].queryset = Category.objects.filter(topic=obj) if obj else Category.objects.none()
        return formset


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["name", "position"]


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["title", "url", "note", "section", "position"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = [
        "title", "number", "slug", "enrollment_mode", "student_capacity", "claim_capacity", "claim_deadline",
        "intro_papers_required", "enrollment_code",
    ]
    list_filter = ["enrollment_mode"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["source_name", "import_choices"]
    inlines = [CategoryInline, EntryInline, MaterialInline]

    def save_model(self, request, obj, form, change):
        # New places (for students, or per paper) are told to those watching (students.watching).
        from students import watching  # noqa: PLC0415 - students depends on papers, not the other way round

        with transaction.atomic():
            before = Topic.objects.select_for_update().filter(pk=obj.pk).first() if change else None
            super().save_model(request, obj, form, change)
            if before is not None:
                watching.places_changed(obj, before)

    def save_formset(self, request, form, formset, change):
        # Entries typed into the admin are the admin's: re-importing the page leaves them alone.
        if formset.model is Entry:
            for entry_form in formset.forms:
                if not entry_form.instance.pk:
                    entry_form.instance.source = EntrySource.ADMIN
        super().save_formset(request, form, formset, change)
        Topic.list_changed(form.instance.pk)


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    """The programme's one settings row: always there to change, never added or deleted."""

    list_display = ["__str__", "topics_per_student"]

    def changelist_view(self, request, extra_context=None):
        Programme.current()  # the row is made on first use; the list always shows it
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["display_name", "title", "venue", "year", "arxiv_id", "arxiv_version"]
    list_filter = ["venue", "year"]
    search_fields = ["short_name", "title", "arxiv_id", "url"]

    def save_model(self, request, obj, form, change):
        # Hand edits win over any later arXiv refresh or page re-import.
        if change:
            obj.edited_fields = sorted(set(obj.edited_fields) | set(form.changed_data) - {"edited_fields"})
        super().save_model(request, obj, form, change)


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    form = EntryAdminForm
    list_display = ["paper", "topic", "level", "position", "source"]
    list_filter = ["topic", "level", "source"]
    list_select_related = ["paper", "topic"]
    search_fields = ["paper__short_name", "paper__title"]
    autocomplete_fields = ["paper"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.source = EntrySource.ADMIN
        super().save_model(request, obj, form, change)
        Topic.list_changed(obj.topic_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        Topic.list_changed(obj.topic_id)


@admin.register(PaperVersion)
class PaperVersionAdmin(admin.ModelAdmin):
    list_display = ["paper", "version", "revised_at", "found_at"]
    list_select_related = ["paper"]
    readonly_fields = ["paper", "version", "revised_at", "found_at"]

    def has_add_permission(self, request):
        return False


admin.site.site_header = _("Xinya reading list administration")
admin.site.site_title = _("Xinya reading list")


# arXiv import (the staff pages at /arxiv/import/ start and follow the jobs).

from papers.models import ArxivMatch, ImportJob, ImportJobItem, RecentPaper  # noqa: E402


class ImportJobItemInline(admin.TabularInline):
    model = ImportJobItem
    extra = 0
    fields = ["position", "arxiv_id", "paper", "outcome", "added_to_topic", "new_version", "reason", "done_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "topic", "status", "created_by", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["topic", "created_by"]
    readonly_fields = [field.name for field in ImportJob._meta.fields]
    inlines = [ImportJobItemInline]

    def has_add_permission(self, request):
        return False


@admin.register(ArxivMatch)
class ArxivMatchAdmin(admin.ModelAdmin):
    list_display = ["paper", "arxiv_id", "title", "status", "found_at", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["paper", "decided_by"]
    search_fields = ["paper__title", "arxiv_id", "title"]
    # Decisions go through the matches page, which checks the catalogue's identifiers.
    readonly_fields = [field.name for field in ArxivMatch._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RecentPaper)
class RecentPaperAdmin(admin.ModelAdmin):
    list_display = ["arxiv_id", "title", "topic", "announce_type", "published", "fetched_at"]
    list_filter = ["topic", "announce_type", "published"]
    list_select_related = ["topic"]
    search_fields = ["arxiv_id", "title"]
