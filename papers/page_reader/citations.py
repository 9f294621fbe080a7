"""Venue and year as mentors write them, and the title of a citation written as a sentence.

`(CVPR 2023)`, `（CVPR 2023）`, `(2022-ECCV)`, `(2024 arxiv)`, `(CVPR2022)`, `(ECCV24)`, `(ICLR 2021` missing its
`)`, `(ICDAR 2019 / IJDAR 2021)`, `（Digital Signal Processing 2023）`, `, CVPR 2020.`; and the citation styles
`Authors. Title. Venue, Year.`, `A. B, "Title," in Venue, Year.` and GB/T 7714 `作者. 题名[J]. 刊名, 2020.`
Every pattern is anchored and bounded: they run on short spans only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from papers.page_reader.text import SENTENCE_PUNCTUATION, collapse_spaces, has_cjk, latin_words, strip_separators

EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_MAX_PARENTHETICAL = 120

_VENUE_FIRST = re.compile(
    r"^(?P<venue>[^()（）\d]{1,60}?)[\s,，'’\-–]*(?P<year>\d{4})(?!\d)(?P<tail>.{0,80})$"
)
_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})(?!\d)[\s\-–_,，]*(?P<venue>[A-Za-z\u4e00-\u9fff][^()（）\d]{0,40})$")
_SHORT_YEAR = re.compile(r"^(?P<venue>[A-Za-z][A-Za-z\-]{1,15})\s?['’]?(?P<year>\d{2})$")
_YEAR_ONLY = re.compile(r"^(?P<year>\d{4})\s*年?$")
_TRUNCATED_YEAR = re.compile(r"^(?P<venue>[A-Za-z][A-Za-z\-]{1,15})\s+(?:19|20)\d$")
_ARXIV_NUMBER = re.compile(r"^(?P<venue>arxiv)[:\s]*\d{4}\.\d{4,5}(?:v\d+)?$", re.IGNORECASE)
_ACCEPTED_TAIL = re.compile(
    r"^(?:oral|spotlight|poster|workshops?|findings|highlight|accepted|best (?:student )?paper.{0,30}"
    r"|outstanding (?:student )?paper.{0,30}|distinguished paper.{0,30}|honou?rable mention|main|long|short"
    r"|口头报告|亮点|最佳论文|杰出论文)\b",
    re.IGNORECASE,
)
_SECOND_VENUE = re.compile(r"^\s*[/／,，;；、&]")
# Venues known well enough to be read alone, without a year: "(CVPR)".
KNOWN_VENUES = frozenset(
    name.casefold()
    for name in (
        "CVPR ICCV ECCV NeurIPS NIPS ICLR ICML AAAI IJCAI ACL EMNLP NAACL COLING KDD WWW SIGIR SIGGRAPH MICCAI "
        "ICRA IROS RSS CoRL WACV BMVC ACCV ICASSP Interspeech MM ACMMM TPAMI PAMI TIP IJCV TMM TCSVT TGRS TNNLS "
        "JMLR TOG TVCG TIFS TKDE TAES GRSL PR arXiv CoRR ICDAR IJDAR ECAI UAI AISTATS COLT CVPRW ICCVW ECCVW "
        "Nature Science PNAS IJRR TRO RAL"
    ).split()
)


@dataclass(frozen=True, slots=True)
class VenueYear:
    venue: str
    year: int | None
    start: int = 0  # the span it was read from, in the text it was found in
    end: int = 0
    year_out_of_range: str = ""  # a four-digit "year" outside 1900-2100, for a warning


def read_venue(content: str) -> VenueYear | None:
    """The venue and year inside a parenthetical ("CVPR 2023", "2022-ECCV", "ECCV24"), or None for other text."""
    content = collapse_spaces(content)
    if not content or len(content) > _MAX_PARENTHETICAL:
        return None
    if match := _ARXIV_NUMBER.match(content):
        return VenueYear(match["venue"], None)
    if match := _YEAR_ONLY.match(content):
        return _with_year("", match["year"])
    if (match := _SHORT_YEAR.match(content)) and _is_acronym(match["venue"]):
        two_digits = int(match["year"])
        return VenueYear(match["venue"], 2000 + two_digits if two_digits <= 79 else 1900 + two_digits)
    if (match := _TRUNCATED_YEAR.match(content)) and _is_acronym(match["venue"]):
        return VenueYear(match["venue"], None)
    if (match := _YEAR_FIRST.match(content)) and _is_venue_name(match["venue"]):
        return _plausible(_with_year(match["venue"], match["year"]))
    if (match := _VENUE_FIRST.match(content)) and _is_venue_name(match["venue"]) and _tail_is_harmless(match["tail"]):
        return _plausible(_with_year(match["venue"], match["year"]))
    if content.casefold() in KNOWN_VENUES:
        return VenueYear(content, None)
    return None


def _is_acronym(text: str) -> bool:
    return text.casefold() in KNOWN_VENUES or (text.isupper() and len(text) >= 2)


def _plausible(venue: VenueYear) -> VenueYear | None:
    """"(CVPR 2301)" is a venue with a mistyped year; "(Stars 3300)" is not a venue at all."""
    if venue.year_out_of_range and not all(_is_acronym(word) for word in venue.venue.split() or ["?"]):
        return None
    return venue


def _with_year(venue: str, digits: str) -> VenueYear:
    year = int(digits)
    venue = strip_separators(venue)
    if EARLIEST_YEAR <= year <= LATEST_YEAR:
        return VenueYear(venue, year)
    return VenueYear(venue, None, year_out_of_range=digits)


def _is_venue_name(text: str) -> bool:
    text = strip_separators(text)
    if not text or any(char in SENTENCE_PUNCTUATION or char in "|｜“”\"《》" for char in text):
        return False
    if has_cjk(text):
        return len(text) <= 16
    words = text.split()
    return 0 < len(words) <= 6 and ":" not in text and any(char.isalpha() for char in text)


def _tail_is_harmless(tail: str) -> bool:
    """After the year: nothing, a label such as "Oral", a second venue, or text glued to it by a copy error."""
    if not tail.strip():
        return True
    if _SECOND_VENUE.match(tail) or _ACCEPTED_TAIL.match(tail.strip()):
        return True
    return not tail[0].isspace() and tail[0].isalpha()


@dataclass(frozen=True, slots=True)
class Parenthetical:
    start: int
    end: int
    content: str


def parentheticals(text: str) -> list[Parenthetical]:
    """`(...)`, `（...）`, `[...]` and `【...】` spans of a line, the last one allowed to run to the end unclosed."""
    found: list[Parenthetical] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char not in "(（[【":
            index += 1
            continue
        closers = ")）" if char in "(（" else "]】"
        end = _find_any(text, closers, index + 1, index + 1 + _MAX_PARENTHETICAL)
        if end == -1:
            rest = text[index + 1 :]
            if char in "(（" and len(rest) <= 40 and not any(c in "(（)）" for c in rest):
                found.append(Parenthetical(index, length, rest))  # "(ICLR 2021" whose ")" was lost
                break
            index += 1
            continue
        found.append(Parenthetical(index, end + 1, text[index + 1 : end]))
        index = end + 1
    return found


def _find_any(text: str, chars: str, start: int, stop: int) -> int:
    positions = [position for char in chars if (position := text.find(char, start, stop)) != -1]
    return min(positions) if positions else -1


def venues_in(text: str) -> list[VenueYear]:
    """Every parenthetical of the text that reads as a venue and year, with its span."""
    found = []
    for span in parentheticals(text):
        venue = read_venue(span.content)
        if venue is not None:
            found.append(VenueYear(venue.venue, venue.year, span.start, span.end, venue.year_out_of_range))
    return found


_TRAILING_VENUE = re.compile(
    r"(?:^|[\s,，.;；(（\-–])(?:in\s+)?(?:proc(?:eedings)?\.?\s+(?:of\s+)?(?:the\s+)?)?"
    r"(?P<venue>[A-Za-z][A-Za-z&\-]{1,20}(?: [A-Za-z][A-Za-z&\-]{1,20}){0,3})[\s,，'’]*(?P<year>\d{4})[.。)）]?\s*$",
    re.IGNORECASE,
)


def trailing_venue(text: str) -> VenueYear | None:
    """A venue and year ending the text without parentheses: "..., CVPR 2020." or "... In NeurIPS, 2017"."""
    tail_start = max(0, len(text) - 100)
    match = _TRAILING_VENUE.search(text, tail_start)
    if match is None or not _looks_like_venue_acronym(match["venue"]):
        return None
    venue = _with_year(match["venue"], match["year"])
    return VenueYear(venue.venue, venue.year, match.start(), match.end(), venue.year_out_of_range)


def _looks_like_venue_acronym(text: str) -> bool:
    """"CVPR", "NeurIPS", "ACM MM", "IEEE TPAMI", "arXiv": every word known or carrying two capitals."""
    words = text.split()
    return bool(words) and all(
        word.casefold() in KNOWN_VENUES or word.casefold() in {"ieee", "acm", "proc", "conf"}
        or sum(char.isupper() for char in word) >= 2
        for word in words
    )


def without_glued_venue(title: str, venue: VenueYear | None) -> str:
    """"... Tone MappingCVPR2024" with venue CVPR 2024 read elsewhere loses its glued copy of it."""
    if venue is None or not venue.venue or venue.year is None:
        return title
    for glued in (f"{venue.venue}{venue.year}", f"{venue.venue} {venue.year}"):
        if title.casefold().endswith(glued.casefold()) and len(title) > len(glued) + 3:
            return title[: -len(glued)].rstrip(" ,，:：-")
    return title


# --- Citations written as sentences ------------------------------------------------------------------------------

_GBT_TAG = re.compile(r"\[(?P<tag>J|C|M|D|A|R|P|S|N|Z|EB/OL|J/OL|C/OL|M/OL|DB/OL|CP/OL|OL)\]", re.IGNORECASE)
_QUOTED = re.compile(r"[\"“”](?P<title>[^\"“”]{8,500})[\"“”]")
_SENTENCE_BREAK = re.compile(r"\.\s+|。")
_YEAR_ANYWHERE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_AUTHOR_MARKS = re.compile(r"\bet al\b|等|\b[A-Z][a-z]+ [A-Z]{1,2}(?:,|$)")
_INITIAL = re.compile(r"\b[A-Z]\.\s?[A-Z]?\.?\s")
_DOTTED_INITIAL = re.compile(r"[A-Z]\.")
_NEXT_INITIAL = re.compile(r"[A-Z]\.(?=[\s,;]|$)")
# Identifiers whose digits are not the year: "DOI: 10.1109/TPAMI.2021.3055564", "arXiv:2012.13995".
_IDENTIFIER = re.compile(r"\b10\.\d{4,9}/\S+|\b\d{4}\.\d{4,5}(?:v\d+)?\b")
_BOOK_TAGS = frozenset({"M", "EB/OL", "OL", "S", "M/OL", "DB/OL", "CP/OL"})


@dataclass(frozen=True, slots=True)
class Citation:
    title: str
    venue: str = ""
    year: int | None = None
    is_book_or_web: bool = False  # GB/T [M], [EB/OL], [S]: a book, a web page or a standard


def read_citation(text: str) -> Citation | None:
    """The title, venue and year of `Authors. Title. Venue, Year.` and its cousins; None if no title stands out."""
    text = collapse_spaces(text)
    if len(text) > 1000:
        return None
    if tagged := _GBT_TAG.search(text):
        return _read_gbt(text, tagged)
    years = _YEAR_ANYWHERE.findall(_IDENTIFIER.sub(" ", text))
    year = int(years[-1]) if years else None
    if year is not None and (quoted := _QUOTED.search(text)):
        venue_text = text[quoted.end() :]
        return Citation(strip_separators(quoted["title"]), _venue_from_segment(venue_text), year)
    segments = [part for part in (strip_separators(part) for part in _sentences(text)) if part]
    if len(segments) < 2:
        return None
    title_index = next((i for i, part in enumerate(segments) if _could_be_title(part) and not _is_authors(part)), None)
    if title_index is None:
        return None
    title = segments[title_index]
    if (inline := trailing_venue(title)) is not None and strip_separators(title[: inline.start]):
        title = strip_separators(title[: inline.start])  # "How Powerful are GNNs? In ICLR, 2019": one segment
        return Citation(title, inline.venue, inline.year or year)
    later = segments[title_index + 1 :]
    with_year = [part for part in later if _YEAR_ANYWHERE.search(part)]
    named = [part for part in later if part.lower().startswith(("in ", "proc")) or _looks_like_venue_acronym(part)]
    venue = _venue_from_segment((with_year or named or [""])[0])
    return Citation(title, venue, year)


def _sentences(text: str) -> list[str]:
    """The text cut at each full stop, except inside a name's initials: "K. He", "A. B. Smith", "Patel V. M." (cut
    after the last initial only when a surname stands before them: "Patel V. M. DDPM-CD: ...")."""
    pieces, start = [], 0
    for stop in _SENTENCE_BREAK.finditer(text):
        words = text[max(start, stop.start() - 160) : stop.start()].split()
        if words and len(words[-1]) == 1 and words[-1].isupper() and stop.group() != "。":
            if _NEXT_INITIAL.match(text, stop.end()):
                continue  # "V. M.": more initials follow
            first = len(words) - 1
            while first > 0 and _DOTTED_INITIAL.fullmatch(words[first - 1]):
                first -= 1
            before = words[first - 1] if first > 0 else ""
            if not before or before.endswith(",") or before in ("and", "&"):
                continue  # the initials open a name: "K. He, X. Zhang", "and P. Haffner"
        pieces.append(text[start : stop.start()])
        start = stop.end()
    pieces.append(text[start:])
    return pieces


def _read_gbt(text: str, tagged: re.Match) -> Citation:
    before = text[: tagged.start()]
    title = strip_separators(_sentences(before)[-1])
    after = text[tagged.end() :].lstrip("/ .")
    years = _YEAR_ANYWHERE.findall(after)
    venue = strip_separators(re.split(r"[,，.。:：(（]", after, maxsplit=1)[0]) if after else ""
    is_book_or_web = tagged["tag"].upper() in _BOOK_TAGS
    # a book's publisher or a web page's site is not a venue
    return Citation(title, "" if is_book_or_web else venue[:80], int(years[0]) if years else None, is_book_or_web)


def _could_be_title(part: str) -> bool:
    if _YEAR_ANYWHERE.fullmatch(part.strip()):
        return False
    if has_cjk(part):
        return len(part) >= 4
    return len(latin_words(part)) >= 2 and not part.lower().startswith(("in ", "proc", "arxiv"))


def _is_authors(part: str) -> bool:
    if _AUTHOR_MARKS.search(part) or _INITIAL.search(part + " "):
        return True
    names = [name.strip() for name in re.split(r",|，|\band\b|&", part) if name.strip()]
    return len(names) >= 2 and all(len(name.split()) <= 3 and name[:1].isupper() for name in names)


def _venue_from_segment(part: str) -> str:
    part = strip_separators(part)
    part = re.sub(r"^(?:in\s+)?(?:proc(?:eedings)?\.?\s+(?:of\s+)?(?:the\s+)?)?", "", part, flags=re.IGNORECASE)
    venue = strip_separators(_YEAR_ANYWHERE.split(part, maxsplit=1)[0])
    venue = re.split(r"[,，(（]", venue, maxsplit=1)[0].strip()
    return venue if venue and len(venue) <= 80 and any(char.isalpha() for char in venue) else ""
