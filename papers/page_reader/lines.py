"""One entry, read from its text: `[Short](url): Title (Venue Year)` and the many ways mentors vary it.

Each reader returns an `EntryText` that holds both readings of the line, as a paper (title, short name, venue,
year) and as a material (the link text and the description after it): the section decides which one is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from papers.identity import title_key
from papers.page_reader.citations import (
    VenueYear,
    read_citation,
    read_venue,
    trailing_venue,
    venues_in,
    without_glued_venue,
)
from papers.page_reader.links import Link, is_generic_text
from papers.page_reader.text import (
    clean,
    collapse_spaces,
    first_cjk_index,
    has_cjk,
    latin_words,
    strip_separators,
)

_DESCRIPTION_SEPARATORS = ("|", "｜", "~", "～", "→")
_LIST_SEPARATORS = (",", "，", ";", "；", "、")
_DASHES = ("-", "–", "—", "--")  # "[ResNet](u) - Deep Residual ...", or "——适合中文初学者的..."
_CJK_SENTENCE = frozenset("，。；！？")
# Words that make a link text read as a phrase (the first half of a title, a topic) rather than a name.
_STOPWORDS = frozenset(
    "a an the and or of for in on at to via by from with without into through towards toward is are as using "
    "based beyond under over".split()
)
_DESCRIPTORS = frozenset(
    {"tech report", "technical report", "report", "paper", "code", "project", "blog", "preprint", "arxiv",
     "论文", "代码", "技术报告", "项目主页", "官方博客", "博客", "预印本", "综述"}
)
_SHORT_NAME_SUFFIX = re.compile(r"^(?P<title>.{6,}?)\s*[（(]\s*(?P<name>[A-Za-z][\w\-./+]{1,30})\s*[)）]$")
_LEADING_PUNCTUATION = re.compile(r"^[\s:：,，;；、|｜\-–—~～→.。*]+")
_DESCRIPTION_MARK = re.compile(r"——|—|\s--\s|\s[-–]\s")
_ITALIC_TITLE = re.compile(r"(?<![*\w])[*_](?P<title>[^*_]{8,300})[*_](?![*\w])")
_LATIN_NAME = re.compile(r"^[A-Za-z0-9][\w\-+.&'’/ ]*$", re.ASCII)
_CONNECTOR_TAIL = re.compile(r"(?:[，,、;；]?\s*(?:以及|及|和|与|或|也可以使用|也可使用|也可以参考|or|and|also)\s*)+$")
MAX_ENTRY_CHARS = 3000  # longer is prose or junk, never an entry: the readers below stay cheap


@dataclass(frozen=True, slots=True)
class EntryText:
    title: str  # as a paper; "" when the line names no work
    short_name: str = ""
    url: str | None = None
    venue: str = ""
    year: int | None = None
    material_title: str = ""  # as a material: the link text, or the text before its description
    note: str = ""  # the description after the link or after "——"
    extra_links: tuple[Link, ...] = field(default_factory=tuple)
    year_out_of_range: str = ""
    is_book_or_web: bool = False  # 《书名》, or a GB/T [M] / [EB/OL] / [S] reference
    has_paper_link: bool = False  # "Title [[PDF]](u)": a title followed by a link to the paper itself

    @property
    def has_citation(self) -> bool:
        return bool(self.venue) or self.year is not None


def read_linked_entry(text: str, links: list[Link], first: Link) -> EntryText:
    """An entry whose first link opens it: `[X](u): Title (V Y)`, `[Title](u) (V Y)`, `[X](u) X : Title` ..."""
    later = [link for link in links if link.start >= first.end and not link.is_image]
    following = later[0].start if later else len(text)
    rest = text[first.end : following]
    after_links = _without_links(text[following:], _shifted(later, following))
    link_text = clean(first.text)
    named = name_before(text[: first.start])

    venue, rest_parts = _venue_and_parts(rest)
    if venue is None and (inside := venues_in(link_text)):
        venue = inside[0]
        link_text = strip_separators(link_text[: venue.start] + " " + link_text[venue.end :])
    if venue is None and (inside_end := trailing_venue(link_text)) and strip_separators(link_text[: inside_end.start]):
        venue = inside_end  # "[ResNet: Deep Residual Learning, CVPR 2016](u)"
        link_text = strip_separators(link_text[: venue.start])
    if venue is None and (behind := venues_in(after_links)):
        venue = behind[0]
    if venue is None and named is not None:
        venue = named[1]  # "TransUNet (arXiv 2021): [TransUNet: Transformers Make ...](u)"
    if venue is None and (before := venues_in(text[: first.start])):
        venue = before[-1]  # "【CVPR 2017】[PSPNet](u) Pyramid Scene Parsing Network"

    separator, body = _first_part(rest, rest_parts)
    title, short_name = _title_and_short_name(link_text, separator, body)
    if named is not None and not short_name and (title == link_text or not title):
        # "PyG: https://pyg.org" and "Mask2Former [论文](u)" name the work only before the link
        title, short_name = (title, named[0]) if title else (named[0], "")
        link_text = named[0] if not link_text or is_generic_text(link_text) else link_text
    if title_key(short_name) == title_key(title):
        short_name = ""  # "SAM-Med2D (arXiv 2023): [SAM-Med2D](u)" names it twice
    title = without_glued_venue(title, venue)
    note = _description(rest)
    return EntryText(
        title=_tidy_title(title),
        short_name=short_name,
        url=first.url or None,
        venue=venue.venue if venue else "",
        year=venue.year if venue else None,
        material_title=link_text if link_text and not is_generic_text(link_text) else _tidy_title(title),
        note=note,
        extra_links=tuple(later),
        year_out_of_range=venue.year_out_of_range if venue else "",
        is_book_or_web="《" in link_text,
    )


def read_unlinked_entry(text: str, links: list[Link]) -> EntryText | None:
    """A citation without a link at its start: `Title（TOG2021）——自行搜索`, `Authors. Title. CVPR, 2016. [PDF](u)`."""
    web_links = [link for link in links if not link.is_image and link.is_web]
    plain = _without_links(text, links, keep_text=True)
    mark = _DESCRIPTION_MARK.search(plain)
    head, note = (plain[: mark.start()], plain[mark.end() :]) if mark else (plain, "")
    head = strip_separators(head)
    if any(char in _CJK_SENTENCE for char in head) and not is_book_with_publisher(head):
        return None  # a sentence, not the name of a work
    short_name = ""
    if mark and _is_latin_name(head) and not has_cjk(note) and len(latin_words(note)) >= 3:
        short_name, head, note = head, strip_separators(note), ""  # "GraphSAGE — Inductive Representation ..."
    venue: VenueYear | None = None
    title = ""
    is_book_or_web = "《" in head
    if found := venues_in(head):
        venue = found[0]
        title = strip_separators(head[: venue.start]) or strip_separators(head[venue.end :])
        after = head[venue.end :]
        if any(char in _CJK_SENTENCE for char in after) or len(after) > 60:
            return None  # "CLIP（ICML 2021）用 4 亿图文对...": a sentence that cites, not a citation
    elif (citation := read_citation(head)) is not None and (citation.year or citation.venue):
        title, is_book_or_web = citation.title, is_book_or_web or citation.is_book_or_web
        venue = VenueYear(citation.venue, citation.year)
    elif (found_trailing := trailing_venue(head)) is not None:
        venue = found_trailing
        title = strip_separators(head[: venue.start])
    elif note and not any(char in _CJK_SENTENCE for char in note) and (behind := venues_in(note)):
        venue, title = behind[0], head  # "Self-Supervised Learning - A Survey (TPAMI 2021)"
    has_paper_link = False
    if venue is None and web_links and is_generic_text(web_links[0].text):
        start = web_links[0].start
        before = strip_separators(_without_links(text[:start], [link for link in links if link.end <= start]))
        after = strip_separators(_without_links(text[start:], _shifted(links, start)))
        if _could_be_a_title(before) and not after:
            title, head, has_paper_link = before, before, True  # "Title [[PDF]](u) [[Code]](u)"
    if venue is None and not is_book_or_web and not note and not has_paper_link:
        return None
    title = without_glued_venue(_tidy_title(title if venue is not None or has_paper_link else head), venue)
    if italic := _ITALIC_TITLE.search(head):
        title = _tidy_title(italic["title"])  # "Kipf & Welling, *Semi-Supervised Classification with GCNs*, ICLR"
    return EntryText(
        title=_tidy_title(title),
        short_name=short_name,
        url=web_links[0].url if web_links else None,
        venue=venue.venue if venue else "",
        year=venue.year if venue else None,
        material_title=title if venue is not None and title else _tidy_title(head),
        note=_tidy_note(note),
        extra_links=tuple(web_links[1:]),
        year_out_of_range=venue.year_out_of_range if venue else "",
        is_book_or_web=is_book_or_web,
        has_paper_link=has_paper_link,
    )


def names_the_link(before: str) -> bool:
    """"DETR: [title](u)", "TransUNet (arXiv 2021): [title](u)", "3DGS [title](u)": a name written before the link."""
    return name_before(before) is not None


def name_before(before: str) -> tuple[str, VenueYear | None] | None:
    """The name written before a link, and the venue written with it, if the words before the link are that."""
    raw = before.rstrip()
    venue = None
    if (found := venues_in(raw)) and strip_separators(raw[found[-1].end :]) == "":
        venue = found[-1]
        raw = raw[: venue.start].rstrip() + ":"
    name = strip_separators(raw)
    if not _is_latin_name(name):
        return None
    if raw.endswith((":", "：", "-", "–", "—")):
        return name, venue
    if " " not in name and len(name) <= 15 and any(char.isupper() or char.isdigit() for char in name):
        return name, venue
    return None


def is_book_with_publisher(text: str) -> bool:
    """"《统计学习方法》（第二版），清华大学出版社": a book's name, then its edition and publisher."""
    before, _mark, after = text.partition("《")
    _title, _close, after = after.partition("》")
    return bool(_close) and not any(char in _CJK_SENTENCE for char in before) and len(after) <= 24


