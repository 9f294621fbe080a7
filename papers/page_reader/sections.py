"""What a heading, a sub-group label or a note says about the role of the papers under it; categories' names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from papers.page_reader import SectionRole
from papers.page_reader.text import clean

# Checked in this order; the first family found in a heading decides. A heading naming both materials and
# literature ("学习资料与参考文献") is a container of both kinds, and says nothing by itself. Words that are also
# research topics ("视频理解", "工具学习", "低资源", "背景建模", "Resource-efficient") count only when they end the
# heading ("事件 GitHub 资源", "入门工具", "Learning resources").
_MATERIAL_WORDS = (
    "教材", "学习材料", "学习资料", "基础资料", "参考资料", "资料", "教程", "书籍", "博客", "网站", "开源项目",
    "textbook", "tutorial", "blog", "learning material", "study material",
)
_MATERIAL_ENDINGS = (
    "材料", "资源", "工具", "课程", "视频", "代码", "平台", "数据集", "materials", "resources", "tools", "courses",
    "videos", "code", "books", "software", "websites", "links", "toolkits", "datasets",
)
_LOOSE_MATERIAL_WORDS = frozenset({"资料", "参考资料", "资源", "resources", "materials", "links"})
# A dataset's home page is a material, a dataset's paper is a paper: under these, each link decides.
_DATASET_WORDS = frozenset({"数据集", "datasets"})
# "常用数据集与评测", "数据集与 Benchmark", "Datasets and Benchmarks": datasets joined to what else is listed.
_DATASETS_AND = re.compile(r"(数据集|\bdatasets?\b)\s*(?:[与和及、&/,，+]|and\b)", re.IGNORECASE)
# In a materials heading, these say datasets or benchmarks are listed too: "评测基准与工具", "数据与基准".
_DATASET_MENTIONS = re.compile(r"数据集|基准|评测|测评|\bdatasets?\b|\bbenchmarks?\b", re.IGNORECASE)
_LITERATURE_WORDS = (
    "文献", "论文", "综述", "阅读", "paper", "reading", "reference", "bibliography", "literature", "publication", "survey",
)
_INTRO_WORDS = (
    "入门", "基础文献", "基础论文", "前置", "intro", "beginner", "prerequisite", "foundational", "starter",
    "getting started", "basic paper", "basic reading",
)
_ADVANCED_WORDS = ("进阶", "高阶", "advanced", "further reading", "for presentation", "汇报文献", "可选文献")
_NO_LIST_WORDS = (
    "专题介绍", "研究背景", "研究意义", "研究现状", "结语", "致谢", "前言", "引言", "导读", "考核", "汇报要求",
    "introduction", "acknowledg", "conclusion", "motivation", "outlook",
)
_NO_LIST_ENDINGS = (
    "背景", "意义", "挑战", "难点", "期望", "展望", "总结", "小结", "说明", "概述", "简介", "要求", "安排", "介绍",
    "background", "challenges", "summary", "overview", "schedule", "requirements", "notes", "about",
)
_ENDING_NOISE = re.compile(r"\s*(?:[（(][^()（）]{0,40}[)）])?[\s:：.。!！?？]*$")
# Notes that make the papers below them intro papers, or say they may be presented (checked second: "不可选择
# 此部分文献汇报" holds "可选择此部分文献汇报").
_INTRO_NOTES = re.compile(
    r"仅用于入门|仅供入门|只用于入门|仅供阅读|仅作阅读|仅用于阅读|只用于阅读|不(?:可以?|能|得)选(?:择)?|"
    r"不(?:可以?|能|得)?(?:用于|用作|作为|作|参与|纳入)(?:专题)?汇报|不(?:可以?|能|得)(?:进行)?(?:专题)?汇报|"
    r"not (?:be )?(?:chosen|selected|eligible|available|used) for (?:the |a )?presentations?|"
    r"not for (?:the )?presentations?|"
    r"(?:cannot|can't|may not|must not) be (?:chosen|selected|presented)|(?:reading )?practice only|reading only|"
    r"intro(?:duction)? only",
    re.IGNORECASE,
)
_ADVANCED_NOTES = re.compile(
    r"可(?:以)?(?:在此部分)?选择.{0,12}汇报|可在此部分选择|可(?:以)?(?:用于|用作|作为|选作|选为|进行)?(?:专题)?汇报|"
    r"(?:can|may) (?:be )?(?:chosen|selected|presented)|eligible for (?:the )?presentation",
    re.IGNORECASE,
)
_NUMBERING = re.compile(
    r"^(?:第?[0-9０-９]+(?:[.．][0-9０-９]+)*[.．、)）]?|[一二三四五六七八九十]+[、.．)）]|[(（][0-9一二三四五六七八九十]+[)）]"
    r"|[①-⑳]|[IVX]+[.、)]|[A-Za-z][.)])\s*"
)
_TRAILING_PARENTHETICAL = re.compile(r"^(?P<head>.+?)\s*[（(](?P<inside>[^()（）]{1,60})[)）]$")
_QUALIFIER_SEPARATOR = re.compile(r"\s*[:：]\s*|\s+[-–—]+\s+")
# Names that say only "these are papers": a category named so says nothing, and a qualifier beside it is better.
_GENERIC_NAMES = frozenset(
    name.casefold()
    for name in (
        "进阶文献", "进阶论文", "进阶", "文献", "论文", "相关文献", "相关论文", "领域相关文献", "参考文献", "推荐文献",
        "推荐论文", "推荐阅读", "拓展文献", "拓展阅读", "扩展阅读", "延伸阅读", "前沿文献", "经典文献", "文献列表",
        "论文列表", "进阶阅读", "advanced papers", "advanced", "advanced reading", "papers", "reading", "references",
        "further reading", "related work", "related papers", "reading list", "paper list",
    )
)


@dataclass(frozen=True, slots=True)
class RoleHint:
    role: str  # SectionRole
    word: str  # the word that said so, for the reason shown to the admin
    # "相关文献" only says "papers": it neither ends a note's hold nor overrides the role a section inherits.
    is_weak: bool = False
    names_datasets: bool = False  # the heading also names datasets or benchmarks ("评测基准与工具")

    @property
    def lists_datasets(self) -> bool:
        return self.role == SectionRole.MATERIALS and (self.word in _DATASET_WORDS or self.names_datasets)

    @property
    def may_hold_papers(self) -> bool:
        """"参考资料", "Resources" or "方法介绍" may be a list of references: the links under it decide."""
        return (self.role == SectionRole.MATERIALS and self.word in _LOOSE_MATERIAL_WORDS) or (
            self.role == SectionRole.NONE and self.is_weak
        )


def clean_heading(text: str) -> str:
    """A heading or label as shown to the admin: no emphasis, no closing `#`s, no trailing colon, single spaces."""
    text = clean(text.strip().rstrip("#").strip())
    return text.strip(" :：")[:200]


def role_from_words(heading: str) -> RoleHint | None:
    """The role a heading or label names, or None when it names none (then it takes the role around it)."""
    if match := _INTRO_NOTES.search(heading):
        return RoleHint(SectionRole.INTRO, match.group())  # "进阶文献（仅供阅读，不用于汇报）"
    whole = _role_from_words(heading)
    if outside := _TRAILING_PARENTHETICAL.match(heading):
        # "入门文献（为进阶做准备）": the words outside the parenthesis decide, unless they only say "论文" and the
        # parenthesis says more: "必读论文（入门）"
        hint = _role_from_words(outside["head"])
        if hint is not None and (not hint.is_weak or whole is None or whole.is_weak):
            return hint
    return whole


def _role_from_words(heading: str) -> RoleHint | None:
    text = heading.casefold()
    ending = _ENDING_NOISE.sub("", text)
    datasets_and = _DATASETS_AND.search(text)
    material = _first_in(text, _MATERIAL_WORDS) or _last_in(ending, _MATERIAL_ENDINGS) or (
        datasets_and.group(1) if datasets_and else ""
    )
    literature = _first_in(text, _LITERATURE_WORDS)
    if material and not literature:
        return RoleHint(SectionRole.MATERIALS, material, names_datasets=_DATASET_MENTIONS.search(text) is not None)
    if material and literature:
        return None
    intro = _first_in(text, _INTRO_WORDS)
    if intro == "intro" and "introduction" in text and not literature:
        intro = ""  # "Introduction" is a prose section, "Intro papers" a reading one
    advanced = _first_in(text, _ADVANCED_WORDS)
    if intro and advanced:
        return None  # "入门与进阶文献": a container of both
    if intro:
        return RoleHint(SectionRole.INTRO, intro)
    if word := advanced:
        return RoleHint(SectionRole.ADVANCED, word)
    if literature:
        return RoleHint(SectionRole.ADVANCED, literature, is_weak=True)
    if word := _first_in(text, _NO_LIST_WORDS):
        return RoleHint(SectionRole.NONE, word)
    if word := _last_in(ending, _NO_LIST_ENDINGS):
        return RoleHint(SectionRole.NONE, word, is_weak=True)  # "2.2 复杂背景" may be a method family
    return None


def _first_in(text: str, words: tuple[str, ...]) -> str:
    return next((word for word in words if word in text), "")


def _last_in(text: str, endings: tuple[str, ...]) -> str:
    return next((word for word in endings if text.endswith(word)), "")


def paper_role_named(heading: str) -> str:
    """The papers' role a heading implies once its links show it lists papers: "入门资料" -> intro."""
    text = heading.casefold()
    intro = _first_in(text, _INTRO_WORDS)
    return SectionRole.INTRO if intro and not (intro == "intro" and "introduction" in text) else SectionRole.ADVANCED


