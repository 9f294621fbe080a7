"""Errors of the arXiv client.

str(error) is a complete, translated sentence meant for the person who asked
for the import, so views may show it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Beyond this many, a message names the first few ids and counts the rest:
# a batch of a hundred ids is not a readable sentence.
IDS_NAMED_IN_A_MESSAGE = 10
# Pasted junk can be a whole page of text; quote only its start.
QUOTED_TEXT_LENGTH = 60


def describe_ids(ids: Sequence[str]) -> str:
    named = ", ".join(ids[:IDS_NAMED_IN_A_MESSAGE])
    rest = len(ids) - IDS_NAMED_IN_A_MESSAGE
    if rest <= 0:
        return named
    return named + ngettext(" and %(count)d more", " and %(count)d more", rest) % {"count": rest}


def quote_texts(texts: Sequence[str]) -> str:
    return ", ".join(f"“{shorten(text)}”" for text in texts)


def shorten(text: str) -> str:
    if len(text) <= QUOTED_TEXT_LENGTH:
        return text
    return text[: QUOTED_TEXT_LENGTH - 1] + "…"


class ArxivError(Exception):
    """Anything that went wrong asking arXiv; the message is user-facing."""


class InvalidArxivId(ArxivError):
    """Text that is not an arXiv identifier, found before any request."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = tuple(texts)
        quoted = quote_texts(self.texts)
        message = ngettext(
            "%(texts)s is not an arXiv identifier; expected for example 2407.08132, "
            "arXiv:2407.08132v2, https://arxiv.org/abs/2407.08132 or hep-th/9901001.",
            "%(texts)s are not arXiv identifiers; expected for example 2407.08132, "
            "arXiv:2407.08132v2, https://arxiv.org/abs/2407.08132 or hep-th/9901001.",
            len(self.texts),
        ) % {"texts": quoted}
        super().__init__(message)


class InvalidArxivCategory(ArxivError):
    """Text that is not an arXiv category such as cs.LG or hep-th."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = tuple(texts)
        quoted = quote_texts(self.texts)
        message = ngettext(
            "%(texts)s is not an arXiv category; expected for example cs.LG, eess.IV or hep-th.",
            "%(texts)s are not arXiv categories; expected for example cs.LG, eess.IV or hep-th.",
            len(self.texts),
        ) % {"texts": quoted}
        super().__init__(message)


class ArxivApiError(ArxivError):
    """arXiv understood the request and refused it, e.g. a malformed id."""

    def __init__(self, detail: str, ids: Sequence[str] = ()) -> None:
        self.detail = detail
        self.ids = tuple(ids)
        if self.ids:
            message = _("arXiv refused the request for %(ids)s: %(detail)s") % {
                "ids": describe_ids(self.ids),
                "detail": detail,
            }
        else:
            message = _("arXiv refused the request: %(detail)s") % {"detail": detail}
        super().__init__(message)


class ArxivResponseError(ArxivError):
    """arXiv answered with something that is not a readable feed."""

    def __init__(self, reason: str, ids: Sequence[str] = ()) -> None:
        self.reason = reason
        self.ids = tuple(ids)
        if self.ids:
            message = _("arXiv's answer for %(ids)s could not be read (%(reason)s); nothing was imported.") % {
                "ids": describe_ids(self.ids),
                "reason": reason,
            }
        else:
            message = _("arXiv's answer could not be read (%(reason)s).") % {"reason": reason}
        super().__init__(message)


class ArxivUnavailable(ArxivError):
    """arXiv did not answer usefully, even after retrying."""

    def __init__(self, message: str, attempts: int, ids: Sequence[str] = ()) -> None:
        self.attempts = attempts
        self.ids = tuple(ids)
        super().__init__(message)