def _is_latin_name(text: str) -> bool:
    return 0 < len(text) <= 30 and len(text.split()) <= 4 and _LATIN_NAME.match(text) is not None


def _could_be_a_title(text: str) -> bool:
    if not text or len(text) > 500 or any(char in _CJK_SENTENCE for char in text):
        return False
    return len(latin_words(text)) >= 3 or (has_cjk(text) and len(text) >= 4)


def venue_alone(text: str) -> VenueYear | None:
    """A line that only holds a venue and year: "(CVPR 2021)" written under its entry."""
    stripped = strip_separators(clean(text))
    if not stripped or len(stripped) > 80 or stripped[0] not in "(（[【":
        return None
    found = venues_in(stripped)
    if len(found) == 1 and found[0].start == 0 and not strip_separators(stripped[found[0].end :]):
        return found[0]
    return None


def _venue_and_parts(rest: str) -> tuple[VenueYear | None, list[str]]:
    """The first venue of the text after the link, and that text cut at every venue it holds."""
    found = venues_in(rest)
    if not found:
        # "[Title](u) - CVPR 2017 ｜ 代码：[GitHub](u)": the venue ends the text before a "｜" separator
        head = rest[: min((i for i in (rest.find("|"), rest.find("｜")) if i != -1), default=len(rest))]
        if (trailing := trailing_venue(head.rstrip())) is not None:
            return trailing, [rest[: trailing.start]]
        return None, [rest]
    parts, position = [], 0
    for venue in found:
        parts.append(rest[position : venue.start])
        position = venue.end
    parts.append(rest[position:])
    return found[0], parts


