"""Staff forms of the arXiv import page and of the topic-page import; each refuses bad input with a sentence, before anything is written."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from papers.arxiv import InvalidArxivCategory, InvalidArxivId, build_search_query, normalize_id_list, split_id_list
from papers.arxiv_jobs import ImportTarget
from papers.models import Category, Level, Topic
from papers.page_reader import PageChoices, SectionRole

SEARCH_PAGE_SIZE = 25
# arXiv serves at most 30000 results of one query, whatever the paging.
LAST_SEARCH_PAGE = 30000 // SEARCH_PAGE_SIZE


class IdsForm(forms.Form):
    ids = forms.CharField(
        label=_("arXiv identifiers or links"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("One or many, separated by spaces, commas or new lines: 2407.08132, arXiv:2407.08132v2, "
                    "https://arxiv.org/abs/2407.08132 or hep-th/9901001."),
    )

    def clean_ids(self) -> list[str]:
        try:
            ids = split_id_list(self.cleaned_data["ids"])
        except InvalidArxivId as error:
            raise ValidationError(str(error), code="invalid_id") from None
        if not ids:
            raise ValidationError(_("Give at least one arXiv identifier."), code="no_ids")
        return ids


class SearchForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    author = forms.CharField(label=_("Author"), required=False, max_length=200)
    category = forms.CharField(label=_("Category"), required=False, max_length=40, help_text=_("For example cs.CV."))
    text = forms.CharField(label=_("Any field"), required=False, max_length=300)
    page = forms.IntegerField(required=False, min_value=1, max_value=LAST_SEARCH_PAGE, widget=forms.HiddenInput)

    def clean(self) -> dict:
        cleaned = super().clean()
        try:
            self.query = build_search_query(
                title=cleaned.get("title"), author=cleaned.get("author"),
                category=cleaned.get("category"), text=cleaned.get("text"),
            )
        except InvalidArxivCategory as error:
            self.add_error("category", str(error))
        except ValueError as error:
            raise ValidationError(str(error), code="empty_search") from None
        return cleaned

    @property
    def start(self) -> int:
        return ((self.cleaned_data.get("page") or 1) - 1) * SEARCH_PAGE_SIZE


class ArxivIdsField(forms.Field):
    """The ids ticked in the preview table: several values of one name."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Tick at least one paper to import.")}

    def to_python(self, value: list[str] | None) -> list[str]:
        try:
            return normalize_id_list(value or [])
        except InvalidArxivId as error:
            raise ValidationError(str(error), code="invalid_id") from None


# The ids a database can hold: a larger number in a crafted request is no choice at all.
_LARGEST_ID = 2**63 - 1


class CategoriesField(forms.ModelMultipleChoiceField):
    """A topic's categories by id; an id no database could hold is an invalid choice, not an overflow."""

    def _check_values(self, value):
        for pk in value if isinstance(value, (list, tuple)) else [value]:
            text = str(pk).strip()
            if text.lstrip("-").isdigit() and not -_LARGEST_ID <= int(text) <= _LARGEST_ID:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text})
        return super()._check_values(value)


class TopicChoiceForm(forms.Form):
    topic = forms.ModelChoiceField(queryset=Topic.objects.order_by("slug"), label=_("Topic"), to_field_name="slug")


class ImportForm(TopicChoiceForm):
    arxiv_id = ArxivIdsField()
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, widget=forms.RadioSelect, initial=Level.ADVANCED)
    categories = CategoriesField(
        label=_("Categories"), queryset=Category.objects.none(), widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("The topic's own categories, for advanced papers; an intro paper has none."),
        error_messages={"invalid_choice": _("Choose categories of the chosen topic.")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = categories_of(self.chosen_topic_slug())
        # With htmx, choosing another topic shows that topic's categories at once.
        self.fields["topic"].widget.attrs.update(
            {"hx-get": reverse_lazy("arxiv_import"), "hx-target": "#import-categories", "hx-swap": "outerHTML"}
        )

    def chosen_topic_slug(self) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix("topic")) or "")
        topic = self.initial.get("topic")
        return topic.slug if isinstance(topic, Topic) else str(topic or "")

    def clean(self) -> dict:
        cleaned = super().clean()
        if {"topic", "level"} <= cleaned.keys():
            self.target = ImportTarget(
                topic=cleaned["topic"], level=cleaned["level"], categories=tuple(cleaned.get("categories") or ())
            )
            try:
                self.target.validate()
            except ValidationError as error:
                self.add_error(None, error.messages)
        return cleaned


