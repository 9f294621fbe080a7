"""Markdown written by mentors and students, rendered so that no script or raw HTML gets through."""

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

_ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
# Images load only when shown: a topic's introduction sits in a closed <details>
# and links images on other hosts, which students on a phone should not pay for.
_SET_ATTRIBUTES = {"img": {"loading": "lazy"}}
_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def render_markdown(text: str, *, top_heading: int | None = None) -> SafeString:
    """With `top_heading`, the text's biggest heading takes that level, so that it fits under the page's own headings."""
    # Python-Markdown passes raw HTML through untouched; nh3 then keeps only
    # the tags and URL schemes above, whoever typed the text.
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        set_tag_attribute_values=_SET_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    if top_heading is not None:
        cleaned = _shift_headings(cleaned, top_heading)
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 above


def _shift_headings(html: str, top_heading: int) -> str:
    levels = [int(level) for _slash, level in _HEADING_TAG.findall(html)]
    if not levels:
        return html
    shift = top_heading - min(levels)
    return _HEADING_TAG.sub(lambda match: f"<{match[1]}h{max(1, min(6, int(match[2]) + shift))}>", html)


_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def summarise(html: str, limit: int) -> str:
    """The first paragraph of rendered Markdown as plain text, at most `limit` characters."""
    first = html.split("</p>", 1)[0] if "<p>" in html else html
    start = first.find("<p>")
    text = _SPACES.sub(" ", _TAG.sub(" ", first[start:] if start >= 0 else first)).strip()
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#x27;", "'")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
