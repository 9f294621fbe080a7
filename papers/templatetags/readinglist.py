from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from papers.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str, top_heading: int | None = None) -> SafeString:
    """`{{ notes|markdown:3 }}` renders the notes' biggest heading as an <h3>; `{{ notes|markdown }}` keeps its levels."""
    return render_markdown(text or "", top_heading=None if top_heading is None else int(top_heading))


# Stored times are shown through these helpers, in templates, exports and notes alike: a database
# column happily holds a time near year 1 or 9999, which overflows when moved to another time zone,
# and Django's own date filters then raise. Such a time is shown as stored, with its UTC offset.


@register.filter(name="localdatetime")
def local_datetime_text(moment: datetime | None) -> str:
    """`{{ claim.presentation_at|localdatetime }}`: 2026-12-10 14:30 in the programme's time zone."""
    if not isinstance(moment, datetime):
        return ""
    moved = _moved(moment, timezone.get_current_timezone())
    if moved is None:
        return moment.isoformat(sep=" ", timespec="minutes")
    return moved.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")


@register.filter(name="utcdatetime")
def utc_datetime_text(moment: datetime | None) -> str:
    """`<time datetime="{{ moment|utcdatetime }}">`: 2026-12-10T06:30:00Z, as HTML wants it."""
    if not isinstance(moment, datetime):
        return ""
    moved = _moved(moment, UTC)
    if moved is None:
        return moment.isoformat(timespec="seconds")
    return moved.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def local_wall_time(moment: datetime) -> datetime:
    """The naive wall-clock time of `moment` in the programme's time zone (as stored when it cannot move there)."""
    moved = _moved(moment, timezone.get_current_timezone())
    return (moved or moment).replace(tzinfo=None)


def _moved(moment: datetime, zone) -> datetime | None:
    """`moment` in `zone`, or None when the move overflows; a naive time is taken as already there."""
    if timezone.is_naive(moment):
        return moment
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return None
