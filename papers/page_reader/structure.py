"""The page's lines as Markdown blocks (headings, list items, quotes, table rows, paragraphs) and what each one holds.

Everything here is line-local and linear; the reader decides what the lines mean from where they stand.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from papers.page_reader.citations import KNOWN_VENUES, read_venue
from papers.page_reader.lines import (
    MAX_ENTRY_CHARS,
    EntryText,
    is_book_with_publisher,
    names_the_link,
    read_linked_entry,
    read_unlinked_entry,
    split_short_name_suffix,
    venue_alone,
)
from papers.page_reader.links import Link, find_links, is_generic_text
from papers.page_reader.text import (
    SENTENCE_PUNCTUATION,
    clean,
    collapse_spaces,
    remove_invisible,
    strip_emphasis,
    strip_separators,
)

MAX_TITLE = 500  # what the catalogue keeps
MAX_URL = 1000
_PREFIX_LIMIT = 12  # "李沐", "张伟楠老师的": a few words may come before the link of an entry
_LABEL_LIMIT = 24  # "SemanticKITTI 论文：", "Distill 交互式文章：": a label ending in a colon may be longer
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)|^ {0,3}(#{2,6})(?=[^#\s])")
_LIST_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[*+\-•·▪►]|\d{1,3}[.)、．）]|[(（]\d{1,3}[)）]|\[\d{1,3}\](?!\s*[(（])|[①-⑳])"
    r"(?P<space>[ \t]*)"
)
_CJK_SENTENCE = frozenset("，。；！？")
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# What any citation without a link holds: digits of a year, a book's 《, or the dash before a description.
_MIGHT_CITE = re.compile(r"\d\d|《|—|--")


class Kind(enum.Enum):
    BLANK = "blank"
    HEADING = "heading"
    RULE = "rule"
    QUOTE = "quote"
    LIST = "list"
    TABLE = "table"
    PARAGRAPH = "paragraph"
    HIDDEN = "hidden"  # inside a code fence or an HTML comment


@dataclass(slots=True)
class Line:
    number: int  # 1-based in the whole file
    kind: Kind
    raw: str  # the line as written, trimmed
    text: str = ""  # what it holds: a heading's words, a list item without its marker, a quote without `>`
    indent: int = 0
    depth: int = 0  # a heading's level
    marker: str = ""  # a list item's bullet or number


class Shape(enum.Enum):
    ENTRY = "entry"  # opens with a link: a paper or material
    CITATION = "citation"  # names a work without opening with a link
    VENUE = "venue"  # only a venue and year, the end of the entry above
    PROSE = "prose"  # links inside running text
    IMAGE = "image"
    TOO_LONG = "too_long"
    UNREADABLE = "unreadable"  # looks like an entry, cannot be used (an anchor link, no target)
    TEXT = "text"  # no link, no citation
    TABLE_HEADER = "table_header"


@dataclass(slots=True)
class Reading:
    shape: Shape
    entry: EntryText | None = None
    links: list[Link] = field(default_factory=list)
    text: str = ""  # the text read, emphasis removed


def split_lines(text: str) -> list[str]:
    """Lines as `grep -n` counts them (only "\\n" ends a line), without "\\r" and invisible characters."""
    return [remove_invisible(line.rstrip("\r")).replace("\r", " ").rstrip() for line in text.split("\n")]


def classify(raw_lines: list[str], start: int) -> list[Line]:
    lines: list[Line] = []
    fence = ""
    in_comment = False
    for index in range(start, len(raw_lines)):
        raw = raw_lines[index]
        stripped = raw.strip()
        number = index + 1
        if fence or in_comment:
            if fence and stripped.startswith(fence):
                fence = ""
            if in_comment and "-->" in stripped:
                in_comment = False
            lines.append(Line(number, Kind.HIDDEN, stripped))
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            lines.append(Line(number, Kind.HIDDEN, stripped))
            continue
        if stripped.startswith("<!--"):
            in_comment = "-->" not in stripped[4:]
            lines.append(Line(number, Kind.HIDDEN, stripped))
            continue
        line = _classify_line(number, raw, stripped)
        if _underlines(line, lines):
            lines[-1] = Line(lines[-1].number, Kind.HEADING, lines[-1].raw, lines[-1].raw, depth=1)
            line = Line(number, Kind.RULE, stripped)
        lines.append(line)
    return lines


def _underlines(line: Line, lines: list[Line]) -> bool:
    """A line of `===` under a paragraph line makes it a top heading (a `---` under one is left a rule)."""
    compact = line.raw.replace(" ", "")
    return (
        len(compact) >= 3 and compact == "=" * len(compact)
        and bool(lines) and lines[-1].kind is Kind.PARAGRAPH and len(lines[-1].raw) <= 200
    )


def _classify_line(number: int, raw: str, stripped: str) -> Line:
    indent = len(raw) - len(raw.lstrip(" \t"))
    if not stripped:
        return Line(number, Kind.BLANK, "")
    if heading := _HEADING.match(raw):
        marks = heading.group(1) or heading.group(2)
        return Line(number, Kind.HEADING, stripped, _heading_text(raw[heading.end() :]), indent, depth=len(marks))
    if _is_rule(stripped):
        return Line(number, Kind.RULE, stripped)
    if stripped.startswith(">"):
        return Line(number, Kind.QUOTE, stripped, stripped.lstrip(">").strip(), indent)
    if stripped.startswith("|"):
        return Line(number, Kind.TABLE, stripped, stripped, indent)
    if item := _list_item(raw):
        marker, content = item
        return Line(number, Kind.LIST, stripped, content, indent, marker=marker)
    return Line(number, Kind.PARAGRAPH, stripped, stripped, indent)


def _heading_text(text: str) -> str:
    text = text.strip()
    if text.endswith("#"):
        core = text.rstrip("#")
        if not core or core[-1] in " \t":
            text = core.strip()
    return text


def _is_rule(stripped: str) -> bool:
    compact = stripped.replace(" ", "")
    return len(compact) >= 3 and compact[0] in "-*_" and compact == compact[0] * len(compact)


def _list_item(raw: str) -> tuple[str, str] | None:
    match = _LIST_ITEM.match(raw)
    if match is None:
        return None
    marker, content = match["marker"], raw[match.end() :]
    if not content.strip():
        return None
    if marker in "*+•·▪►" and not match["space"]:
        return None  # "**bold**" or "*emphasis*" opens a paragraph, not a list
    if marker == "-" and not match["space"] and content.startswith("-"):
        return None
    if marker[0].isdigit() and not match["space"] and content[0].isdigit():
        return None  # "2.3 进阶文献" is a number, not a list item
    return marker, content.strip()


# --- What a line holds ------------------------------------------------------------------------------------------


def item_text(text: str) -> str:
    """A list item's or paragraph's words as the entry readers take them: no bold marks, single spaces."""
    return collapse_spaces(strip_emphasis(_LINE_BREAK.sub(" ", text)))


def read_item(text: str, *, is_list_item: bool) -> Reading:
    """A list item, a quoted line or a paragraph: an entry, a citation, prose with links, an image or plain text."""
    text = item_text(text)
    if len(text) > MAX_ENTRY_CHARS:
        return _overlong(text)
    links = find_links(text)
    shown = [link for link in links if not link.is_image]
    if not shown:
        if links:
            return Reading(Shape.IMAGE, links=links, text=text)
        if venue_alone(text) is not None:
            return Reading(Shape.VENUE, text=text)
        return _citation_or_text(text, links)
    first = shown[0]
    if _opens_with(text, first, is_list_item=is_list_item) and not _names_only_a_venue(first) \
            and not _runs_on_as_a_sentence(text, first, shown):
        if not first.is_web:
            return Reading(Shape.UNREADABLE, links=links, text=text)
        entry = read_linked_entry(text, links, first)
        if not entry.title and (citation := read_unlinked_entry(text, links)) and citation.title:
            entry = citation  # "[PDF](u) Authors. Title. Venue, 2020." names its work after the link
        return _checked(Reading(Shape.ENTRY, entry, links, text))
    citation = read_unlinked_entry(text, links)
    if citation is not None and _is_citation_title(citation.title) and first.start > len(citation.title) // 2:
        return _checked(Reading(Shape.CITATION, citation, links, text))
    return Reading(Shape.PROSE, links=links, text=text)


def _overlong(text: str) -> Reading:
    links = find_links(text[:200])
    if links and not links[0].is_image and links[0].start <= _PREFIX_LIMIT:
        return Reading(Shape.TOO_LONG, links=links, text=text[:200])
    return Reading(Shape.PROSE if links else Shape.TEXT, links=links, text=text[:200])


def _opens_with(text: str, link: Link, *, is_list_item: bool) -> bool:
    prefix = strip_separators(text[: link.start])
    if not prefix:
        return True
    if names_the_link(text[: link.start]):
        return True  # "DETR: [End-to-End Object Detection with Transformers](u)"
    if not is_list_item or (len(prefix) > _PREFIX_LIMIT and not _is_label_before(text[: link.start], prefix)):
        return False
    return not any(char in _CJK_SENTENCE or char in "“”\"「」‘’：:" for char in prefix)


def _is_label_before(before: str, prefix: str) -> bool:
    """`SemanticKITTI 论文：[Title](u)`: a few words ending in a colon name what the link is."""
    return before.rstrip().endswith((":", "：")) and len(prefix) <= _LABEL_LIMIT


def _runs_on_as_a_sentence(text: str, first: Link, shown: list[Link]) -> bool:
    """`技能声明的 [SKILL.md](u) frontmatter 与真实行为可能不一致，形成...`: words before the link, a sentence after.

    `李沐[《动手学深度学习》](u)——适合中文初学者的深度学习教材，...` is an entry: a book, then its description.
    """
    if not strip_separators(text[: first.start]) or "《" in first.text:
        return False
    following = shown[1].start if len(shown) > 1 else len(text)
    rest = text[first.end : following].lstrip()
    if read_venue(strip_separators(rest)) is not None:
        return False  # `Video-LLaMA：[Title](u)，EMNLP 2023`: the comma sets off the venue, not a clause
    return rest[:1] not in ("—", ":", "：", "(", "（", "-", "|") and any(char in _CJK_SENTENCE for char in rest)


def _names_only_a_venue(link: Link) -> bool:
    """`CLIP（[ICML 2021](u)）用 4 亿图文对...`: a link named after a venue points from prose at a paper.

    `[BraTS 2021](u)` is a dataset's name with a year, not a venue; `[arXiv:2106.06847](u)` is the paper's identifier.
    """
    if is_generic_text(link.text):
        return False
    venue = read_venue(link.text)
    return venue is not None and (venue.venue.casefold() in KNOWN_VENUES or venue.venue.isupper())


def _citation_or_text(text: str, links: list[Link]) -> Reading:
    if _MIGHT_CITE.search(text) is None:
        return Reading(Shape.TEXT, links=links, text=text)
    citation = read_unlinked_entry(text, links)
    if citation is not None and _is_citation_title(citation.title):
        return _checked(Reading(Shape.CITATION, citation, links, text))
    return Reading(Shape.TEXT, links=links, text=text)


def _is_citation_title(title: str) -> bool:
    """A work's name, not a sentence: no "，" or "。" outside a book's "《统计学习方法》（第二版），清华大学出版社"."""
    return bool(title) and any(c.isalnum() for c in title) and (
        is_book_with_publisher(title) or not any(char in _CJK_SENTENCE for char in title)
    )


def _checked(reading: Reading) -> Reading:
    entry = reading.entry
    if entry is not None and (
        len(entry.title) > MAX_TITLE or len(entry.material_title) > MAX_TITLE or len(entry.url or "") > MAX_URL
    ):
        return Reading(Shape.TOO_LONG, links=reading.links, text=reading.text)
    return reading


def is_label_text(text: str) -> bool:
    """A short name standing alone ("辅助信息", "辅助任务：", "事件表达 (进阶)"): a sub-group label, not a sentence."""
    if len(text) > 120:
        return False
    words = clean(text).strip(" :：")
    return (
        0 < len(words) <= 40
        and len(words.split()) <= 8
        and not any(char in SENTENCE_PUNCTUATION for char in words)
        and not words.endswith(("。", "."))
        and "http" not in words
        and any(char.isalnum() for char in words)
    )


def bold_label(stripped: str) -> str | None:
    """The words of a line that is only bold text, with an optional colon: `**单帧弱小目标检测**`, `**X**:`."""
    core = stripped.rstrip(" :：")
    for mark in ("**", "__"):
        if core.startswith(mark) and core.endswith(mark) and len(core) > 2 * len(mark):
            inner = core[len(mark) : -len(mark)]
            if mark not in inner:
                return inner.strip()
    if core.lower().startswith(("<b>", "<strong>")) and core.lower().endswith(("</b>", "</strong>")):
        return clean(core)
    return None


def read_lines(lines: list[Line]) -> dict[int, Reading]:
    """What every line that may hold an entry holds, by its index in `lines`."""
    readings: dict[int, Reading] = {}
    columns: dict[str, int] | None = None
    for index, line in enumerate(lines):
        if line.kind is Kind.TABLE:
            columns = _read_table_line(lines, index, readings, columns)
            continue
        columns = None
        if line.kind in (Kind.LIST, Kind.PARAGRAPH):
            readings[index] = read_item(line.text, is_list_item=line.kind is Kind.LIST)
        elif line.kind is Kind.QUOTE and line.text:
            readings[index] = read_item(line.text.lstrip("*+-• "), is_list_item=line.text[:1] in "*+-•")
    return readings


def _read_table_line(lines: list[Line], index: int, readings: dict, columns: dict | None) -> dict | None:
    line = lines[index]
    following = lines[index + 1] if index + 1 < len(lines) else None
    if is_separator_row(line.text):
        readings[index] = Reading(Shape.TABLE_HEADER)
        return columns if columns is not None else {}
    if following is not None and following.kind is Kind.TABLE and is_separator_row(following.text):
        readings[index] = Reading(Shape.TABLE_HEADER)
        return table_columns(table_cells(line.text))
    readings[index] = read_table_row(line.text, columns or {})
    return columns


# --- Tables -----------------------------------------------------------------------------------------------------

_COLUMN_WORDS = {
    "title": ("论文", "文献", "标题", "题目", "名称", "paper", "title", "work", "publication", "name"),
    "venue": ("发表", "会议", "期刊", "出处", "来源", "venue", "conference", "journal", "published", "booktitle"),
    "year": ("年份", "年", "year", "date", "时间"),
    "short": ("简称", "缩写", "方法", "模型", "abbr", "short", "method", "model", "alias"),
    "link": ("链接", "地址", "link", "url", "pdf", "arxiv", "下载"),
    "authors": ("作者", "author"),
    "note": ("一句话", "简介", "说明", "描述", "备注", "亮点", "贡献", "定位", "note", "description", "comment",
             "summary", "remark", "highlight", "why"),
}


# A header naming what the table lists: its name column when no column says 论文 or 标题 ("| 数据集 | 任务 | 链接 |").
_LISTED_THING_WORDS = ("数据集", "dataset", "资源", "resource", "工具", "tool", "课程", "course", "教材", "书", "book")


def is_separator_row(text: str) -> bool:
    return "-" in text and "|" in text and set(text) <= set("|-: \t")


def table_cells(text: str) -> list[str]:
    text = text.strip().replace("\\|", "\x00")
    text = text.removeprefix("|").removesuffix("|")
    return [cell.replace("\x00", "|").strip() for cell in text.split("|")]


def table_columns(header: list[str]) -> dict[str, int]:
    """Which column holds what, from the header's words ("| 论文 | 发表 | 一句话定位 |")."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        words = clean(cell).casefold()
        for role, names in _COLUMN_WORDS.items():
            if role not in columns and any(name in words for name in names):
                columns[role] = index
                break
    if "title" not in columns:
        taken = set(columns.values())
        named = (i for i, cell in enumerate(header) if i not in taken and any(
            name in clean(cell).casefold() for name in _LISTED_THING_WORDS))
        if (index := next(named, None)) is not None:
            columns["title"] = index
    return columns


