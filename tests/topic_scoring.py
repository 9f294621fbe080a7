"""The official measure of a topic-page import (../shared/tools/score_topics.py), for the tests.

A paper is found by its link (arXiv id for arXiv links, else host and path) or by a
near-identical title; distinct papers of a reading are those with neither in common.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_ARXIV = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.I)


def url_key(url: str | None) -> str | None:
    if not url:
        return None
    text = url.strip().strip("<>")
    parts = urlsplit(text if "://" in text else "https://" + text)
    host = parts.netloc.lower().removeprefix("www.")
    if host.endswith("arxiv.org") and (found := _ARXIV.search(parts.path)):
        return "arxiv:" + found.group(1).lower()
    return host + parts.path.rstrip("/").removesuffix(".pdf")


def title_key(title: str | None) -> str:
    return re.sub(r"[\W_]+", "", (title or "").lower())


def same_title(a: str | None, b: str | None) -> bool:
    a, b = title_key(a), title_key(b)
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 12 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.9)


@dataclass(frozen=True, slots=True)
class Found:
    """What an import gave for one paper: from a PageEntry, or from an export's JSON."""

    title: str
    url: str | None = None
    arxiv_id: str | None = None
    short_name: str = ""
    role: str = ""


def matches(expected: dict, found: Found) -> bool:
    keys = {url_key(found.url)}
    if found.arxiv_id:
        keys.add("arxiv:" + found.arxiv_id.lower())
    key = url_key(expected["url"])
    same_short_name = bool(expected.get("short_name") and found.short_name) and (
        title_key(expected["short_name"]) == title_key(found.short_name) and same_title(expected["title"], found.title)
    )
    return (key is not None and key in keys) or same_title(expected["title"], found.title) or same_short_name


def distinct(entries: Iterable[dict]) -> list[dict]:
    kept: list[dict] = []
    for entry in entries:
        if not any((url_key(entry["url"]) and url_key(entry["url"]) == url_key(other["url"]))
                   or same_title(entry["title"], other["title"]) for other in kept):
            kept.append(entry)
    return kept


@dataclass
class Score:
    papers: int = 0
    found: int = 0
    right_role: int = 0
    leaked: int = 0  # materials read as papers
    misses: list[str] = field(default_factory=list)


def score(found: list[Found], expected: list[dict]) -> Score:
    papers = distinct(entry for entry in expected if entry["role"] != "material")
    materials = distinct(entry for entry in expected if entry["role"] == "material")
    result, used = Score(papers=len(papers)), set()
    for paper in papers:
        hit = next((i for i, item in enumerate(found) if i not in used and matches(paper, item)), None)
        if hit is None:
            result.misses.append(f"line {paper['line']}: {paper['title']}")
            continue
        used.add(hit)
        result.found += 1
        result.right_role += found[hit].role == paper["role"]
        if found[hit].role != paper["role"]:
            result.misses.append(f"line {paper['line']}: read as {found[hit].role}")
    result.leaked = sum(1 for i, item in enumerate(found) if i not in used and any(matches(m, item) for m in materials))
    return result