def role_from_note(text: str) -> RoleHint | None:
    """The role a note under a heading gives the papers below it: "仅用于入门，不可选择此部分文献汇报" -> intro."""
    if len(text) > 600:
        return None
    if match := _INTRO_NOTES.search(text):
        # "数据集主页不作为汇报文献；数据集论文可以汇报" sorts the list's kinds of entries, not its papers' role
        rest = _INTRO_NOTES.sub(lambda found: " " * len(found.group()), text)
        return None if _ADVANCED_NOTES.search(rest) else RoleHint(SectionRole.INTRO, match.group())
    if match := _ADVANCED_NOTES.search(text):
        return RoleHint(SectionRole.ADVANCED, match.group())
    return None


def reason_for_words(hint: RoleHint) -> str:
    return _("the heading says “%(word)s”") % {"word": hint.word}


def reason_for_note(hint: RoleHint) -> str:
    return _("a note says “%(words)s”") % {"words": hint.word}


@lru_cache(maxsize=1024)
def category_name(text: str) -> str:
    """"2.4 基于Transformer方法（端到端与时空建模）" -> "基于Transformer方法"; "进阶文献（目标检测前沿方法）" -> the
    parenthetical, since "进阶文献" names no category."""
    name = clean_heading(text)
    name = _NUMBERING.sub("", name, count=1).strip() or name
    head, qualifier = name, ""
    if match := _TRAILING_PARENTHETICAL.match(name):
        head, qualifier = match["head"].strip(), match["inside"].strip()
    elif len(parts := _QUALIFIER_SEPARATOR.split(name, maxsplit=1)) == 2 and all(parts):
        head, qualifier = parts[0].strip(), parts[1].strip()
    if is_generic_name(head) and qualifier:
        return qualifier
    if qualifier and head and _QUALIFIER_SEPARATOR.search(name) and not _TRAILING_PARENTHETICAL.match(name):
        return name
    return head or name


def is_generic_name(name: str) -> bool:
    return clean_heading(name).casefold() in _GENERIC_NAMES
