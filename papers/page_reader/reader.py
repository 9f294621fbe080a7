"""Reads a topic page into sections, papers and materials; see `papers.page_reader` for the types.

Three steps: the page's lines as Markdown blocks and what each holds (`structure`, `lines`), the role of every
heading and sub-group label as the page states it (`walk`), then each entry as a paper or a material, with the
admin's choices applied and what needs a look reported (here).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePath

from django.utils.translation import gettext as _

from papers.identity import arxiv_id_from_url, title_key
from papers.page_reader import (
    EntryRole,
    PageChoices,
    PageEntry,
    PageError,
    PageWarning,
    Section,
    SectionRole,
    SkippedLine,
    SkipReason,
    TopicPage,
)
from papers.page_reader.front_matter import read_front_matter, split_title
from papers.page_reader.lines import EntryText
from papers.page_reader.links import LinkKind, classify_url, is_code_link, is_generic_text
from papers.page_reader.materials import link_identity, reads_as_dataset_paper, reads_as_material
from papers.page_reader.sections import category_name, clean_heading, is_generic_name, paper_role_named
from papers.page_reader.structure import MAX_TITLE, Kind, Line, classify, read_lines, split_lines
from papers.page_reader.walk import PageWalk, Part, RawEntry, ReadPage, heading_words


def read(text: str, *, name: str = "", choices: PageChoices) -> TopicPage:
    raw_lines = split_lines(text if isinstance(text, str) else "")
    if not any(line.strip() for line in raw_lines):
        raise PageError(_("The page is empty."))
    front = read_front_matter(raw_lines)
    lines = classify(raw_lines, front.body_start)
    readings = read_lines(lines)
    full_title = front.title or _first_heading(lines) or PurePath(name).stem or _("Untitled topic")
    title, number = split_title(full_title)
    page = PageWalk(lines, readings, trust_no_list_words=True).run()
    built = _Assembly(page, choices, full_title).build()
    if not built.entries and page.has_entries_in_prose_sections:
        page = PageWalk(lines, readings, trust_no_list_words=False).run()
        built = _Assembly(page, choices, full_title).build()
    if not built.entries and not built.chosen_away:
        raise PageError(
            _("No reading list found: the page lists no papers and no materials (links in lists under its headings).")
        )
    return TopicPage(
        name=name,
        full_title=full_title,
        title=title,
        number=number,
        introduction=_introduction(raw_lines, lines, page.reading_start),
        sections=built.sections,
        entries=built.entries,
        skipped=built.skipped,
        warnings=built.warnings,
    )


def _first_heading(lines: list[Line]) -> str:
    return next((words for line in lines if line.kind is Kind.HEADING and (words := heading_words(line))), "")


# --- Papers and materials ----------------------------------------------------------------------------------------


@dataclass
class _Built:
    sections: list[Section] = field(default_factory=list)
    entries: list[PageEntry] = field(default_factory=list)
    skipped: list[SkippedLine] = field(default_factory=list)
    warnings: list[PageWarning] = field(default_factory=list)
    chosen_away: bool = False  # entries exist but the admin's choices set their sections to "none"


class _Assembly:
    def __init__(self, page: ReadPage, choices: PageChoices, full_title: str):
        self.page = page
        self.choices = choices
        self.root_heading = clean_heading(full_title)
        self.root_key = page.root.key
        self.material_links = self._material_links()
        self.built = _Built(skipped=list(page.skipped))
        self.seen_links: dict[str, PageEntry] = {}
        self.placed: list[tuple[RawEntry, PageEntry]] = []
        self.seen_titles: dict[str, PageEntry] = {}

    def build(self) -> _Built:
        for raw in self.page.entries:
            self._add(raw)
        self._name_material_parts()
        self.built.sections = [self._section(part) for part in self.page.parts]
        if any(entry.section == self.root_key for entry in self.built.entries):
            role = self.choices.roles.get(self.root_key, SectionRole.ADVANCED)
            root = Section(self.root_key, 1, self.root_heading, 1, role, SectionRole.ADVANCED,
                           _("entries written before any heading"))
            self.built.sections.insert(0, root)
        self.built.skipped.sort(key=lambda skipped: skipped.line)
        self.built.warnings.sort(key=lambda warning: warning.line)
        return self.built

    def _name_material_parts(self) -> None:
        """A part whose role came from nothing it says and under which every link is a material is shown as one."""
        kinds: dict[int, set[bool]] = {}
        for raw, entry in self.placed:
            for part in raw.part.chain():
                kinds.setdefault(id(part), set()).add(entry.is_paper)
        for part in self.page.parts:
            if part.decided_by in ("default", "inherited", "weak words") and kinds.get(id(part)) == {False}:
                part.role, part.decided_by = SectionRole.MATERIALS, "links"
                part.reason = _("every link under it is a material: code, documentation, a video, a dataset ...")

    def _material_links(self) -> set[str]:
        """Links the page lists in its materials sections: the same link elsewhere is a material too."""
        links = set()
        for raw in self.page.entries:
            text = raw.reading.entry
            if raw.role == SectionRole.MATERIALS and text.url and classify_url(text.url) is not LinkKind.PAPER \
                    and not (_lists_datasets(raw.part) and reads_as_dataset_paper(text)):
                links.add(link_identity(text.url))
        links.discard("")
        return links

    def _chosen_role(self, part: Part) -> str | None:
        """The admin's role for the part or, failing that, for the nearest part around it."""
        chosen = (self.choices.roles.get(p.key) for p in part.chain())
        return next((role for role in chosen if role in SectionRole.values), None)

    def _section(self, part: Part) -> Section:
        chosen = self._chosen_role(part)
        return Section(
            key=part.key, line=part.line, heading=part.heading, depth=part.depth,
            role=chosen or part.role, guessed_role=part.role, reason=part.reason,
        )

    def _add(self, raw: RawEntry) -> None:
        text = raw.reading.entry
        if raw.written_below is not None:
            text = _with_line_below(text, raw.written_below)
        chosen = self._chosen_role(raw.part)
        section_role = chosen or raw.role
        if section_role == SectionRole.NONE:
            self.built.skipped.append(SkippedLine(raw.line.number, raw.line.raw[:1000], SkipReason.NOT_A_LIST))
            self.built.chosen_away = self.built.chosen_away or chosen is not None
            return
        if section_role == SectionRole.MATERIALS and chosen is None and _lists_datasets(raw.part) \
                and reads_as_dataset_paper(text):
            section_role = paper_role_named(raw.part.heading)  # "ScanNet (CVPR 2017)" under "2.4 常用数据集"
        is_material = section_role == SectionRole.MATERIALS or reads_as_material(text, self.material_links)
        if section_role == SectionRole.MATERIALS and classify_url(text.url) is LinkKind.PAPER:
            self._warn(raw.line.number, _("A paper's link in a materials section: it was read as a material."))
        entry = self._material(raw, text) if is_material else self._paper(raw, text, section_role)
        if entry is None:
            return
        self.built.entries.append(entry)
        self.placed.append((raw, entry))
        self._extra_links(raw, text)
        if text.year_out_of_range:
            self._warn(raw.line.number, _("The year %(year)s is outside 1900–2100; it was left out.")
                       % {"year": text.year_out_of_range})
        if entry.is_paper:
            self._check_repeats(entry)

    def _paper(self, raw: RawEntry, text: EntryText, role: str) -> PageEntry | None:
        title = text.title or text.material_title
        if not title or is_generic_text(title):
            self._warn(raw.line.number, _("This entry has a link but no title; check it on the page."))
            title = _stand_in_title(text.url)
        if not title:
            self.built.skipped.append(SkippedLine(raw.line.number, raw.line.raw[:1000], SkipReason.UNREADABLE))
            return None
        section, group, category_parts = self._placement(raw)
        category = ""
        if role == SectionRole.ADVANCED:
            read_category = _category(category_parts)
            category = self.choices.categories.get(read_category, read_category)
        return PageEntry(
            line=raw.line.number, section=section, group=group,
            role=EntryRole.INTRO if role == SectionRole.INTRO else EntryRole.ADVANCED,
            title=title[:MAX_TITLE], short_name=text.short_name[:200], url=text.url, venue=text.venue[:200],
            year=text.year, category=category[:200],
        )

    def _material(self, raw: RawEntry, text: EntryText) -> PageEntry | None:
        title = text.material_title or text.title or _stand_in_title(text.url)
        if not title:
            self.built.skipped.append(SkippedLine(raw.line.number, raw.line.raw[:1000], SkipReason.UNREADABLE))
            return None
        section, group, _parts = self._placement(raw)
        return PageEntry(
            line=raw.line.number, section=section, group=group, role=EntryRole.MATERIAL, title=title[:MAX_TITLE],
            url=text.url, venue=text.venue[:200], year=text.year, note=text.note,
        )

    def _placement(self, raw: RawEntry) -> tuple[str, str, list[Part]]:
        """Its section's key, its group's name, and the parts its category may come from (innermost first)."""
        if not raw.headings:
            label = raw.part if raw.part.is_label else None
            return self.root_key, label.heading if label else "", [label] if label else []
        section = next((part for part in raw.headings if self._is_reading_section(part)), raw.headings[-1])
        deeper = [part for part in raw.headings if part.depth > section.depth]
        label = raw.part if raw.part.is_label else None
        groups = ([label] if label else []) + deeper[::-1]
        return section.key, groups[0].heading if groups else "", groups + [section]

    def _is_reading_section(self, part: Part) -> bool:
        """A heading naming its papers' role ("### 2.3 进阶文献"), not a container of such headings: what is
        under it, down to "#### 2.3.1 ...", are its groups."""
        hint = part.hint
        return (
            hint is not None and hint.role != SectionRole.NONE and part.index not in self.page.containers
        )

    def _extra_links(self, raw: RawEntry, text: EntryText) -> None:
        if text.extra_links:
            code = any(is_code_link(link) for link in text.extra_links)
            reason = SkipReason.CODE_LINK if code else SkipReason.EXTRA_LINK
            self.built.skipped.append(SkippedLine(raw.line.number, raw.line.raw[:1000], reason))

    def _check_repeats(self, entry: PageEntry) -> None:
        link = link_identity(entry.url)
        name = title_key(entry.title)
        earlier = self.seen_links.get(link) if link else None
        if earlier is not None and title_key(earlier.title) != name:
            self._warn(entry.line, _("This link is also given on line %(line)d, to another title: “%(title)s”.")
                       % {"line": earlier.line, "title": earlier.title})
        elif (earlier := earlier or self.seen_titles.get(name)) is not None:
            self._warn(entry.line, _("“%(title)s” is also listed on line %(line)d.")
                       % {"title": entry.title, "line": earlier.line})
        if link:
            self.seen_links.setdefault(link, entry)
        self.seen_titles.setdefault(name, entry)

    def _warn(self, line: int, message: str) -> None:
        self.built.warnings.append(PageWarning(line, message))


