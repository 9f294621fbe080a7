"""Forms of the preference-round pages. They parse input; the rules stay in students.rounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from papers.models import Entry, Topic
from students.mentor_forms import DateTimeLocalInput, LocalDateTimeField
from students.models import MAX_CHOICES
from students.rounds import RoundRefused

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
NO_PLACE = ""


def choice_label(choice: Topic | Entry) -> str:
    if isinstance(choice, Entry):
        paper = choice.paper
        # "DMM: Disparity-guided…" already names itself; a bare title gets its short name in front.
        return paper.title if paper.title.startswith(paper.display_name) else f"{paper.display_name}: {paper.title}"
    return choice.title


def deadline_field() -> LocalDateTimeField:
    return LocalDateTimeField(
        label=_("Ranking deadline"), widget=DateTimeLocalInput(), input_formats=DATETIME_FORMATS,
        help_text=_("Students change their ranking until then."),
        error_messages={"invalid": _("Enter a date and time such as 2025-06-18 14:30.")},
    )


class RefusalMixin:
    def add_refusal(self, refusal: RoundRefused) -> None:
        self.add_error(None, ValidationError(refusal.messages[0]))


class RoundForm(RefusalMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    deadline = deadline_field()


class DeadlineForm(RefusalMixin, forms.Form):
    deadline = deadline_field()


class RankingForm(RefusalMixin, forms.Form):
    """MAX_CHOICES ordered selects; an empty one is skipped, so "3rd, empty, 5th" ranks two choices 1st and 2nd.

    The selects offer what the round offers; a request may name anything in `candidates` (the topic's
    intro papers too), so that the round's rules, not the form, say why a choice is refused.
    """

    def __init__(
        self, data=None, *, offered: Sequence[Topic | Entry], candidates: Mapping[int, Topic | Entry], initial_ids: Sequence[int] = ()
    ) -> None:
        super().__init__(data, initial={f"choice_{rank}": pk for rank, pk in enumerate(initial_ids, start=1)})
        self.candidates = candidates
        options = [("", _("— no choice —"))] + [(choice.pk, choice_label(choice)) for choice in offered]
        for rank in range(1, MAX_CHOICES + 1):
            self.fields[f"choice_{rank}"] = forms.IntegerField(
                label=_("Choice %(rank)s") % {"rank": rank}, required=False, widget=forms.Select(choices=options),
                error_messages={"invalid": _("Choose from the list.")},
            )

    def clean(self):
        cleaned = super().clean()
        chosen = []
        for rank in range(1, MAX_CHOICES + 1):
            pk = cleaned.get(f"choice_{rank}")
            if pk is None:
                continue
            if pk not in self.candidates:
                self.add_error(f"choice_{rank}", _("Choose from the list."))
                continue
            chosen.append(self.candidates[pk])
        self.choices = chosen
        return cleaned


class MoveForm(RefusalMixin, forms.Form):
    """Which student of the draft goes where: a place the round offers, or none."""

    student = forms.TypedChoiceField(label=_("Student"), coerce=int)
    place = forms.TypedChoiceField(label=_("New place"), coerce=int, empty_value=None, required=False)

    def __init__(self, data=None, *, students: Sequence[tuple[int, str]], places: Sequence[Topic | Entry], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.places = {place.pk: place for place in places}
        self.fields["student"].choices = [("", _("Choose a student"))] + list(students)
        self.fields["place"].choices = [(NO_PLACE, _("No place"))] + [
            (place.pk, choice_label(place)) for place in places
        ]

    def clean_place(self) -> Topic | Entry | None:
        pk = self.cleaned_data["place"]
        return None if pk is None else self.places[pk]