def _first_part(rest: str, parts: list[str]) -> tuple[str, str]:
    """The separator written right after the link ("：", "——", "," ...) and the first part of text after it."""
    leading = _LEADING_PUNCTUATION.match(rest)
    separator = leading.group().strip() if leading else ""
    for part in parts:
        body = collapse_spaces(_LEADING_PUNCTUATION.sub("", part)).rstrip(" :：,，;；、|｜-–—")
        if any(char.isalnum() for char in body):
            return separator, body
    return separator, ""


def _title_and_short_name(link_text: str, separator: str, body: str) -> tuple[str, str]:
    if not _is_title(link_text, separator, body):
        return split_short_name_suffix(link_text) if link_text and not is_generic_text(link_text) else ("", "")
    body = _without_trailing_comment(body)
    body = _before_field_comma(body)
    body = _without_repeated_label(link_text, body)
    if not link_text or is_generic_text(link_text) or title_key(body) == title_key(link_text):
        return split_short_name_suffix(body)
    if _reads_as_phrase(link_text):
        if _first_word(body) == _first_word(link_text):
            return body, ""  # the link text names the topic; the title follows in full
        return f"{link_text.rstrip(' :：')}: {body}", ""  # the link text is the first half of the title
    return _without_name_suffix(body, link_text), link_text


