"""arXiv identifiers and categories, checked before anything is asked of arXiv.

arXiv answers some malformed ids with an empty result instead of an error,
so an id that cannot exist must be refused here, with a message naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from papers.arxiv.errors import InvalidArxivCategory, InvalidArxivId

# Archives that had identifiers of the form archive/YYMMNNN before April 2007.
OLD_STYLE_ARCHIVES = frozenset(
    {
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
        "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th",
        "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio",
        "quant-ph", "solv-int", "supr-con",
    }
)

# Months counted as year * 12 + month, so that eras compare as plain numbers.
FIRST_OLD_STYLE_MONTH = 1991 * 12 + 8
LAST_OLD_STYLE_MONTH = 2007 * 12 + 3
FIRST_NEW_STYLE_MONTH = 2007 * 12 + 4
LAST_FOUR_DIGIT_MONTH = 2014 * 12 + 12
FIRST_FIVE_DIGIT_MONTH = 2015 * 12 + 1

_ID = (
    r"(?:(?P<yymm>[0-9]{4})\.(?P<number>[0-9]{4,5})"
    r"|(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[a-z]+(?:-[a-z]+)?)?/(?P<old_yymm>[0-9]{4})(?P<old_number>[0-9]{3}))"
    r"(?:v(?P<version>[0-9]+))?"
)
# The subject class of an old-style id (the GT of math.GT/0309136) is not part
# of the identifier: arXiv knows that paper as math/0309136.
_BARE_ID = re.compile(rf"(?:arxiv:)?{_ID}", re.IGNORECASE | re.ASCII)
_ID_IN_URL = re.compile(
    rf"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ID}(?:\.pdf)?/?(?:[?#]\S*)?",
    re.IGNORECASE | re.ASCII,
)
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)?(?:\.[a-z]+(?:-[a-z]+)?)?", re.IGNORECASE | re.ASCII)
_LIST_SEPARATORS = re.compile(r"[\s,]+")


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """The identifier without version, and the version if the text names one."""
    stripped = text.strip()
    match = _BARE_ID.fullmatch(stripped) or _ID_IN_URL.fullmatch(stripped)
    if match is None:
        raise InvalidArxivId([text])
    if match["yymm"]:
        arxiv_id = _new_style_id(match["yymm"], match["number"])
    else:
        arxiv_id = _old_style_id(match["archive"].lower(), match["old_yymm"], match["old_number"])
    version = int(match["version"]) if match["version"] else None
    if arxiv_id is None or version == 0:
        raise InvalidArxivId([text])
    return arxiv_id, version


def normalize_arxiv_id(text: str) -> str:
    """The identifier without version, e.g. "2407.08132" for "arXiv:2407.08132v3"."""
    return parse_arxiv_id(text)[0]


def normalize_id_list(texts: Iterable[str]) -> list[str]:
    """Identifiers without version, first occurrence kept; all invalid ones reported together."""
    ids: dict[str, None] = {}
    invalid: dict[str, None] = {}
    for text in texts:
        try:
            ids[normalize_arxiv_id(text)] = None
        except InvalidArxivId:
            invalid[text.strip()] = None
    if invalid:
        raise InvalidArxivId(list(invalid))
    return list(ids)


def split_id_list(text: str) -> list[str]:
    """Identifiers pasted one per line, or separated by spaces or commas."""
    return normalize_id_list(part for part in _LIST_SEPARATORS.split(text) if part)


def normalize_categories(texts: Iterable[str]) -> list[str]:
    """Categories such as cs.LG, stripped and de-duplicated; all invalid ones reported together."""
    categories: dict[str, None] = {}
    invalid: dict[str, None] = {}
    for text in texts:
        category = text.strip()
        if _CATEGORY.fullmatch(category):
            categories[category] = None
        else:
            invalid[category] = None
    if invalid:
        raise InvalidArxivCategory(list(invalid))
    return list(categories)


def _new_style_id(yymm: str, number: str) -> str | None:
    month = _month_index(yymm, century=2000)
    if month is None or int(number) == 0 or month < FIRST_NEW_STYLE_MONTH:
        return None
    if len(number) == 4 and month > LAST_FOUR_DIGIT_MONTH:
        return None
    if len(number) == 5 and month < FIRST_FIVE_DIGIT_MONTH:
        return None
    return f"{yymm}.{number}"


def _old_style_id(archive: str, yymm: str, number: str) -> str | None:
    century = 1900 if int(yymm[:2]) >= 91 else 2000
    month = _month_index(yymm, century=century)
    if archive not in OLD_STYLE_ARCHIVES or month is None or int(number) == 0:
        return None
    if not FIRST_OLD_STYLE_MONTH <= month <= LAST_OLD_STYLE_MONTH:
        return None
    return f"{archive}/{yymm}{number}"


def _month_index(yymm: str, century: int) -> int | None:
    month = int(yymm[2:])
    if not 1 <= month <= 12:
        return None
    return (century + int(yymm[:2])) * 12 + month
