"""The topic page's paper rows, built in Python, as Django's admin builds its changelist cells.

A row is the paper (name, title, venue, categories, link) and what this person may do with it
(a reading status, and claim, switch, release, watch or nothing, as students.claims.RowState says).
Through template tags a row cost some forty nodes; a list of papers is the page's bulk, so the
labels are translated and escaped and the URLs reversed once per request here, and each row is a
few f-strings, each value escaped (_e). The template places `row.html`; the markup is the same
whichever list or answer shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from papers.models import Topic
from readinglist.row_html import RowUrl
from readinglist.row_html import escape as _e
from students.claims import PaperRow, RowState

STATUSES = ("to_read", "reading", "done")


@dataclass(frozen=True)
class RowRenderer:
    """What every row of one page shares: the person, the topic, the category shown, and whether rows swap out of band.

    Every value from the database or a translation goes through _e; the markup around it is this module's.
    """

    topic: Topic
    is_student: bool
    category: str = ""
    oob: bool = False

    def rows(self, rows: Iterable[PaperRow]) -> list[PaperRow]:
        """`rows`, each with its `html`."""
        return [replace(row, html=self.html(row)) for row in rows]

    def html(self, row: PaperRow) -> SafeString:
        entry = row.entry
        name = _e(entry.paper.display_name)
        oob = ' hx-swap-oob="true"' if self.oob else ""
        return mark_safe(
            f'<li class="paper state-{row.state}" id="entry-{entry.pk}"{oob}><div class="paper-text">{self._text(row, name)}</div>'
            f'<div class="paper-action">{self._status(row, name)}{self._action(row, name)}</div></li>'
        )

    # The paper

    def _text(self, row: PaperRow, name: str) -> str:
        entry, paper = row.entry, row.entry.paper
        title = f'<span class="paper-title">{_e(paper.title)}</span>' if paper.short_name else ""
        venue = _e(f"{paper.venue} {paper.year}" if paper.year else paper.venue)
        categories = "" if entry.is_intro else "".join(
            f'<span class="badge kind">{_e(name)}</span>' for name in entry.shown_categories
        )
        source = "arXiv" if paper.arxiv_id else self._labels["link"] if paper.url else self._labels["search"]
        return (
            f'<a class="paper-name" href="{self._url("detail", entry.pk)}">{name}</a>{title}<span class="paper-meta">'
            f'<span class="paper-venue">{venue}</span>{categories}<a class="paper-link" href="{_e(paper.link)}" rel="noopener">'
            f'{source}<span class="visually-hidden"> {name}</span></a></span>'
        )

    # The reading status: one select per row, posted alone with htmx, all together without (form="reading").

    def _status(self, row: PaperRow, name: str) -> str:
        if not self.is_student:
            return ""
        pk = row.entry.pk
        status = row.progress.status if row.progress and row.progress.status in STATUSES else "to_read"
        label = self._labels["status_of"].replace("%(paper)s", name)
        return (
            f'<label for="status-{pk}" class="visually-hidden">{label}</label><select name="status-{pk}" id="status-{pk}" '
            f'form="reading" class="status-select status-{status}" hx-post="{self._reading_url}">{self._options[status]}</select>'
        )

    @cached_property
    def _options(self) -> dict[str, str]:
        labels = {"to_read": _("To read"), "reading": _("Reading"), "done": _("Done")}
        return {
            chosen: "".join(
                f'<option value="{value}"{" selected" if value == chosen else ""}>{_e(label)}</option>'
                for value, label in labels.items()
            )
            for chosen in STATUSES
        }

    # What the person may do with the paper

    def _action(self, row: PaperRow, name: str) -> str:
        pk, labels = row.entry.pk, self._labels
        hidden_name = f'<span class="visually-hidden"> {name}</span>'
        if row.state == RowState.INTRO:
            return f'<span class="badge muted">{labels["practice"]}</span>'
        if row.state == RowState.MINE:
            # Without JavaScript the button asks on a page of its own; with htmx, hx-confirm asks and the POST carries the CSRF header.
            category = f'<input type="hidden" name="category" value="{_e(self.category)}">' if self.category else ""
            return (
                f'<span class="badge yours">{labels["yours"]}</span><form method="get" action="{self._release_url}" '
                f'hx-post="{self._release_url}" hx-swap="none" hx-confirm="{labels["confirm_release"]}">{category}'
                f'<button type="submit" class="button danger" id="action-{pk}">{labels["release"]}{hidden_name}</button></form>'
            )
        if row.state == RowState.FULL:
            watch = ""
            if row.watchable:
                kind = "unwatch" if row.watched else "watch"
                watch = self._button(self._url(kind, pk), "button", pk, labels[kind], hidden_name)
            return f'<span class="badge taken">{labels["taken"]}</span>{watch}'
        if self.topic.claim_capacity > 1:
            left = labels["places_left"].replace("%(left)s", str(row.places_left))
            places = f'<span class="places">{left}</span>'
        else:
            places = f'<span class="badge free">{labels["free"]}</span>'
        if row.state not in (RowState.CLAIMABLE, RowState.SWITCHABLE):
            return places
        # "holding" on the slot panel shows one label or the other (app.css), so a claim elsewhere changes no row.
        label = f'<span class="if-free">{labels["claim"]}</span><span class="if-holding">{labels["switch"]}</span>'
        return places + self._button(self._url("claim", pk), "button primary", pk, label, hidden_name)

    @staticmethod
    def _button(url: str, classes: str, pk: int, label: str, hidden_name: str) -> str:
        """A button of the page's one action form: each row's names its own URL."""
        return (
            f'<button type="submit" form="paper-actions" formaction="{url}" class="{classes}" id="action-{pk}">'
            f"{label}{hidden_name}</button>"
        )

    @cached_property
    def _labels(self) -> dict[str, str]:
        """Translated once per page, and escaped."""
        labels = {
            "link": _("Link"), "search": _("Search for it"), "practice": _("Reading practice only"), "yours": _("Yours"),
            "confirm_release": _("Release this paper? Another student may claim it."), "release": _("Release"),
            "taken": _("Taken"), "watch": _("Watch"), "unwatch": _("Stop watching"), "free": _("Free"),
            "claim": _("Claim"), "switch": _("Switch to this"),
            # The row's own values go in later, escaped: a translation keeps the placeholders as they are.
            "status_of": _("Reading status of %(paper)s"),
            "places_left": _("%(left)s of %(total)s places left").replace("%(total)s", str(self.topic.claim_capacity)),
        }
        return {key: _e(label) for key, label in labels.items()}

    # URLs: reversed once with a placeholder, then filled in per row.

    @cached_property
    def _patterns(self) -> dict[str, RowUrl]:
        names = {"detail": "paper_detail", "claim": "claim_paper", "watch": "watch_paper", "unwatch": "unwatch_paper"}
        return {kind: RowUrl.of(name, self.topic.slug) for kind, name in names.items()}

    def _url(self, kind: str, pk: int) -> str:
        return self._patterns[kind](pk)

    @cached_property
    def _release_url(self) -> str:
        return _e(reverse("release_paper", args=[self.topic.slug]))

    @cached_property
    def _reading_url(self) -> str:
        return _e(reverse("update_reading", args=[self.topic.slug]))
