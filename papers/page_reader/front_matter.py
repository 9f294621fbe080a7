"""The page's front matter (Hugo: YAML between `---`, or TOML between `+++`) and its title without the site's prefix."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

import yaml
from django.utils.translation import gettext as _

from papers.page_reader import PageError

_MAX_FRONT_MATTER = 200_000  # a real front matter is a few hundred characters; YAML is slow on megabytes
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# "新芽专题介绍（24）：多目标跟踪", "新芽专题介绍：X", "专题 (3): X", "【新芽专题】X"
_SITE_PREFIX = re.compile(
    r"^\s*[【\[]?(?P<prefix>[^：:（()）【】\[\]]{0,20}?(?:专题|新芽)[^：:（()）【】\[\]]{0,12}?)[】\]]?\s*"
    r"(?:[（(]\s*(?P<number>[0-9０-９]{1,4}|[一二三四五六七八九十百]{1,4})\s*[)）]|(?P<bare>[0-9]{1,4}))?\s*"
    r"(?:[：:]|[】\]]|\s[-–—|]\s)\s*(?P<title>.+)$"
)
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True, slots=True)
class FrontMatter:
    title: str | None  # None when the page has no front matter or no title in it
    body_start: int  # index of the first line after the front matter (0 without one)


def read_front_matter(lines: list[str]) -> FrontMatter:
    fence = lines[0].strip() if lines else ""
    if fence not in ("---", "+++"):
        return FrontMatter(None, 0)
    end = next((index for index in range(1, len(lines)) if lines[index].strip() in (fence, "...")), None)
    if end is None:
        raise PageError(_("The front matter starts with “%(fence)s” but never ends.") % {"fence": fence})
    source = "\n".join(lines[1:end])
    if len(source) > _MAX_FRONT_MATTER:
        raise PageError(_("The front matter is too long to be a page's header (%(count)d characters).")
                        % {"count": len(source)})
    data = _load_toml(source) if fence == "+++" else _load_yaml(source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PageError(_("The front matter is not a set of “key: value” lines."))
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise PageError(_("The front matter's title is not a piece of text."))
    return FrontMatter(title.strip() if title and title.strip() else None, end + 1)


def _load_yaml(source: str) -> object:
    try:
        return yaml.load(source, Loader=_Loader)  # noqa: S506 - a safe loader, the C one when available
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as error:
        problem = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise PageError(_("The front matter is not valid YAML: %(problem)s") % {"problem": problem}) from error


def _load_toml(source: str) -> object:
    try:
        return tomllib.loads(source)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as error:
        raise PageError(_("The front matter is not valid TOML: %(problem)s") % {"problem": str(error)[:200]}) from error


def split_title(full_title: str) -> tuple[str, int | None]:
    """The topic's own name and number: "新芽专题介绍（24）：多目标跟踪" -> ("多目标跟踪", 24)."""
    match = _SITE_PREFIX.match(full_title)
    if match is None or not match["title"].strip():
        return full_title.strip(), None
    digits = match["number"] or match["bare"]
    return match["title"].strip(), _number(digits) if digits else None


def _number(digits: str) -> int | None:
    if digits.isdigit():
        return int(digits)  # int() reads full-width digits too
    if digits == "十":
        return 10
    tens, _separator, units = digits.partition("十")
    if "十" in digits:
        return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(units, 0)
    return _CHINESE_DIGITS.get(digits)
