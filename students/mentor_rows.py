"""The mentor dashboard's student rows and free-paper lists, built in Python, as students.topic_rows builds the topic page's.

A student row is their intro reading (a bar), advanced reading, paper, proposal, presentation and last
activity. Through template tags a row cost some forty lookups, seven numbers localized one by one and
two dates moved to a time zone; 50 rows, and the hundreds of free papers of a long list, are the page's
bulk. So the labels are translated and escaped and the URLs reversed once per request here, and each
row is a few f-strings, each value escaped (_e). The template places `row.html` and each category's
`papers`; the markup is what the template wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from django.template.defaultfilters import timesince_filter
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from papers.models import Entry, Topic
from papers.templatetags.readinglist import local_datetime_text, utc_datetime_text
from readinglist.row_html import RowUrl
from readinglist.row_html import escape as _e
from students.mentors import Coverage, StudentRow
from students.models import ClaimStatus



@dataclass(frozen=True)
class StudentRowRenderer:
    """What every row of one dashboard shares: the topic, and below how many intro papers done a student is behind.

    Every value from the database or a translation goes through _e; the markup around it is this module's.
    """

    topic: Topic
    behind: int

    def rows(self, rows: Iterable[StudentRow]) -> list[StudentRow]:
        """`rows`, each with its `html`."""
        return [replace(row, html=self.html(row)) for row in rows]

    def html(self, row: StudentRow) -> SafeString:
        labels = self._labels
        return mark_safe(  # noqa: S308 - every value in it is escaped
            f'<tr id="student-{row.student_id}"><th scope="row"><a href="{self._student_url(row.student_id)}">'
            f"{_e(row.name)}</a></th>"
            f'<td data-label="{labels["intro"]}">{self._intro(row)}</td>'
            f'<td data-label="{labels["advanced"]}">{row.advanced_done}</td>'
            f'<td data-label="{labels["paper"]}">{self._paper(row)}</td>'
            f'<td data-label="{labels["proposal"]}">{self._proposal(row)}</td>'
            f'<td data-label="{labels["presentation"]}">{self._presentation(row)}</td>'
            f'<td data-label="{labels["activity"]}">{self._activity(row)}</td></tr>\n'
        )

    def _intro(self, row: StudentRow) -> str:
        labels = self._labels
        behind = f' <span class="badge pending">{labels["behind"]}</span>' if row.intro_done < self.behind else ""
        if not row.intro_total:
            return f"—{behind}"
        fill = round(row.intro_percent / 5) * 5  # the bar's width class: fill-0, fill-5 … fill-100 (app.css)
        return (
            f'<div class="progress" role="progressbar" aria-label="{labels["intro_done"]}" aria-valuemin="0" '
            f'aria-valuemax="{row.intro_total}" aria-valuenow="{row.intro_done}"><span class="fill-{fill}"></span></div> '
            f'<span class="progress-text">{row.intro_done} / {row.intro_total}</span>{behind}'
        )

    def _paper(self, row: StudentRow) -> str:
        labels = self._labels
        if (claim := row.claim) is not None:
            paper = claim.entry.paper
            kinds = "".join(f'<span class="badge kind">{_e(name)}</span>' for name in row.categories)
            return (
                f'<a href="{_e(paper.link)}" rel="noopener">{_e(paper.display_name)}</a> {kinds} '
                f'<span class="badge approved">{labels["claimed"]}</span>'
            )
        if row.proposal is not None:
            return '<span class="muted">—</span>'
        return f'<span class="badge taken">{labels["no_paper"]}</span>'

    def _proposal(self, row: StudentRow) -> str:
        if (proposal := row.proposal) is None:
            return '<span class="muted">—</span>'
        return (
            f'<a href="{self._proposals_url}#proposal-{proposal.pk}">{_e(proposal.proposed_paper.display_name)}</a> '
            f'<span class="badge pending">{self._labels["waiting"]}</span>'
        )

    def _presentation(self, row: StudentRow) -> str:
        labels, slot = self._labels, row.slot
        if slot is not None and slot.presentation_at:
            at = slot.presentation_at
            order = f" · #{slot.presentation_order}" if slot.presentation_order else ""
            shown = f'<time datetime="{_e(utc_datetime_text(at))}">{_e(local_datetime_text(at))}</time>{order}'
        elif row.claim is not None:
            shown = f'<span class="muted">{labels["not_scheduled"]}</span>'
        else:
            shown = '<span class="muted">—</span>'
        presented = f' <span class="badge approved">{labels["presented"]}</span>' if slot is not None and slot.presented else ""
        return shown + presented

    def _activity(self, row: StudentRow) -> str:
        if not (seen := row.enrollment.last_activity_at):
            return f'<span class="muted">{self._labels["never"]}</span>'
        # timesince_filter, as {{ seen|timesince }} did: "" for a time it cannot count from.
        ago = self._labels["ago"].replace("%(since)s", _e(timesince_filter(seen)))
        return f'<time datetime="{_e(utc_datetime_text(seen))}" title="{_e(local_datetime_text(seen))}">{ago}</time>'

    @cached_property
    def _labels(self) -> dict[str, str]:
        """Translated once per page, and escaped."""
        labels = {
            "intro": _("Intro papers"), "advanced": _("Advanced read"), "paper": _("Paper"), "proposal": _("Proposal"),
            "presentation": _("Presentation"), "activity": _("Last activity"), "intro_done": _("Intro papers done"),
            "behind": _("Behind"), "no_paper": _("No paper yet"), "waiting": _("Waiting for you"),
            "not_scheduled": _("Not scheduled"), "presented": _("Presented"), "never": _("Never"),
            "claimed": ClaimStatus.ACTIVE.label,  # a row's claim is always an active one (StudentRow.claim)
            # The row's own value goes in later, escaped: a translation keeps the placeholder as it is.
            "ago": _("%(since)s ago"),
        }
        return {key: _e(label) for key, label in labels.items()}

    @cached_property
    def _student_url(self) -> RowUrl:
        return RowUrl.of("mentor_student", self.topic.slug)

    @cached_property
    def _proposals_url(self) -> str:
        return _e(reverse("mentor_proposals", args=[self.topic.slug]))


@dataclass(frozen=True, slots=True)
class FreePapers:
    """One category of the coverage panel: its name ("" for papers in none), its free papers and their list items."""

    label: str
    entries: list[Entry]
    html: SafeString


def free_papers(coverage: Coverage) -> list[FreePapers]:
    """Each category's free papers as `<li>` items; a paper in two categories is written once and shown in both."""
    items: dict[int, str] = {}

    def item(entry: Entry) -> str:
        if (shown := items.get(entry.pk)) is None:
            paper = entry.paper
            shown = items[entry.pk] = f'<li><a href="{_e(paper.link)}" rel="noopener">{_e(paper.display_name)}</a></li>'
        return shown

    return [
        FreePapers(label=label, entries=entries, html=mark_safe("".join(item(entry) for entry in entries)))  # noqa: S308
        for label, entries in coverage.free_by_category
    ]
