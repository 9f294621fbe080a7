"""Paper or material: what an entry's link, title and description say about the kind of thing it names."""

from __future__ import annotations

import re
from functools import lru_cache

from papers.identity import arxiv_id_from_url, url_key
from papers.page_reader.lines import EntryText
from papers.page_reader.links import LinkKind, classify_url, looks_like_a_document
from papers.page_reader.text import has_cjk

# ITU-R BT.2100-3, BT.2390-12-2025, ISO/IEC 23008-2, GB/T 7714-2015, T/UWA 005.1-2024, IEEE Std 754, RFC 9110,
# SMPTE ST 2084: standards documents are readable references, not papers.
_STANDARD = re.compile(
    r"^\s*(?:ITU-[RT]\s*)?(?:BT|BS|P|H|G)\.\d{2,4}\b|^\s*ITU-[RT]\b|^\s*ISO(?:/IEC)?\s*\d|^\s*IEC\s*\d|"
    r"^\s*GB(?:/[TZ])?\s*\d|^\s*[A-Z]{1,3}/[A-Z]{2,6}\s*\d|^\s*IEEE\s+Std\b|^\s*RFC\s*\d|^\s*SMPTE\b|"
    r"^\s*ANSI\b|^\s*ETSI\b|^\s*3GPP\b",
)
# Words naming a course, a tutorial, documentation, a blog, a book, a tool or a repository.
_MATERIAL_WORDS = re.compile(
    r"教程|教材|课程|视频|博客|笔记|解读|讲解|文档|手册|指南|官方|主页|官网|网站|平台|仓库|合集|汇总|资源|入门教学|工具|"
    r"代码库|软件|开源|排行榜|榜单|挑战赛|竞赛|比赛|\bleaderboards?\b|"
    r"速查|安装|\b(?:tutorials?|courses?|lectures?|blogs?|docs|documentation|guides?|handbook|readme|homepage|"
    r"website|videos?|playlist|cookbook|awesome|cheat ?sheets?|books?|textbook|quick ?start|getting started|"
    r"installation|walkthrough|how to|repository|repo|wiki)\b",
    re.IGNORECASE,
)


# A dataset's home page is a material; a dataset's paper has a venue or a paper's link, and is read before this.
_DATASET_WORDS = re.compile(r"数据集|数据库|\bdata ?sets?\b|\bdatabase\b", re.IGNORECASE)


def is_standard_document(title: str) -> bool:
    return bool(title) and _STANDARD.match(title) is not None


def is_material_title(title: str) -> bool:
    return bool(title) and _MATERIAL_WORDS.search(title) is not None


def names_a_dataset(text: str) -> bool:
    return bool(text) and _DATASET_WORDS.search(text) is not None


def reads_as_material(text: EntryText, material_links: set[str]) -> bool:
    """A readable link rather than a paper: code, docs, blog, course, video, dataset portal, standard."""
    title = text.title or text.material_title
    if text.url and link_identity(text.url) in material_links or is_standard_document(title):
        return True
    kind = classify_url(text.url)
    if kind is LinkKind.PAPER:
        return False
    if kind in (LinkKind.CODE, LinkKind.MATERIAL):
        return not text.venue  # a paper whose only link is its code still reads "(CVPR 2023)"
    if text.has_citation or looks_like_a_document(text.url):
        return text.is_book_or_web and not text.venue
    if text.url is None:
        return text.is_book_or_web or is_material_title(title)
    described = (title, text.material_title, text.note)
    if text.is_book_or_web or any(is_material_title(words) or names_a_dataset(words) for words in described):
        return True
    # "[nuScenes](https://www.nuscenes.org/)": a name and a home page, no title and no venue: a project's site
    return not text.short_name and len(title.split()) <= 2 and not has_cjk(title) and title == text.material_title


@lru_cache(maxsize=4096)
def link_identity(url: str | None) -> str:
    """What makes two links the same paper: the arXiv identifier, else the link without its decorations."""
    arxiv_id = arxiv_id_from_url(url)
    return f"arxiv:{arxiv_id}" if arxiv_id else url_key(url)


def reads_as_dataset_paper(text: EntryText) -> bool:
    """In a list of datasets, a work written with its venue ("ScanNet: ... (CVPR 2017)", "JailbreakBench (NeurIPS
    2024)") is the dataset's paper; a home page, a download, a leaderboard or a repository without one is a material."""
    return bool(text.venue) and classify_url(text.url) not in (LinkKind.CODE, LinkKind.MATERIAL) \
        and not is_standard_document(text.title or text.material_title)


def reads_as_cited_paper(text: EntryText) -> bool:
    """A paper for sure: a paper's link, and a venue (a materials section may link a paper or two on arXiv)."""
    return bool(text.venue) and classify_url(text.url) is LinkKind.PAPER