def _lists_datasets(part: Part) -> bool:
    deciding = next((p for p in part.chain() if p.decided_by == "words" and p.hint is not None), None)
    return deciding is not None and deciding.hint.lists_datasets


def _category(parts: list[Part]) -> str:
    """The innermost group's name that says something; "进阶文献" alone only when nothing better is written."""
    names = [category_name(part.heading) for part in parts]
    names = [name for name in names if name]
    return next((name for name in names if not is_generic_name(name)), names[0] if names else "")


def _with_line_below(text: EntryText, below: EntryText) -> EntryText:
    """`[ViT](u)` then "  An Image is Worth 16x16 Words (ICLR 2021)": the name's title and venue, one line down."""
    text = replace(text, venue=below.venue, year=below.year, year_out_of_range=below.year_out_of_range)
    if below.title and not text.short_name and text.title == text.material_title:
        text = replace(text, title=below.title, short_name=text.title)
    return text


def _stand_in_title(url: str | None) -> str:
    if not url:
        return ""
    if arxiv_id := arxiv_id_from_url(url):
        return f"arXiv:{arxiv_id}"
    return url[:MAX_TITLE]


def _introduction(raw_lines: list[str], lines: list[Line], start: int) -> str:
    """The Markdown before the reading part, without trailing rules; a lone heading over all of it is dropped."""
    first, end = 0, start
    while end > first and lines[end - 1].kind in (Kind.BLANK, Kind.RULE):
        end -= 1
    while first < end and lines[first].kind is Kind.BLANK:
        first += 1
    headings = [line for line in lines[first:end] if line.kind is Kind.HEADING]
    if headings and headings[0] is lines[first] and all(line.depth > headings[0].depth for line in headings[1:]):
        first += 1
        while first < end and lines[first].kind is Kind.BLANK:
            first += 1
    return "\n".join(raw_lines[line.number - 1] for line in lines[first:end])
