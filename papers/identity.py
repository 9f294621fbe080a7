"""When two mentions are the same paper: by arXiv identifier, else by canonical link, else by title.

Used wherever a paper arrives from outside (a topic page, an export, a
student's proposal), so that one paper is one row however its link is written.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit

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
    text = (url or "").strip().strip("<>").strip()
    if not text or any(char.isspace() for char in text):
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
