"""The programme's real topic pages, imported with the command and read back from the export, against their hand-checked readings.

The same measure as ../shared/tools/score_topics.py: every intro and advanced paper
found (by its link, or by a near-identical title) with its level; no material
imported as a paper. All pages go into one database, as a programme does, so
papers shared between pages are one paper.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from papers.models import Entry, Material, Paper, Topic
from tests.topic_scoring import Found, same_title, score

TOPICS = Path(__file__).parent.parent / "fixtures" / "topics"
PAGES = sorted(path.name.removesuffix(".expected.json") for path in TOPICS.glob("*.expected.json"))
pytestmark = pytest.mark.django_db


def truth(name: str) -> list[dict]:
    return json.loads((TOPICS / f"{name}.expected.json").read_text(encoding="utf-8"))["entries"]


def import_page(name: str) -> dict:
    call_command("import_reading_list", str(TOPICS / f"{name}.md"), "--topic", name, stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("export_reading_list", "--topic", name, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def programme(db) -> dict[str, dict]:
    return {name: import_page(name) for name in PAGES}


def test_every_page_imports_every_paper_with_its_level_and_no_material_as_a_paper(programme):
    problems = {}
    for name in PAGES:
        exported = [Found(title=x["title"], url=x.get("url"), arxiv_id=x.get("arxiv_id"), role=x["level"])
                    for x in programme[name]["papers"]]
        result = score(exported, truth(name))
        if result.misses or result.leaked:
            problems[name] = (result.misses, result.leaked)
    assert problems == {}


def test_every_material_is_shown_with_its_topic(programme):
    for name in PAGES:
        titles = set(Material.objects.filter(topic__slug=name).values_list("title", flat=True))
        expected = {entry["title"] for entry in truth(name) if entry["role"] == "material"}
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
