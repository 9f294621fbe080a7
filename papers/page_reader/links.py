"""Finding the links of a line, and telling a paper's page from a readable material (code, docs, blog, course ...).

The scanner is hand-written and linear: a line of 100,000 `[` or `(` costs one pass.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from papers.identity import arxiv_id_from_url

MAX_URL_WINDOW = 4096  # a longer target is not a link the catalogue could keep anyway

# After `](`: an optional `<...>` target, or a target without spaces that may hold one balanced `(...)`,
# then an optional "title", then the closing parenthesis (ASCII or full-width).
_TARGET = re.compile(
    r"[ \t]*[(（][ \t]*(?:<(?P<angle>[^<>\n]{0,4096})>"
    r"|(?P<plain>[^\s()（）]{0,4096}(?:\([^\s()]{0,200}\)[^\s()（）]{0,4096})?))"
    r"[ \t]*(?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}')?[ \t]*[)）]"
)
_BARE_START = re.compile(r"https?://|www\.", re.IGNORECASE)
_BARE = re.compile(r"(?:https?://|www\.)[^\s<>\"'()（）\[\]{}|，。；、！？“”‘’《》【】]{1,4096}", re.IGNORECASE)
_HTML_ANCHOR = re.compile(
    r"<a\s[^<>]{0,500}?href\s*=\s*[\"'](?P<url>[^\"'<>\s]{1,4096})[\"'][^<>]{0,500}>(?P<text>[^<>]{0,500})</a>",
    re.IGNORECASE,
)
_WEB_TARGET = re.compile(
    r"^(?:https?://|www\.)[^\s]+$|^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/\S*)?$", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Link:
    start: int  # span of the whole link in the line
    end: int
    text: str  # the link text as written ("" for a bare URL)
    url: str  # the target, trimmed
    is_image: bool = False
    is_bare: bool = False  # a URL written in running text, not a Markdown link

    @property
    def is_web(self) -> bool:
        """A target a browser can open from the catalogue (not an anchor, a relative path or a script)."""
        return _WEB_TARGET.match(self.url) is not None


def find_links(line: str) -> list[Link]:
    """Markdown links and images, HTML anchors, `<autolinks>` and bare URLs of a line, in order."""
    links = _markdown_links(line) + _html_anchors(line)
    links.sort(key=lambda link: link.start)
    links = _without_overlaps(links)
    links += _bare_urls(line, links)
    links.sort(key=lambda link: link.start)
    return links


def _markdown_links(line: str) -> list[Link]:
    found: list[Link] = []
    position = 0
    while True:
        opening = line.find("[", position)
        if opening == -1:
            break
        closing = line.find("]", opening + 1)
        if closing == -1:
            break
        opening = line.rfind("[", opening, closing)  # the text of a link holds no `[`: "[[x](u)" links "x"
        if line.startswith("](", closing + 1) and opening > 0 and line[opening - 1] == "[":
            opening, closing = opening - 1, closing + 1  # "[[paper]](u)": the text is "[paper]"
        target = _TARGET.match(line, closing + 1)
        if target is None or not _opens_target(line, closing + 1):
            position = closing + 1
            continue
        url = (target["angle"] if target["angle"] is not None else target["plain"] or "").strip()
        is_image = opening > 0 and line[opening - 1] == "!"
        start = opening - 1 if is_image else opening
        found.append(Link(start, target.end(), line[opening + 1 : closing], url, is_image=is_image))
        position = target.end()
    return found


def _opens_target(line: str, index: int) -> bool:
    while index < len(line) and line[index] in " \t":
        index += 1
    return index < len(line) and line[index] in "(（"


def _html_anchors(line: str) -> list[Link]:
    if "<a" not in line and "<A" not in line:
        return []
    anchors = _HTML_ANCHOR.finditer(line)
    return [Link(match.start(), match.end(), match["text"], match["url"].strip()) for match in anchors]


def _without_overlaps(links: list[Link]) -> list[Link]:
    kept: list[Link] = []
    for link in links:
        if not kept or link.start >= kept[-1].end:
            kept.append(link)
    return kept


def _bare_urls(line: str, links: list[Link]) -> list[Link]:
    if "http" not in line and "www." not in line and "HTTP" not in line:
        return []
    found: list[Link] = []
    spans = iter(links)
    span = next(spans, None)
    for start in _BARE_START.finditer(line):
        while span is not None and span.end <= start.start():
            span = next(spans, None)
        if span is not None and span.start <= start.start() < span.end:
            continue
        if found and start.start() < found[-1].end:
            continue
        before = line[start.start() - 1] if start.start() > 0 else " "
        if before.isascii() and (before.isalnum() or before in "/.@"):
            continue
        match = _BARE.match(line, start.start())
        if match is None:
            continue
        url = match.group().rstrip(".,:;!?*_'\"")
        if len(url) > 8:
            end = start.start() + len(url)
            is_autolink = start.start() > 0 and line[start.start() - 1] == "<" and line[end : end + 1] == ">"
            span_start, span_end = (start.start() - 1, end + 1) if is_autolink else (start.start(), end)
            found.append(Link(span_start, span_end, "", url, is_bare=not is_autolink))
    return found


class LinkKind(enum.Enum):
    PAPER = "paper"  # a publisher, proceedings, preprint server or paper index page
    CODE = "code"  # a code host: a repository, an awesome-list
    MATERIAL = "material"  # a video, course, blog, documentation, forum, encyclopedia, notebook or dataset page
    UNKNOWN = "unknown"


# Suffix-matched host names (without "www.").
_PAPER_HOSTS = (
    "arxiv.org", "doi.org", "openreview.net", "aclanthology.org", "aclweb.org", "dl.acm.org", "ieeexplore.ieee.org",
    "computer.org", "link.springer.com", "springer.com", "springeropen.com", "sciencedirect.com", "elsevier.com",
    "thecvf.com", "neurips.cc", "nips.cc", "mlr.press", "jmlr.org", "aaai.org", "ijcai.org", "ecva.net", "bmva.org",
    "researchgate.net", "semanticscholar.org", "nature.com", "science.org", "sciencemag.org", "wiley.com",
    "tandfonline.com", "mdpi.com", "frontiersin.org", "plos.org", "biorxiv.org", "medrxiv.org", "ssrn.com",
    "preprints.org", "iop.org", "cnki.net", "cnki.com.cn", "wanfangdata.com.cn", "researching.cn", "optica.org",
    "spiedigitallibrary.org", "pnas.org", "cell.com", "jstor.org", "ncbi.nlm.nih.gov", "europepmc.org",
    "isca-archive.org", "isca-speech.org", "usenix.org", "vldb.org", "roboticsproceedings.org", "hal.science",
    "archives-ouvertes.fr", "dblp.org", "acm.org", "ieee.org", "iclr.cc", "icml.cc", "cvpr.thecvf.com",
    "proceedings.com", "sciopen.com", "jos.org.cn", "aas.net.cn", "cjc.ict.ac.cn", "scholar.archive.org",
    "papers.ssrn.com", "openalex.org", "scholar.google.com",
)
_CODE_HOSTS = (
    "github.com", "gitlab.com", "gitee.com", "bitbucket.org", "sourceforge.net", "githubusercontent.com",
    "codeberg.org", "gitcode.com", "gitcode.net",
)
_MATERIAL_HOSTS = (
    "youtube.com", "youtu.be", "bilibili.com", "b23.tv", "vimeo.com", "ixigua.com", "douyin.com", "coursera.org",
    "udemy.com", "edx.org", "udacity.com", "khanacademy.org", "deeplearning.ai", "fast.ai", "zhihu.com", "csdn.net",
    "cnblogs.com", "jianshu.com", "juejin.cn", "segmentfault.com", "oschina.net", "weixin.qq.com", "medium.com",
    "towardsdatascience.com", "towardsai.net", "substack.com", "dev.to", "hashnode.dev", "wordpress.com",
    "blogspot.com", "blogger.com", "wikipedia.org", "wikiwand.com", "baike.baidu.com", "kaggle.com",
    "colab.research.google.com", "readthedocs.io", "readthedocs.org", "pytorch.org", "tensorflow.org", "keras.io",
    "scikit-learn.org", "numpy.org", "python.org", "modelscope.cn", "paddlepaddle.org.cn", "d2l.ai",
    "scribd.com", "slideshare.net", "speakerdeck.com", "freecodecamp.org", "digitalocean.com", "stackoverflow.com",
    "stackexchange.com", "reddit.com", "twitter.com", "x.com", "notion.site", "feishu.cn", "yuque.com",
    "deeplearningbook.org", "distill.pub", "w3schools.com", "runoob.com", "geeksforgeeks.org", "jupyter.org",
    "anaconda.com", "docker.com", "mp.weixin.qq.com", "xiaohongshu.com", "space.bilibili.com", "bilibili.tv",
    "huggingface.co", "hf.co", "paperswithcode.com", "image-net.org", "cocodataset.org",
)
# Pages of otherwise-material hosts that are a paper: huggingface.co/papers/<arXiv id>, paperswithcode.com/paper/...
_PAPER_PATHS = {"huggingface.co": "/papers/", "hf.co": "/papers/", "paperswithcode.com": "/paper/"}
_MATERIAL_SUBDOMAINS = ("blog.", "blogs.", "docs.", "doc.", "wiki.", "news.", "learn.", "developer.", "developers.",
                        "help.", "support.", "course.", "courses.", "tutorial.", "tutorials.", "forum.", "community.")
_MATERIAL_PATH_WORDS = frozenset({
    "blog", "blogs", "news", "post", "posts", "docs", "doc", "documentation", "tutorial", "tutorials", "wiki",
    "course", "courses", "learn", "guide", "guides", "lesson", "lessons", "video", "videos", "watch", "playlist",
    "articles", "resources", "forum", "discussions", "readme.md", "dataset", "datasets", "data", "download",
    "downloads",
})
_PATH_WORD = re.compile(r"[^/?#]+")


def host_and_path(url: str) -> tuple[str, str]:
    """The host without "www." and the lowercased path; ("", "") for a target that is not a web address."""
    text = url.strip().strip("<>").strip()
    if not text or len(text) > MAX_URL_WINDOW or any(char.isspace() for char in text):
        return "", ""
    if "://" not in text[:12]:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "", ""
    return host.removeprefix("www."), parts.path.lower()


def _on(host: str, suffixes: tuple[str, ...]) -> bool:
    return any(host == suffix or host.endswith("." + suffix) for suffix in suffixes)


@lru_cache(maxsize=4096)
def classify_url(url: str | None) -> LinkKind:
    if not url:
        return LinkKind.UNKNOWN
    if arxiv_id_from_url(url):
        return LinkKind.PAPER
    host, path = host_and_path(url)
    if not host:
        return LinkKind.UNKNOWN
    for paper_host, prefix in _PAPER_PATHS.items():
        if _on(host, (paper_host,)) and path.startswith(prefix):
            return LinkKind.PAPER
    if _on(host, _CODE_HOSTS):
        return LinkKind.CODE
    if _on(host, _PAPER_HOSTS):
        return LinkKind.MATERIAL if "/book/" in path or "/books/" in path else LinkKind.PAPER
    if _on(host, _MATERIAL_HOSTS) or host.startswith(_MATERIAL_SUBDOMAINS) or "dataset" in host:
        return LinkKind.MATERIAL
    # A PDF under /resources/ is still a document; a /blog/ or /docs/ page of an unknown site is not a paper.
    if not path.endswith(".pdf") and any(word in _MATERIAL_PATH_WORDS for word in _PATH_WORD.findall(path)[:6]):
        return LinkKind.MATERIAL
    return LinkKind.UNKNOWN


def looks_like_a_document(url: str | None) -> bool:
    """A link to a PDF: on an unknown host, most likely a paper (a lab page, a proceedings mirror)."""
    return host_and_path(url or "")[1].endswith(".pdf")


# Link texts that name the kind of page rather than the work: the title is written elsewhere on the line.
_GENERIC_TEXTS = frozenset({
    "pdf", "paper", "papers", "link", "url", "arxiv", "doi", "abs", "html", "here", "this", "page", "web", "website",
    "homepage", "home page", "project", "project page", "code", "github", "gitlab", "repo", "repository", "demo",
    "video", "slides", "ppt", "poster", "blog", "official", "download",
    "论文", "原文", "链接", "地址", "下载", "代码", "项目", "项目主页", "主页", "官网", "视频", "博客", "解读", "全文",
    "论文链接", "代码链接", "论文地址", "代码地址", "项目地址", "源码", "开源代码", "讲解", "pdf链接", "arxiv链接",
})
_CODE_TEXTS = frozenset({
    "code", "github", "gitlab", "repo", "repository", "project", "project page", "homepage", "home page", "demo",
    "website", "代码", "项目", "项目主页", "主页", "官网", "源码", "开源代码", "代码链接", "代码地址", "项目地址",
    "weights", "model", "models", "dataset", "数据集", "checkpoint",
})


# "arXiv:2106.06847", "2106.06847v2", "doi:10.1109/...": an identifier says where the work is, not what it is.
_IDENTIFIER_TEXT = re.compile(
    r"(?:arxiv\s*[:：]?\s*)?\d{4}\.\d{4,5}(?:v\d+)?|(?:doi\s*[:：]?\s*)?10\.\d{4,9}/\S+", re.IGNORECASE
)


def is_generic_text(text: str) -> bool:
    words = text.strip(" []【】()（）:：*_`").casefold()
    return words in _GENERIC_TEXTS or _IDENTIFIER_TEXT.fullmatch(words) is not None


def is_code_link(link: Link) -> bool:
    """A code or project link written after an entry: it points at the entry's code, it is not one itself."""
    text = link.text.strip(" []【】()（）:：*_`").casefold()
    return text in _CODE_TEXTS or classify_url(link.url) is LinkKind.CODE
