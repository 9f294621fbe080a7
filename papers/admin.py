from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from papers.models import Entry, Paper, PaperVersion, Topic


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    autocomplete_fields = ["paper"]
    fields = ["paper", "level", "is_auxiliary_information", "is_auxiliary_task", "position"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "claim_capacity", "claim_deadline", "intro_papers_required", "enrollment_code"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [EntryInline]


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
    list_display = ["paper", "topic", "level", "is_auxiliary_information", "is_auxiliary_task", "position"]
    list_filter = ["topic", "level", "is_auxiliary_information", "is_auxiliary_task"]
    list_select_related = ["paper", "topic"]
    search_fields = ["paper__short_name", "paper__title"]
    autocomplete_fields = ["paper"]


@admin.register(PaperVersion)
class PaperVersionAdmin(admin.ModelAdmin):
    list_display = ["paper", "version", "revised_at", "found_at"]
    list_select_related = ["paper"]
    readonly_fields = ["paper", "version", "revised_at", "found_at"]

    def has_add_permission(self, request):
        return False


admin.site.site_header = _("Xinya reading list administration")
admin.site.site_title = _("Xinya reading list")
