"""Forms of the mentor pages. They parse input; the rules stay in students.claims and students.schedule."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from papers.models import Category, Entry, Topic
from papers.templatetags.readinglist import local_wall_time
from students import schedule
from students.claims import ClaimRefused
from students.mentors import ALL_CATEGORIES, DEFAULT_INACTIVE_DAYS, GridLevel, StudentFilter, StudentSort


class DashboardFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("Show"), choices=StudentFilter.choices, required=False)
    behind = forms.IntegerField(
        label=_("Behind means fewer intro papers done than"), min_value=0, max_value=999, required=False
    )
    days = forms.IntegerField(label=_("Inactive for at least (days)"), min_value=1, max_value=3650, required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=StudentSort.choices, required=False)

    def __init__(self, data, *, topic: Topic) -> None:
        super().__init__(data)
        self.topic = topic
        self.fields["behind"].widget.attrs["placeholder"] = str(topic.intro_papers_required)
        self.fields["days"].widget.attrs["placeholder"] = str(DEFAULT_INACTIVE_DAYS)

    def choices(self) -> dict:
        """The valid choices, with defaults for what is missing or wrong (the errors are shown beside)."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})

        def pick(name: str, default):
            value = cleaned.get(name)
            return default if value in (None, "") else value

        return {
            "show": pick("show", StudentFilter.ALL),
            "behind": pick("behind", self.topic.intro_papers_required),
            "days": pick("days", DEFAULT_INACTIVE_DAYS),
            "sort": pick("sort", StudentSort.NAME),
        }


class GridFilterForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=GridLevel.choices, required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, data, *, topic: Topic) -> None:
        super().__init__(data)
        self.fields["category"].choices = category_filters(topic)

    def choices(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {"level": cleaned.get("level") or GridLevel.ALL, "category": cleaned.get("category") or ALL_CATEGORIES}


def category_filters(topic: Topic) -> list[tuple[str, str]]:
    """Every category, then each of the topic's categories by its pk."""
    return [(ALL_CATEGORIES, str(_("All categories")))] + [
        (str(category.pk), category.name) for category in topic.categories.order_by("position", "pk")
    ]


class RefusalForm(forms.Form):
    """A form that shows a domain refusal beside the field it is about."""

    refusal_fields: dict[str, str] = {}

    def add_refusal(self, refusal: ClaimRefused) -> bool:
        """True when the refusal is about one of the fields, and is now shown beside it."""
        field = self.refusal_fields.get(refusal.code or "")
        if field is None:
            return False
        self.add_error(field, ValidationError(refusal.messages[0]))
        return True


class ApproveForm(RefusalForm):
    # Empty is allowed here: students.claims refuses it, with its own message, when the topic has categories.
    categories = forms.MultipleChoiceField(
        label=_("Categories of the paper"), widget=forms.CheckboxSelectMultiple, required=False,
        error_messages={"invalid_choice": _("Choose categories of this topic.")},
    )
    refusal_fields = {"no_category": "categories"}

    def __init__(self, *args, categories: list[Category], **kwargs) -> None:
        """`categories`: the topic's, read once for every proposal on the page."""
        super().__init__(*args, **kwargs)
        self.known = {str(category.pk): category for category in categories}
        self.fields["categories"].choices = [(pk, category.name) for pk, category in self.known.items()]

    def clean_categories(self) -> list[Category]:
        return [self.known[pk] for pk in self.cleaned_data["categories"]]


class RejectForm(RefusalForm):
    reason = forms.CharField(
        label=_("Reason the student will read"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        required=False,
    )
    refusal_fields = {"no_reason": "reason"}


class FeedbackForm(RefusalForm):
    body = forms.CharField(
        label=_("Feedback the student will read"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
        required=False, help_text=_("On their reading, their notes or their presentation. Markdown."),
    )
    refusal_fields = {"no_feedback": "body"}


class EntryForm(RefusalForm):
    """Which paper to assign or move a student to; any paper of the topic: the claim rules decide."""

    entry = forms.ModelChoiceField(
        label=_("Paper"), queryset=Entry.objects.none(), empty_label=_("Choose a paper"),
        error_messages={"invalid_choice": _("That paper is not on this topic's list.")},
    )

    def __init__(self, data=None, *, topic: Topic, **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.fields["entry"].queryset = Entry.objects.filter(topic=topic).select_related("paper")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        # isoformat, not strftime: strftime writes year 1 as "1", which no browser reads back.
        if isinstance(value, datetime):
            return value.replace(tzinfo=None).isoformat(timespec="minutes")
        return super().format_value(value)


class LocalDateTimeField(forms.DateTimeField):
    """Read and shown in the current time zone (the programme's, settings.TIME_ZONE), as the browser shows it."""

    def prepare_value(self, value):
        # A stored time too near year 1 or 9999 to move into that zone is shown as stored, to be corrected.
        return local_wall_time(value) if isinstance(value, datetime) else value


class SlotForm(RefusalForm):
    presentation_at = LocalDateTimeField(
        label=_("Date and time"), widget=DateTimeLocalInput(), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time such as 2025-06-18 14:30.")},
    )
    presentation_order = forms.IntegerField(label=_("Order"), min_value=1, max_value=999, required=False)

    def clean_presentation_at(self) -> datetime | None:
        at = self.cleaned_data["presentation_at"]
        schedule.check_presentation_time(at)
        return at


class PresentationForm(RefusalForm):
    presented = forms.BooleanField(label=_("Presented"), required=False)
    score = forms.DecimalField(
        label=_("Score (0–100, optional)"), decimal_places=1, required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": "0.1", "inputmode": "decimal"}),
    )
    presentation_feedback = forms.CharField(
        label=_("Feedback on the presentation"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
        required=False,
    )
    refusal_fields = {"score_range": "score"}


class CalendarForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Length of each talk (minutes)"), min_value=5, max_value=480, required=False,
        widget=forms.NumberInput(attrs={"placeholder": "30"}),
    )


class TopicSettingsForm(forms.ModelForm):
    """How students join the topic and claim its papers (students.watching.settings_changed tells what it frees)."""

    # Small numbers: the columns take 32767, which no topic needs and a typo makes.
    student_capacity = forms.IntegerField(
        label=_("Places for students"), min_value=1, max_value=999, required=False,
        help_text=_("Empty: no limit. Lowering it below the students already in only stops new ones joining."),
    )
    claim_capacity = forms.IntegerField(
        label=_("Students per paper"), min_value=1, max_value=99,
        help_text=_("How many students may present the same advanced paper."),
    )
    intro_papers_required = forms.IntegerField(
        label=_("Intro papers to finish before claiming"), min_value=0, max_value=99,
    )
    claim_deadline = LocalDateTimeField(
        label=_("Claim deadline"), widget=DateTimeLocalInput(), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("After this moment students can no longer claim, release or switch. Empty: no deadline."),
        error_messages={"invalid": _("Enter a date and time such as 2025-06-18 14:30.")},
    )

    class Meta:
        model = Topic
        fields = ["enrollment_mode", "student_capacity", "claim_capacity", "claim_deadline", "intro_papers_required"]
        widgets = {"enrollment_mode": forms.RadioSelect}

    def clean_claim_deadline(self) -> datetime | None:
        at = self.cleaned_data["claim_deadline"]
        if at is not None and not schedule.is_presentation_time(at):
            first, last = schedule.PRESENTATION_YEARS
            raise ValidationError(_("Choose a date between %(first)d and %(last)d.") % {"first": first, "last": last})
        return at
