"""Staff forms of the arXiv import page; each refuses bad input with a sentence, before anything is queued."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from papers.arxiv import InvalidArxivCategory, InvalidArxivId, build_search_query, normalize_id_list, split_id_list
from papers.arxiv_jobs import ImportTarget
from papers.models import Kind, Level, Topic

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


class TopicChoiceForm(forms.Form):
    topic = forms.ModelChoiceField(queryset=Topic.objects.order_by("slug"), label=_("Topic"), to_field_name="slug")


class ImportForm(TopicChoiceForm):
    arxiv_id = ArxivIdsField()
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, widget=forms.RadioSelect, initial=Level.ADVANCED)
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"), choices=Kind.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("An advanced paper needs at least one kind; an intro paper has none."),
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if {"topic", "level"} <= cleaned.keys():
            self.target = ImportTarget(
                topic=cleaned["topic"], level=cleaned["level"], kinds=frozenset(cleaned.get("kinds", []))
            )
            try:
                self.target.validate()
            except ValidationError as error:
                self.add_error(None, error.messages)
        return cleaned