def _is_title(link_text: str, separator: str, body: str) -> bool:
    """Whether the text after the link is the work's title, not a description, authors or a descriptor."""
    if not body or body.casefold() in _DESCRIPTORS or body[0] in "(（[【":
        return False
    if any(separator.startswith(mark) for mark in _DESCRIPTION_SEPARATORS):
        return False
    if separator in _LIST_SEPARATORS:
        # "[DTCDSCN](u)，Building Change Detection for ...，GRSL 2021": after a name, a capitalised English title
        return separator in (",", "，") and _is_latin_name(link_text) and not is_generic_text(link_text) \
            and body[:1].isupper() and not has_cjk(body) and len(latin_words(body)) >= 3
    if any(char in _CJK_SENTENCE for char in body):
        return False
    if separator.startswith(_DASHES):
        # after a dash, an English title follows a name; Chinese words or a phrase-like link text are a description
        return not has_cjk(body) and len(latin_words(body)) >= 3 and not _reads_as_phrase(link_text)
    return True


def _reads_as_phrase(text: str) -> bool:
    words = text.split()
    return text.rstrip().endswith((":", "：")) or (
        len(words) >= 3 and any(word.casefold() in _STOPWORDS for word in words[1:])
    )


def _first_word(text: str) -> str:
    words = text.split()
    return words[0].casefold().strip(":：,") if words else ""


def _without_trailing_comment(body: str) -> str:
    """An English title followed by a Chinese remark ("... Binarization 目前主流OCR检测模型") loses the remark."""
    cut = first_cjk_index(body)
    if cut > 0 and len(latin_words(body[:cut])) >= 3:
        return body[:cut].rstrip(" :：,，-–")
    return body


def _before_field_comma(body: str) -> str:
    """"TinyCD: A (Not So) Deep Learning Model，Neural Computing and Applications 2023": a full-width comma after an
    English title sets off the next field (an English title never holds one)."""
    head, comma, _rest = body.partition("，")
    if comma and not has_cjk(head) and len(latin_words(head)) >= 3:
        return head.rstrip(" ,:：")
    return body


def _without_repeated_label(link_text: str, body: str) -> str:
    """`[FairMOT](u): FairMOT : On the ...` repeats the name as a label: the title is what follows.

    `[X](u): X: Title` is left alone, since that is how many titles read ("SCTransNet: Spatial-Channel ...").
    """
    if not link_text or not body.casefold().startswith(link_text.casefold()):
        return body
    after = body[len(link_text) :]
    stripped = after.lstrip(" ")
    if after[:1] == " " and stripped[:1] in (":", "："):
        return strip_separators(stripped[1:]) or body
    return body


def split_short_name_suffix(title: str) -> tuple[str, str]:
    """"An Image is Worth 16x16 Words (ViT)": the title and the short name it ends with."""
    match = _SHORT_NAME_SUFFIX.match(title)
    if match and read_venue(match["name"]) is None and not is_generic_text(match["name"]):
        return match["title"].rstrip(" :：-"), match["name"]
    return title, ""


def _without_name_suffix(body: str, short_name: str) -> str:
    """"... Structure Recognition (UniTabNet)" after `[UniTabNet](u)` loses the repeated name."""
    match = _SHORT_NAME_SUFFIX.match(body)
    if match and title_key(match["name"]) == title_key(short_name):
        return match["title"].rstrip(" :：-")
    return body


def _description(rest: str) -> str:
    return _tidy_note(_LEADING_PUNCTUATION.sub("", rest))


def _tidy_note(text: str) -> str:
    text = collapse_spaces(text.replace("**", ""))
    return _CONNECTOR_TAIL.sub("", text).strip(" ，,、;；:：")[:1000]


def _tidy_title(title: str) -> str:
    title = strip_separators(collapse_spaces(title.replace("**", "").replace("`", "")))
    if title.endswith((")", "）")) and "(" not in title and "（" not in title:
        title = strip_separators(title[:-1])  # "... and Beyond）": a parenthesis that lost its pair
    return title


def _shifted(links: list[Link], offset: int) -> list[Link]:
    """The links of `text[offset:]`, their spans counted from there."""
    return [replace(link, start=link.start - offset, end=link.end - offset) for link in links if link.start >= offset]


def _without_links(text: str, links: list[Link], *, keep_text: bool = False) -> str:
    """The text with its links cut out, or replaced by their text where that text is more than "PDF" or "Code"."""
    pieces, position = [], 0
    for link in sorted(links, key=lambda link: link.start):
        if link.start < position:
            continue
        pieces.append(text[position : link.start])
        if keep_text and not link.is_image and not link.is_bare and not is_generic_text(link.text):
            pieces.append(link.text)
        else:
            pieces.append(" ")
        position = link.end
    pieces.append(text[position:])
    return "".join(pieces)
