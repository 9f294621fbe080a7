"""The programme's real topic pages, imported with the command and read back from the export, against their hand-checked readings.

The same measure as ../shared/tools/score_topics.py: every intro and advanced paper
found (by its link, or by a near-identical title) with its level; no material
imported as a paper. All pages go into one database, as a programme does, so
papers shared between pages are one paper.
"""

import difflib
import json
import re
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from papers.models import Entry, Material, Paper, Topic

TOPICS = Path(__file__).parent.parent / "fixtures" / "topics"
PAGES = sorted(path.name.removesuffix(".expected.json") for path in TOPICS.glob("*.expected.json"))
ARXIV = re.compile(r"(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.I)
pytestmark = pytest.mark.django_db


def url_key(url):
    if not url:
        return None
    u = url.strip().strip("<>")
    parts = urlsplit(u if "://" in u else "https://" + u)
    host = parts.netloc.lower().removeprefix("www.")
    if host.endswith("arxiv.org") and (match := ARXIV.search(parts.path)):
        return "arxiv:" + match.group(1).lower()
    return host + parts.path.rstrip("/").removesuffix(".pdf")


def title_key(title):
    return re.sub(r"[\W_]+", "", (title or "").lower())


def same_title(a, b):
    a, b = title_key(a), title_key(b)
    return bool(a and b) and (a == b or (min(len(a), len(b)) >= 12 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.9))


def matches(truth, exported):
    keys = {url_key(exported.get("url"))}
    if exported.get("arxiv_id"):
        keys.add("arxiv:" + exported["arxiv_id"].lower())
    return (url_key(truth["url"]) is not None and url_key(truth["url"]) in keys) or same_title(truth["title"], exported.get("title"))


def distinct(entries):
    kept = []
    for entry in entries:
        if not any((url_key(entry["url"]) and url_key(entry["url"]) == url_key(other["url"])) or same_title(entry["title"], other["title"]) for other in kept):
            kept.append(entry)
    return kept


def import_page(name: str) -> dict:
    call_command("import_reading_list", str(TOPICS / f"{name}.md"), "--topic", name, stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("export_reading_list", "--topic", name, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def programme(db) -> dict[str, dict]:
    return {name: import_page(name) for name in PAGES}


def test_every_page_imports_every_paper_with_its_level_and_no_material_as_a_paper(programme):
    problems = []
    for name in PAGES:
        truth = json.loads((TOPICS / f"{name}.expected.json").read_text(encoding="utf-8"))["entries"]
        exported = programme[name]["papers"]
        for paper in distinct(entry for entry in truth if entry["role"] != "material"):
            found = next((x for x in exported if matches(paper, x)), None)
            if found is None:
                problems.append(f"{name} L{paper['line']}: not imported: {paper['title'][:60]}")
            elif found["level"] != paper["role"]:
                problems.append(f"{name} L{paper['line']}: {found['level']} instead of {paper['role']}")
        for material in distinct(entry for entry in truth if entry["role"] == "material"):
            if any(matches(material, x) for x in exported):
                problems.append(f"{name} L{material['line']}: material imported as a paper: {material['title'][:60]}")
    assert problems == []


def test_every_material_is_shown_with_its_topic(programme):
    for name in PAGES:
        truth = json.loads((TOPICS / f"{name}.expected.json").read_text(encoding="utf-8"))["entries"]
        titles = set(Material.objects.filter(topic__slug=name).values_list("title", flat=True))
        expected = {entry["title"] for entry in truth if entry["role"] == "material"}
        missing = {title for title in expected if not any(same_title(title, shown) or title in shown for shown in titles)}
        assert not missing, f"{name}: {missing}"


def test_the_programme_is_one_catalogue_of_papers(programme):
    assert Topic.objects.count() == len(PAGES)
    # ResNet, ViT, DETR, LLaVA... sit in several pages: each is one paper.
    vit = Paper.objects.get(arxiv_id="2010.11929")
    assert vit.entries.count() == 2
    assert Paper.objects.count() < Entry.objects.count()


def test_titles_drop_the_sites_prefix_and_keep_the_number(programme):
    numbers = dict(Topic.objects.values_list("slug", "number"))
    titles = dict(Topic.objects.values_list("slug", "title"))
    assert (titles["24-mot"], numbers["24-mot"]) == ("多目标跟踪", 24)
    assert (titles["x20-mlmpiablog"], numbers["x20-mlmpiablog"]) == ("多模态大模型的个性化与推理加速", None)
    assert numbers["02c-maplessnav"] == 2
