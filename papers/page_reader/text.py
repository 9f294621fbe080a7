"""Character-level cleaning shared by the reader: invisible characters, emphasis, whitespace, scripts."""

from __future__ import annotations

import re

# Zero-width and direction marks, the byte-order mark, soft hyphens and C0 controls other than tab and newline:
# pasted from web pages and editors, invisible in the page, and they break matching.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_EMPHASIS = re.compile(r"\*\*|</?(?:b|strong|em|i|u)>", re.IGNORECASE)
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# Sentence punctuation: text holding it is prose or a description, not a title or a label.
SENTENCE_PUNCTUATION = frozenset("，。；！？;!?")


def remove_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


def collapse_spaces(text: str) -> str:
    return " ".join(text.split())


def strip_emphasis(text: str) -> str:
    """`**bold**` and HTML emphasis removed; `*`, `_`, `__` or `~~` wrapping the whole text too.

    `__` and `~~` inside the text are kept: they occur in links (".../a__b").
    """
    text = _EMPHASIS.sub("", text).strip()
    while len(text) > 2 and text[0] == text[-1] and text[0] in "*_~":
        text = text[1:-1].strip()
    return text


def clean(text: str) -> str:
    return collapse_spaces(strip_emphasis(text))


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def first_cjk_index(text: str) -> int:
    match = _CJK.search(text)
    return match.start() if match else -1


def latin_words(text: str) -> list[str]:
    return _LATIN_WORD.findall(text)


def strip_separators(text: str) -> str:
    """Punctuation and dashes that join parts of an entry, removed from both ends."""
    return text.strip(" \t:：,，;；、|｜-–—~·.。").strip()
