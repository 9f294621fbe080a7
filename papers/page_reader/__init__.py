"""Reads a topic page of the programme (Hugo front matter + Markdown) into sections, papers and materials.

Pure: no database, no network. `read_page` never raises on a page it can
decode; what it cannot use is reported (`TopicPage.skipped`,
`TopicPage.warnings`) with a line number and a reason. It raises
`PageError` only when nothing can be read at all (broken front matter, no
reading part), with a message naming the problem.

Line numbers are 1-based in the whole file, front matter included (as
`grep -n` counts them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from papers.identity import arxiv_id_from_url


class PageError(ValueError):
    """The page cannot be read as a topic page; the message says why, for a person."""


class SectionRole(models.TextChoices):
    INTRO = "intro", _("Intro papers")
    ADVANCED = "advanced", _("Advanced papers")
    MATERIALS = "materials", _("Materials")
    NONE = "none", _("Not a reading list")


class EntryRole(models.TextChoices):
    INTRO = "intro", _("Intro paper")
    ADVANCED = "advanced", _("Advanced paper")
    MATERIAL = "material", _("Material")


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the page that can carry a role: a heading, or a sub-group label inside one."""

    key: str  # stable across re-imports of the same page: what remembered choices refer to
    line: int
    heading: str  # cleaned text, as shown to the admin
    depth: int  # 1-6 for Markdown headings; 7 for a sub-group label (bold line, label bullet, "X：" line)
    role: str  # SectionRole, after the admin's choices
    guessed_role: str  # SectionRole, as the reader decided it
    reason: str = ""  # why the reader guessed that role, for the preview


@dataclass(frozen=True, slots=True)
class PageEntry:
    """One paper or material of the reading part, as written on the page."""

    line: int
    section: str  # Section.key of the heading it sits under
    group: str  # the nearest sub-group label inside that section, or ""
    role: str  # EntryRole
    title: str
    short_name: str = ""
    url: str | None = None
    venue: str = ""
    year: int | None = None
    note: str = ""  # a material's description ("——适合中文初学者的深度学习教材")
    category: str = ""  # an advanced paper's category (after the admin's renames); "" otherwise

    @property
    def arxiv_id(self) -> str | None:
        return arxiv_id_from_url(self.url)

    @property
    def is_paper(self) -> bool:
        return self.role in (EntryRole.INTRO, EntryRole.ADVANCED)


class SkipReason(models.TextChoices):
    CODE_LINK = "code_link", _("a code or project link after an entry")
    EXTRA_LINK = "extra_link", _("a second link on an entry's line")
    PROSE = "prose", _("a prose paragraph")
    IMAGE = "image", _("an image")
    UNREADABLE = "unreadable", _("a line the reader could not understand")
    TOO_LONG = "too_long", _("a title or link longer than the catalogue keeps")
    NOT_A_LIST = "not_a_list", _("in a section marked as not a reading list")


@dataclass(frozen=True, slots=True)
class SkippedLine:
    line: int
    text: str  # the line as written (trimmed)
    reason: str  # SkipReason

    @property
    def reason_label(self) -> str:
        return SkipReason(self.reason).label


@dataclass(frozen=True, slots=True)
class PageWarning:
    line: int
    message: str  # translated, for a person


@dataclass(frozen=True, slots=True)
class PageChoices:
    """An admin's corrections to a reading, remembered for the page's next import."""

    roles: Mapping[str, str] = field(default_factory=dict)  # Section.key -> SectionRole
    categories: Mapping[str, str] = field(default_factory=dict)  # category as read -> category as named

    def as_json(self) -> dict:
        return {"roles": dict(self.roles), "categories": dict(self.categories)}

    @classmethod
    def from_json(cls, data: object) -> PageChoices:
        data = data if isinstance(data, dict) else {}
        roles = data.get("roles") if isinstance(data.get("roles"), dict) else {}
        categories = data.get("categories") if isinstance(data.get("categories"), dict) else {}
        return cls(
            roles={str(k): str(v) for k, v in roles.items() if v in SectionRole.values},
            categories={str(k): str(v).strip() for k, v in categories.items() if str(v).strip()},
        )


@dataclass(frozen=True, slots=True)
class TopicPage:
    name: str  # the file name, e.g. "24-mot.md"
    full_title: str  # the front matter's title, e.g. "新芽专题介绍（24）：多目标跟踪"
    title: str  # without the site's prefix: "多目标跟踪"
    number: int | None  # 24; None when the title carries no number
    introduction: str  # Markdown: the prose before the reading part
    sections: list[Section]
    entries: list[PageEntry]  # papers and materials, in page order
    skipped: list[SkippedLine]
    warnings: list[PageWarning]

    @property
    def papers(self) -> list[PageEntry]:
        return [entry for entry in self.entries if entry.is_paper]

    @property
    def materials(self) -> list[PageEntry]:
        return [entry for entry in self.entries if entry.role == EntryRole.MATERIAL]

    @property
    def categories(self) -> list[str]:
        """The advanced papers' categories, in page order."""
        return list(dict.fromkeys(entry.category for entry in self.papers if entry.category))


def read_page(text: str, *, name: str = "", choices: PageChoices | None = None) -> TopicPage:
    """Read a topic page; `choices` (an admin's corrections) are applied on top of the reader's guesses."""
    from papers.page_reader.reader import read  # noqa: PLC0415 - the implementation, kept apart from the types

    return read(text, name=name, choices=choices or PageChoices())