def _name_cell(cells: list[str], links_by_cell: list[list[Link]], columns: dict[str, int]) -> str:
    """The leftmost cell that names the row in words: not a link, a number, or a venue, year or note column."""
    other = {columns.get(role) for role in ("venue", "year", "link", "note", "authors", "short")}
    for index, cell in enumerate(cells):
        words = strip_separators(cell)
        if index not in other and not links_by_cell[index] and any(char.isalpha() for char in words) \
                and read_venue(words) is None and not is_generic_text(words):
            return words[:MAX_TITLE]
    return ""


def read_table_row(text: str, columns: dict[str, int]) -> Reading:
    cells = [item_text(cell) for cell in table_cells(text)]
    if len(text) > MAX_ENTRY_CHARS:
        return _overlong(text)
    links_by_cell = [find_links(cell) for cell in cells]
    all_links = [link for links in links_by_cell for link in links]
    shown = [(index, link) for index, links in enumerate(links_by_cell) for link in links if not link.is_image]
    title_index = columns.get("title", shown[0][0] if shown else 0)
    if title_index >= len(cells):
        return Reading(Shape.TEXT, links=all_links, text=text)
    title_cell = cells[title_index]
    title_links = [link for link in links_by_cell[title_index] if not link.is_image]
    if title_links and title_links[0].start <= 2:
        entry = read_linked_entry(title_cell, links_by_cell[title_index], title_links[0])
    else:
        named, short = split_short_name_suffix(strip_separators(title_cell))  # "Non-local ... Networks (NL)"
        entry = read_unlinked_entry(title_cell, links_by_cell[title_index]) or EntryText(
            title=named, short_name=short, material_title=strip_separators(title_cell)
        )
    url = entry.url
    if url is None and shown:
        url = next((link.url for _index, link in shown if link.is_web), None)
    venue, year, year_out_of_range = entry.venue, entry.year, entry.year_out_of_range
    for index, cell in enumerate(cells):
        if index == title_index or venue and year is not None:
            continue
        found = read_venue(cell) if cell else None
        if found is not None:
            venue, year = venue or found.venue, year if year is not None else found.year
            year_out_of_range = year_out_of_range or found.year_out_of_range
        elif index == columns.get("venue") and cell and not venue:
            venue = strip_separators(cell)[:80]
    short_name = entry.short_name
    if "short" in columns and columns["short"] < len(cells) and columns["short"] != title_index:
        short_name = strip_separators(cells[columns["short"]])[:100] or short_name
    note = cells[columns["note"]] if "note" in columns and columns["note"] < len(cells) else entry.note
    title = entry.title if not is_generic_text(entry.title) else ""
    material_title = entry.material_title if not is_generic_text(entry.material_title) else ""
    if not title and url is not None:
        title = material_title = _name_cell(cells, links_by_cell, columns)  # "| Kinetics-400 | ... | [官网](u) |"
    if not title and url is None and not venue:
        return Reading(Shape.TEXT, links=all_links, text=text)
    extra = tuple(link for _index, link in shown if link.url != url)
    row = EntryText(
        title=title, short_name=short_name, url=url, venue=venue, year=year,
        material_title=material_title or title, note=strip_separators(note)[:1000], extra_links=extra,
        year_out_of_range=year_out_of_range, is_book_or_web=entry.is_book_or_web,
    )
    return _checked(Reading(Shape.ENTRY if url else Shape.CITATION, row, all_links, text))
