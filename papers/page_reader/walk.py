"""The roles a page states for its parts: a heading's words, a note's hold, what a section inherits.

One walk down the page keeps the heading stack, the current sub-group label and any note in force, and collects
every entry with the part it sits under; what the entries are (paper or material) is decided afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from papers.page_reader import SectionRole, SkippedLine, SkipReason
from papers.page_reader.lines import EntryText, venue_alone
from papers.page_reader.links import find_links, is_code_link, is_generic_text
from papers.page_reader.materials import reads_as_cited_paper
from papers.page_reader.sections import (
    RoleHint,
    clean_heading,
    paper_role_named,
    reason_for_note,
    reason_for_words,
    role_from_note,
    role_from_words,
)
from papers.page_reader.structure import Kind, Line, Reading, Shape, bold_label, is_label_text

ROOT_KEY = "(page)"  # the key of the part before any heading: a page may list its papers without one
LABEL_DEPTH = 7
_PAPER_ROLES = (SectionRole.INTRO, SectionRole.ADVANCED)
_SEARCH_FOR_IT = re.compile(r"自行(?:搜索|查找|检索|下载)|请?搜索|search (?:for )?it|look it up", re.IGNORECASE)
_LOOKAHEAD_BLANKS = 2  # a label may stand one or two blank lines above the list it names


@dataclass(eq=False)
class Part:
    """A heading or a sub-group label, while the page is read."""

    key: str
    line: int
    heading: str
    depth: int
    parent: Part | None  # the enclosing heading (a label's is the heading it sits under)
    hint: RoleHint | None
    role: str = SectionRole.ADVANCED
    reason: str = ""
    decided_by: str = "default"  # "words", "weak words", "note", "inherited", "default" or "empty"
    entry_count: int = 0  # entries under it, its sub-parts included
    index: int = -1  # a heading's index in the page's lines

    @property
    def is_label(self) -> bool:
        return self.depth == LABEL_DEPTH

    def chain(self) -> list[Part]:
        """It and the parts around it, innermost first."""
        parts, part = [], self
        while part is not None:
            parts.append(part)
            part = part.parent
        return parts


@dataclass
class RawEntry:
    index: int  # in `lines`
    line: Line
    reading: Reading
    part: Part  # the innermost part it sits under
    headings: tuple[Part, ...]  # the heading stack, outermost first
    role: str  # the section's role when the entry was read (a note above may have changed it since)
    # what the line below it adds: "(CVPR 2021)" under `[Title](u)`, "Title (CVPR 2021)" under `[Name](u)`
    written_below: EntryText | None = None


@dataclass
class ReadPage:
    parts: list[Part]
    entries: list[RawEntry]
    skipped: list[SkippedLine]
    reading_start: int  # index in `lines` where the reading part begins
    root: Part
    containers: set[int]  # indexes of headings some of whose sub-headings name a role
    has_entries_in_prose_sections: bool = False


class PageWalk:
    """Walks the page once, keeping the heading stack, the current sub-group label and any note in force."""

    def __init__(self, lines: list[Line], readings: dict[int, Reading], *, trust_no_list_words: bool):
        self.lines = lines
        self.readings = readings
        self.trust_no_list_words = trust_no_list_words
        self.keys: dict[str, int] = {ROOT_KEY: 1}
        self.parts: list[Part] = []
        self.root = Part(ROOT_KEY, 1, "", 0, None, None, decided_by="default")
        self.headings: list[Part] = []
        self.label: Part | None = None
        self.note: tuple[RoleHint, int] | None = None  # the note's hint, and the depth of the heading it sits under
        self.entries: list[RawEntry] = []
        self.skipped: list[SkippedLine] = []
        self.last_entry: RawEntry | None = None
        self.blank_since_entry = False
        self.has_entries_in_prose_sections = False
        self.paper_sibling_parents: set[int] = set()
        self.containers: set[int] = set()

    def run(self) -> ReadPage:
        self._find_containers()
        self.reading_start = self._reading_start()
        for index, line in enumerate(self.lines):
            self._step(index, line)
        for part in self.parts:
            self._settle(part)
        self._read_reference_lists()
        return ReadPage(self.parts, self.entries, self.skipped, self.reading_start, self.root,
                         self.containers, self.has_entries_in_prose_sections)

    # Where the reading part starts: the outermost heading above the first entry that is not a prose section.

    def _reading_start(self) -> int:
        title_heading = self._title_heading()
        stack: list[tuple[int, Line]] = []
        for index, line in enumerate(self.lines):
            if line.kind is Kind.HEADING:
                while stack and stack[-1][1].depth >= line.depth:
                    stack.pop()
                stack.append((index, line))
                continue
            if not _names_a_work(self.readings.get(index)):
                continue
            start = 0
            for position, (heading_index, heading) in enumerate(stack):
                hint = role_from_words(heading_words(heading))
                if hint is not None and hint.role == SectionRole.NONE and self.trust_no_list_words:
                    start = position + 1
                elif heading_index == title_heading and position == start:
                    start = position + 1
            if start < len(stack):
                return stack[start][0]
            return self._label_above(index)
        return len(self.lines)

    def _title_heading(self) -> int:
        """The index of a lone `#` heading opening the page: the document's title, above everything else."""
        top = [index for index, line in enumerate(self.lines) if line.kind is Kind.HEADING and line.depth == 1]
        first = next((index for index, line in enumerate(self.lines) if line.kind is Kind.HEADING), -1)
        return top[0] if len(top) == 1 and top[0] == first else -1

    def _label_above(self, index: int) -> int:
        above = index - 1
        while above >= 0 and self.lines[above].kind is Kind.BLANK:
            above -= 1
        if above >= 0 and self._label_words(above) is not None:
            return above
        return index

    def _find_containers(self) -> None:
        """Headings some of whose sub-headings name intro or advanced papers: their materials word is not inherited."""
        stack: list[int] = []
        for index, line in enumerate(self.lines):
            if line.kind is not Kind.HEADING:
                continue
            while stack and self.lines[stack[-1]].depth >= line.depth:
                stack.pop()
            hint = role_from_words(heading_words(line))
            if stack and hint is not None and hint.role in _PAPER_ROLES:
                self.paper_sibling_parents.add(stack[-1])
            if stack and hint is not None and hint.role != SectionRole.NONE:
                self.containers.add(stack[-1])
            stack.append(index)

    # One line at a time.

    def _step(self, index: int, line: Line) -> None:
        if line.kind is Kind.HEADING:
            self._open_heading(index, line)
            return
        if line.kind is Kind.BLANK:
            self.blank_since_entry = True
            return
        if line.kind in (Kind.HIDDEN, Kind.RULE):
            return
        reading = self.readings.get(index)
        if reading is None:
            return
        if index >= self.reading_start and (words := self._label_words(index)) is not None:
            self._open_label(index, line, words)
            return
        if reading.shape is Shape.TEXT:
            self._maybe_note(index, reading.text)
            return
        if reading.shape is Shape.PROSE:
            self._maybe_note(index, reading.text)  # "> 仅用于入门，详见[说明](u)": a note with a link in it
        if reading.shape is Shape.TABLE_HEADER:
            return
        if self._continues_last_entry(line, reading):
            return
        self._place(index, line, reading)

    def _open_heading(self, index: int, line: Line) -> None:
        while self.headings and self.headings[-1].depth >= line.depth:
            self.headings.pop()
        heading = heading_words(line)
        parent = self.headings[-1] if self.headings else None
        hint = role_from_words(heading)
        part = Part(self._key(heading or "#"), line.number, heading, line.depth, parent, hint, index=index)
        if self.note is not None and line.depth <= self.note[1]:
            self.note = None
        self._guess(part)
        self.headings.append(part)
        self.parts.append(part)
        self.label = None
        self.last_entry = None

    def _open_label(self, index: int, line: Line, words: str) -> None:
        heading = clean_heading(words.lstrip("-*+• "))
        parent = self.headings[-1] if self.headings else self.root
        part = Part(self._key(heading), line.number, heading, LABEL_DEPTH, parent, role_from_words(heading))
        self._guess(part)
        self.label = part
        self.parts.append(part)
        self.last_entry = None

    def _key(self, heading: str) -> str:
        count = self.keys.get(heading, 0) + 1
        self.keys[heading] = count
        return heading if count == 1 else f"{heading}#{count}"

    def _guess(self, part: Part) -> None:
        hint, parent = part.hint, part.parent
        if hint is not None and hint.role == SectionRole.NONE and not self.trust_no_list_words:
            hint = None
        if hint is not None and not hint.is_weak:
            self.note = None  # a part that names its role ends the hold of a note above it
            part.role, part.reason, part.decided_by = hint.role, reason_for_words(hint), "words"
        elif self.note is not None:
            part.role, part.decided_by = self.note[0].role, "note"
            part.reason = _("the note above it says “%(words)s”") % {"words": self.note[0].word}
        elif parent is not None and self._inherits(part, parent, hint):
            part.role, part.decided_by = parent.role, "inherited"
            part.reason = _("as in “%(section)s”") % {"section": parent.heading}
        elif hint is not None:
            part.role, part.reason = hint.role, reason_for_words(hint)
            part.decided_by = "weak words" if hint.is_weak else "words"
        else:
            part.role, part.decided_by = SectionRole.ADVANCED, "default"
            part.reason = _("a reading section that names no intro or materials role")

    def _inherits(self, part: Part, parent: Part, hint: RoleHint | None) -> bool:
        if parent.decided_by == "default" or parent.role == SectionRole.NONE:
            return False
        if parent.role == SectionRole.MATERIALS:
            # "## 参考资料" holding "### 入门文献" and "### 进阶文献" is a container, not a materials section
            return hint is None and parent.index not in self.paper_sibling_parents
        return True

    def _label_words(self, index: int) -> str | None:
        """The words of a sub-group label standing on this line, or None.

        A bold line is a label wherever it stands; a short plain line or bullet only right above a list, and a
        plain line not right under an entry (there it is the entry's description).
        """
        line, reading = self.lines[index], self.readings.get(index)
        if reading is None or reading.shape is not Shape.TEXT or line.kind not in (Kind.PARAGRAPH, Kind.LIST):
            return None
        if line.kind is Kind.PARAGRAPH and (words := bold_label(line.raw)) is not None and is_label_text(words):
            return words
        if line.kind is Kind.PARAGRAPH and (line.indent >= 2 or self.last_entry and not self.blank_since_entry):
            return None
        if not is_label_text(reading.text) or not self._entries_follow(index):
            return None
        return reading.text

    def _entries_follow(self, index: int) -> bool:
        blanks = 0
        for following in range(index + 1, len(self.lines)):
            kind = self.lines[following].kind
            if kind is Kind.BLANK:
                blanks += 1
                if blanks > _LOOKAHEAD_BLANKS:
                    return False
                continue
            reading = self.readings.get(following)
            return reading is not None and reading.shape in (Shape.ENTRY, Shape.CITATION, Shape.TABLE_HEADER)
        return False

    def _maybe_note(self, index: int, text: str) -> None:
        if index < self.reading_start or (hint := role_from_note(text)) is None:
            return
        part = self.label or (self.headings[-1] if self.headings else self.root)
        if part.role == hint.role and part.decided_by in ("words", "inherited"):
            return  # "学生可在此部分选择进阶文献" under "2.3 进阶文献" says again what the heading said
        self.note = (hint, self.headings[-1].depth if self.headings else 0)
        # "仅用于入门" decides for the papers below it; "可选择...汇报" only where the heading said nothing clear
        overrides = hint.role == SectionRole.INTRO or part.decided_by != "words"
        if part.entry_count == 0 and overrides:
            part.role, part.reason, part.decided_by = hint.role, reason_for_note(hint), "note"

    def _continues_last_entry(self, line: Line, reading: Reading) -> bool:
        """The venue or the links written under an entry, on its own lines: part of that entry."""
        last = self.last_entry
        if last is None or line.kind is not Kind.PARAGRAPH or (self.blank_since_entry and line.indent < 2):
            return False
        below = None
        if reading.shape is Shape.VENUE and (venue := venue_alone(line.text)) is not None:
            below = EntryText("", venue=venue.venue, year=venue.year, year_out_of_range=venue.year_out_of_range)
        elif reading.shape is Shape.CITATION and not reading.links and reading.entry.has_citation:
            below = reading.entry
        if below is not None:
            if not last.reading.entry.has_citation and last.written_below is None:
                last.written_below = below
            return True
        if reading.shape is Shape.ENTRY and reading.entry.title and not is_generic_text(reading.entry.title):
            return False
        if reading.links:
            self.skipped.append(SkippedLine(line.number, line.raw[:1000], _extra_link_reason(reading.links)))
        return True

    def _place(self, index: int, line: Line, reading: Reading) -> None:
        part = self.label or (self.headings[-1] if self.headings else self.root)
        if reading.shape in (Shape.PROSE, Shape.IMAGE, Shape.TOO_LONG, Shape.UNREADABLE):
            self._report_shape(index, line, reading, part)
            return
        if reading.entry is None or not self._qualifies(reading, part):
            if any(not link.is_image for link in reading.links) and not self._in_prose_section(part):
                self.skipped.append(SkippedLine(line.number, line.raw[:1000], SkipReason.PROSE))
            return
        if self._last_entry_owns(line, reading):
            return
        entry = RawEntry(index, line, reading, part, tuple(self.headings), part.role)
        self.entries.append(entry)
        self.last_entry = entry
        self.blank_since_entry = False
        if part.role == SectionRole.NONE:
            self.has_entries_in_prose_sections = True
        for counted in part.chain():
            counted.entry_count += 1

    def _report_shape(self, index: int, line: Line, reading: Reading, part: Part) -> None:
        if self._in_prose_section(part):
            return
        if reading.shape is Shape.IMAGE and index < self.reading_start:
            return
        reason = {
            Shape.PROSE: SkipReason.PROSE,
            Shape.IMAGE: SkipReason.IMAGE,
            Shape.TOO_LONG: SkipReason.TOO_LONG,
            Shape.UNREADABLE: SkipReason.UNREADABLE,
        }[reading.shape]
        self.skipped.append(SkippedLine(line.number, line.raw[:1000], reason))

    def _in_prose_section(self, part: Part) -> bool:
        """Under a heading that says it is prose (研究背景, 结语): its links are the text's, not a list's."""
        return any(p.role == SectionRole.NONE and p.decided_by in ("words", "weak words") for p in part.chain())

    def _qualifies(self, reading: Reading, part: Part) -> bool:
        """Whether a line names a work: a link opening it, a citation with a venue or year, or in a materials
        section a book or a described item ("张茂军《计算摄影学基础》——适合中文初学者...")."""
        entry = reading.entry
        if reading.shape is Shape.ENTRY or entry.has_citation or entry.has_paper_link:
            return True
        if _SEARCH_FOR_IT.search(entry.note):
            return True  # "Title——自行搜索": a paper the students look up themselves
        return part.role == SectionRole.MATERIALS and bool(entry.is_book_or_web or entry.note)

    def _last_entry_owns(self, line: Line, reading: Reading) -> bool:
        """`  - [Code](u)` under an entry: the entry's code link, not an entry of its own."""
        last = self.last_entry
        entry = reading.entry
        if last is None or entry.title or line.indent <= last.line.indent and self.blank_since_entry:
            return False
        if reading.links and all(is_generic_text(link.text) or is_code_link(link) for link in reading.links):
            self.skipped.append(SkippedLine(line.number, line.raw[:1000], _extra_link_reason(reading.links)))
            return True
        return False

    def _read_reference_lists(self) -> None:
        """"## 参考资料" or "### 2.4 方法介绍" listing papers is a reading list, whatever its loose words say."""
        loose = [part for part in self.parts if part.decided_by in ("words", "weak words") and part.hint is not None
                 and part.hint.may_hold_papers]
        if not loose:
            return
        entries_under: dict[int, list[RawEntry]] = {}
        for raw in self.entries:
            for part in raw.part.chain():
                entries_under.setdefault(id(part), []).append(raw)
        for part in loose:
            under = [raw for raw in entries_under.get(id(part), []) if raw.role == part.hint.role]
            cited = [raw for raw in under if reads_as_cited_paper(raw.reading.entry)]
            if len(cited) >= 2 and len(cited) >= 0.6 * len(under):
                part.role, part.decided_by = paper_role_named(part.heading), "links"
                part.reason = _("its links are papers with their venues: a list of references")
                for raw in under:
                    raw.role = part.role

    def _settle(self, part: Part) -> None:
        """A part with nothing under it is not a reading list, whatever its words say (a label keeps a clear word)."""
        if part.entry_count == 0 and not (part.is_label and part.decided_by == "words"):
            part.role, part.decided_by = SectionRole.NONE, "empty"
            if not (part.hint is not None and part.hint.role == SectionRole.NONE):
                part.reason = _("no papers or materials are listed under it")


def _extra_link_reason(links: list) -> str:
    return SkipReason.CODE_LINK if any(is_code_link(link) for link in links) else SkipReason.EXTRA_LINK


def _names_a_work(reading: Reading | None) -> bool:
    """A line that is an entry wherever it stands: opened by a link, or a citation with a venue, year or book."""
    if reading is None or reading.shape not in (Shape.ENTRY, Shape.CITATION):
        return False
    return reading.shape is Shape.ENTRY or reading.entry.has_citation or reading.entry.is_book_or_web


def heading_words(line: Line) -> str:
    """A heading as shown to the admin: "## 2.2 [入门文献](#intro)" reads "2.2 入门文献"."""
    return clean_heading(without_link_marks(line.text))


def without_link_marks(text: str) -> str:
    """"## [MOT](https://...) 简介" reads "MOT 简介"."""
    links = find_links(text)
    for link in reversed(links):
        text = text[: link.start] + ("" if link.is_image else link.text or link.url) + text[link.end :]
    return text
