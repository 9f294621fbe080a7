"""Reads a topic page (Hugo front matter + Markdown) or a JSON export into a ReadingList.

The page format is the mentors' own: section "入门文献" lists intro papers,
section "进阶文献" lists advanced papers under the plain-line sub-headings
"辅助信息" and "辅助任务". An entry reads `[Short name](url): Title (Venue Year)`,
or `[Title](url) (Venue Year)`, and the venue may sit on the next line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml
from django.utils.translation import gettext as _

from papers.arxiv import InvalidArxivId, normalize_arxiv_id
from papers.models import Kind, Level

INTRO_HEADING = "入门文献"
ADVANCED_HEADING = "进阶文献"
KIND_HEADINGS = {"辅助信息": Kind.AUXILIARY_INFORMATION.value, "辅助任务": Kind.AUXILIARY_TASK.value}

_HEADING = re.compile(r"^(#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_ENTRY = re.compile(r"^\s*[*+-]\s+\[(?P<text>[^\]]+)\]\((?P<url>[^)\s]+)\)(?P<rest>.*)$")
_VENUE_YEAR = re.compile(r"\(\s*(?P<venue>[^()]*?)\s*(?P<year>(?:19|20)\d{2})\s*\)\s*$")
_ARXIV_HOST = re.compile(r"^(?:www\.|export\.)?arxiv\.org$")


class ReadingListError(ValueError):
    """The input cannot be read as a reading list; nothing should be imported."""


@dataclass(frozen=True, slots=True)
class ParsedPaper:
    url: str
    title: str
    short_name: str = ""
    venue: str = ""
    year: int | None = None
    arxiv_id: str | None = None
    level: str = Level.INTRO
    kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def identity(self) -> str:
        return f"arxiv:{self.arxiv_id}" if self.arxiv_id else f"url:{self.url}"


@dataclass(frozen=True, slots=True)
class ReadingList:
    title: str
    introduction: str
    papers: list[ParsedPaper]
    slug: str = ""


def arxiv_id_from_url(url: str) -> str | None:
    """The canonical arXiv id behind an arxiv.org link, or None for any other link."""
    if not _ARXIV_HOST.match(urlsplit(url).netloc.lower()):
        return None
    try:
        return normalize_arxiv_id(url)
    except InvalidArxivId:
        return None


def parse(text: str) -> ReadingList:
    """Parse either a JSON export or a topic page."""
    if text.lstrip().startswith("{"):
        return parse_export(text)
    return parse_page(text)


def parse_page(text: str) -> ReadingList:
    front_matter, body = _split_front_matter(text)
    title = str(front_matter.get("title") or "").strip()
    lines = body.splitlines()
    papers = _merge_duplicates(_entries(lines))
    if not papers:
        raise ReadingListError(
            _("No reading list found: the page has no “%(intro)s” or “%(advanced)s” section with linked papers.")
            % {"intro": INTRO_HEADING, "advanced": ADVANCED_HEADING}
        )
    if not title:
        title = _first_heading(lines) or ""
    if not title:
        raise ReadingListError(_("The page has no title in its front matter."))
    return ReadingList(title=title, introduction=_introduction(lines), papers=papers)


def parse_export(text: str) -> ReadingList:
    try:
        data = json.loads(text)
        topic = data["topic"]
        papers = [
            ParsedPaper(
                url=item["url"],
                title=item["title"],
                short_name=item.get("short_name") or "",
                venue=item.get("venue") or "",
                year=item.get("year"),
                arxiv_id=item.get("arxiv_id"),
                level=Level(item["level"]).value,
                kinds=frozenset(Kind(kind).value for kind in item.get("kinds", [])),
            )
            for item in data["papers"]
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise ReadingListError(_("The JSON file is not a reading-list export: %(error)s") % {"error": error}) from error
    if not papers:
        raise ReadingListError(_("The export lists no papers."))
    return ReadingList(
        title=topic["title"], introduction=topic.get("introduction", ""), papers=papers, slug=topic.get("slug", "")
    )


def _split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end == -1:
        raise ReadingListError(_("The front matter starts with “---” but never ends."))
    try:
        data = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as error:
        raise ReadingListError(_("The front matter is not valid YAML: %(error)s") % {"error": error}) from error
    if not isinstance(data, dict):
        raise ReadingListError(_("The front matter is not a set of “key: value” lines."))
    return data, text[end + 4 :].lstrip("\n")


def _first_heading(lines: list[str]) -> str | None:
    for line in lines:
        if match := _HEADING.match(line):
            return match["text"]
    return None


def _introduction(lines: list[str]) -> str:
    """Section one of the page: the prose before the first second-level heading after it."""
    intro: list[str] = []
    started = False
    for line in lines:
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 2:
            if started:
                break
            started = True
            continue
        if started:
            intro.append(line)
    while intro and intro[-1].strip() in {"", "***", "---"}:
        intro.pop()
    return "\n".join(intro).strip("\n")


def _entries(lines: list[str]) -> list[ParsedPaper]:
    level: str | None = None
    kind: str | None = None
    found: list[ParsedPaper] = []
    pending: dict | None = None  # an entry whose venue may be on the next line

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            found.append(_make_paper(**pending))
            pending = None

    for raw in lines:
        line = raw.strip()
        heading = _HEADING.match(raw)
        if heading:
            flush()
            text = heading["text"]
            level = Level.INTRO.value if INTRO_HEADING in text else Level.ADVANCED.value if ADVANCED_HEADING in text else None
            kind = None
            continue
        if level == Level.ADVANCED and line.rstrip("：:").strip() in KIND_HEADINGS:
            flush()
            kind = KIND_HEADINGS[line.rstrip("：:").strip()]
            continue
        if level is None:
            continue
        entry = _ENTRY.match(raw)
        if entry:
            flush()
            if level == Level.ADVANCED and kind is None:
                continue  # advanced entries outside a kind heading cannot be classified
            pending = {"text": entry["text"], "url": entry["url"], "rest": entry["rest"], "level": level, "kind": kind}
            continue
        if pending is not None and line and not _VENUE_YEAR.search(pending["rest"]) and _VENUE_YEAR.fullmatch(line):
            pending["rest"] = f"{pending['rest']} {line}"
            flush()
    flush()
    return found


def _make_paper(text: str, url: str, rest: str, level: str, kind: str | None) -> ParsedPaper:
    rest = rest.strip()
    venue, year = "", None
    if match := _VENUE_YEAR.search(rest):
        venue, year = _normalise_venue(match["venue"]), int(match["year"])
        rest = rest[: match.start()].strip()
    if rest.startswith((":", "：")):
        short_name, title = text.strip(), rest[1:].strip()
    else:
        short_name, title = "", text.strip()
    return ParsedPaper(
        url=url.strip(),
        title=title or short_name,
        short_name=short_name if title else "",
        venue=venue,
        year=year,
        arxiv_id=arxiv_id_from_url(url),
        level=level,
        kinds=frozenset({kind}) if kind else frozenset(),
    )


def _normalise_venue(venue: str) -> str:
    return "arXiv" if venue.lower() == "arxiv" else venue


def _merge_duplicates(papers: list[ParsedPaper]) -> list[ParsedPaper]:
    """A paper listed under both kinds is one paper tagged with both."""
    merged: dict[str, ParsedPaper] = {}
    for paper in papers:
        earlier = merged.get(paper.identity)
        if earlier is None:
            merged[paper.identity] = paper
            continue
        level = Level.ADVANCED if Level.ADVANCED in (earlier.level, paper.level) else Level.INTRO
        kinds = earlier.kinds | paper.kinds if level == Level.ADVANCED else frozenset()
        merged[paper.identity] = ParsedPaper(
            url=earlier.url,
            title=earlier.title,
            short_name=earlier.short_name,
            venue=earlier.venue or paper.venue,
            year=earlier.year or paper.year,
            arxiv_id=earlier.arxiv_id,
            level=level,
            kinds=kinds,
        )
    return list(merged.values())
