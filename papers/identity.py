"""When two mentions are the same paper: by arXiv identifier, else by canonical link, else by title.

Used wherever a paper arrives from outside (a topic page, an export, a
student's proposal), so that one paper is one row however its link is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.db.models import Q

from papers.arxiv import InvalidArxivId, normalize_arxiv_id

# Hosts whose pages are arXiv papers under another face.
_ARXIV_HOSTS = frozenset({"arxiv.org", "export.arxiv.org", "browse.arxiv.org"})
_ARXIV_MIRRORS = {"huggingface.co": re.compile(r"^/papers/(?P<id>[^/?#]+)")}
_ARXIV_PATH = re.compile(r"^/(?:abs|pdf|html|format)/(?P<id>.+)$")
# A new-style identifier with an optional version, read from the start of a path
# that may carry junk after it (".pdf", "?", a word pasted on by mistake).
_NEW_STYLE = re.compile(r"(\d{4}\.\d{4,5})(v\d+)?", re.ASCII)
_OLD_STYLE = re.compile(r"([a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?/\d{7})(v\d+)?", re.ASCII)
_TRACKING = re.compile(r"^(?:utm_|spm$|fbclid$|gclid$|from$)")
_NOT_A_WORD = re.compile(r"[\W_]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def arxiv_id_from_url(url: str | None) -> str | None:
    """The arXiv identifier behind a link to arxiv.org (or a mirror such as huggingface.co/papers), else None."""
    parts = _split(url)
    if parts is None:
        return None
    host, path = parts.hostname or "", parts.path
    host = host.removeprefix("www.")
    if host in _ARXIV_HOSTS:
        match = _ARXIV_PATH.match(path)
    elif host in _ARXIV_MIRRORS:
        match = _ARXIV_MIRRORS[host].match(path)
    else:
        return None
    if match is None:
        return None
    rest = match["id"]
    found = _NEW_STYLE.match(rest) or _OLD_STYLE.match(rest)
    if found is None:
        return None
    try:
        return normalize_arxiv_id(found[1])
    except InvalidArxivId:
        return None


def url_key(url: str | None) -> str:
    """The link reduced to what identifies the page: host without www, path, meaningful query; "" for no link.

    `https://www.Example.org/a/b.pdf?utm_source=x#top` and `http://example.org/a/b/` give the same key.
    """
    parts = _split(url)
    if parts is None or not parts.hostname:
        return ""
    host = parts.hostname.lower().removeprefix("www.")
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/").removesuffix(".pdf").removesuffix(".PDF")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)))
    return f"{host}{path}" + (f"?{query}" if query else "")


def title_key(title: str | None) -> str:
    """The title reduced to its letters and digits: case, width, spacing and punctuation do not count."""
    text = unicodedata.normalize("NFKC", title or "").casefold()
    return _NOT_A_WORD.sub("", text)


def _split(url: str | None):
    text = re.sub(r"\s+", "%20", (url or "").strip().strip("<>").strip())
    if not text:
        return None
    if not _SCHEME.match(text):
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"}:
        return None
    return parts


# In the catalogue: which Paper row a mention is, if any.

# Shorter titles ("Tech report", "InternVL3") are too generic to recognise a paper by.
MIN_TITLE_KEY = 10


@dataclass(frozen=True, slots=True)
class Mention:
    """A paper as some source writes it: its link, its arXiv id if known, its title."""

    title: str
    url: str | None = None
    arxiv_id: str | None = None

    @property
    def effective_arxiv_id(self) -> str | None:
        return self.arxiv_id or arxiv_id_from_url(self.url)


class CatalogueIndex:
    """The catalogue's papers that some mentions may be, read in one query; `find` then costs none.

    A mention is the paper with its arXiv id; else the paper with its canonical
    link; else, for a title long enough to tell papers apart, the paper with
    its title, unless that paper has another arXiv id.
    """

    def __init__(self, mentions: Iterable[Mention]) -> None:
        from papers.models import Paper  # noqa: PLC0415 - papers.models imports this module lazily too

        mentions = list(mentions)
        ids = {m.effective_arxiv_id for m in mentions} - {None}
        links = {url_key(m.url) for m in mentions} - {""}
        titles = {key for m in mentions if len(key := title_key(m.title)) >= MIN_TITLE_KEY}
        self.by_id: dict[str, Paper] = {}
        self.by_link: dict[str, Paper] = {}
        self.by_title: dict[str, list[Paper]] = {}
        if ids or links or titles:
            for paper in Paper.objects.filter(Q(arxiv_id__in=ids) | Q(url_key__in=links) | Q(title_key__in=titles)).order_by("pk"):
                self.add(paper)

    def add(self, paper) -> None:
        if paper.arxiv_id:
            self.by_id.setdefault(paper.arxiv_id, paper)
        if paper.url_key:
            self.by_link.setdefault(paper.url_key, paper)
        if len(paper.title_key) >= MIN_TITLE_KEY:
            self.by_title.setdefault(paper.title_key, []).append(paper)

    def find(self, mention: Mention):
        arxiv_id = mention.effective_arxiv_id
        if arxiv_id and arxiv_id in self.by_id:
            return self.by_id[arxiv_id]
        link = self.by_link.get(url_key(mention.url))
        if link is not None and (not arxiv_id or not link.arxiv_id or link.arxiv_id == arxiv_id):
            return link
        for paper in self.by_title.get(title_key(mention.title), []):
            if not arxiv_id or not paper.arxiv_id or paper.arxiv_id == arxiv_id:
                return paper
        return None


def find_paper(mention: Mention):
    """The catalogue's paper for one mention, or None."""
    return CatalogueIndex([mention]).find(mention)


# Below this length a title may be a short name ("ViT", "DETR"): it never contradicts a full title.
MIN_CONTRADICTING_TITLE_KEY = 20


def titles_agree(first: str | None, second: str | None) -> bool:
    """False only when two long titles are plainly two different papers (a link copied onto the wrong entry).

    One paper's titles differ by case, by a short name in front, by a word
    changed between arXiv versions ("Qwen-VL: A Versatile ..." / "Qwen-VL: A
    Frontier ..."): those agree.
    """
    a, b = title_key(first), title_key(second)
    if min(len(a), len(b)) < MIN_CONTRADICTING_TITLE_KEY or a in b or b in a:
        return True
    name_a, name_b = _leading_name(first), _leading_name(second)
    if name_a and name_a == name_b:
        return True
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.6


def _leading_name(title: str | None) -> str:
    head, colon, _rest = (title or "").partition(":")
    return title_key(head) if colon and len(head) <= 30 else ""