def categories_of(topic_slug: str):
    return Category.objects.filter(topic__slug=topic_slug).order_by("position", "pk") if topic_slug else Category.objects.none()


# The staff page that imports topic pages.

MAX_PAGES_PER_UPLOAD = 100


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PageFilesField(forms.FileField):
    """Several files; an empty one passes here, to be named with the others that cannot be read."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, allow_empty_file=True, **kwargs)

    def clean(self, data, initial=None):
        files = [file for file in (data if isinstance(data, (list, tuple)) else [data]) if file]
        if not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return [super(PageFilesField, self).clean(file, initial) for file in files]


class PageUploadForm(forms.Form):
    files = PageFilesField(
        label=_("Topic pages"),
        help_text=_("One or more Markdown pages of the site (content/sprouts/*.md), or JSON exports; up to 5 MB each."),
        error_messages={"required": _("Choose at least one page to upload.")},
    )

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        if len(files) > MAX_PAGES_PER_UPLOAD:
            raise ValidationError(
                _("%(count)d files is more than one upload takes (%(max)d).") % {"count": len(files), "max": MAX_PAGES_PER_UPLOAD}
            )
        return files


class PageChoicesForm(forms.Form):
    """The admin's corrections to one page's reading: a role per section, a name per category."""

    def __init__(self, data=None, *, preview, prefix: str) -> None:
        super().__init__(data, prefix=prefix)
        self.preview = preview
        page = preview.page
        self.sections = list(page.sections) if page else []
        # Not required: a choice the request leaves out keeps its current value.
        for index, section in enumerate(self.sections):
            self.fields[f"role_{index}"] = forms.ChoiceField(
                label=section.heading or _("(untitled)"), choices=SectionRole.choices, initial=section.role, required=False,
            )
        renamed = dict(zip(preview.original_categories, page.categories, strict=False)) if page else {}
        self.originals = list(preview.original_categories)
        for index, original in enumerate(self.originals):
            self.fields[f"category_{index}"] = forms.CharField(
                label=original, max_length=100, initial=renamed.get(original, original), required=False,
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        for name, field in self.fields.items():
            if self.add_prefix(name) not in self.data:
                cleaned[name] = self.get_initial_for_field(field, name)
            elif name.startswith("category_") and not (cleaned.get(name) or "").strip():
                self.add_error(name, _("A category needs a name."))
            elif name.startswith("role_") and not cleaned.get(name):
                cleaned[name] = self.get_initial_for_field(field, name)
        return cleaned

    def role_fields(self) -> list:
        return [(section, self[f"role_{index}"]) for index, section in enumerate(self.sections)]

    def category_fields(self) -> list:
        return [self[f"category_{index}"] for index in range(len(self.originals))]

    def choices(self) -> PageChoices:
        """Needs is_valid(): only what differs from the reader's own guess is remembered."""
        roles = {
            section.key: self.cleaned_data[f"role_{index}"]
            for index, section in enumerate(self.sections)
            if self.cleaned_data[f"role_{index}"] != section.guessed_role
        }
        categories = {
            original: self.cleaned_data[f"category_{index}"].strip()
            for index, original in enumerate(self.originals)
            if self.cleaned_data[f"category_{index}"].strip() != original
        }
        return PageChoices(roles=roles, categories=categories)
