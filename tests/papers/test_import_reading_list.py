"""import_reading_list and export_reading_list: one page or a folder of them, each topic in its own transaction."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.models import Category, Entry, EntrySource, Level, Material, Paper, Topic
from papers.page_reader import PageChoices
from papers.reading_lists import import_reading_list, read_reading_list
from students import claims
from students.models import Claim, ClaimStatus, ReadingProgress
from tests.conftest import enroll, make_user

FIXTURES = Path(__file__).parent.parent / "fixtures"
SEED = FIXTURES / "topic-2.md"
TOPICS = FIXTURES / "topics"
pytestmark = pytest.mark.django_db


def run_import(path: Path, slug: str | None = "xinya-2", *extra: str) -> str:
    out = StringIO()
    args = [str(path), *extra] + (["--topic", slug] if slug else [])
    call_command("import_reading_list", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def by_short_name(name: str, slug: str = "xinya-2") -> Entry:
    return Entry.objects.select_related("paper").get(topic__slug=slug, paper__short_name=name)


def page_with(tmp_path: Path, text: str, name: str = "edited.md") -> Path:
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    return page


# Topic 2's page, as the issue sets it.


def test_seed_page_creates_topic_with_title_number_and_introduction():
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    assert (topic.title, topic.number) == ("辅助信息/辅助任务驱动的视觉感知", 2)
    assert topic.introduction.startswith("### 1.1  研究背景")
    assert "2.2" not in topic.introduction  # the reading list is not part of the introduction
    assert topic.source_name == str(SEED)


def test_seed_page_gives_38_papers_with_their_levels_and_its_two_categories():
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    entries = topic.entries.all()
    info, task = topic.categories.order_by("position")
    assert (info.name, task.name) == ("辅助信息", "辅助任务")
    assert Paper.objects.count() == 38 and entries.count() == 38
    assert entries.intro().count() == 12 and entries.advanced().count() == 26
    assert entries.in_category(info).count() == 13
    assert entries.in_category(task).count() == 15
    both = entries.in_category(info).in_category(task).select_related("paper")
    assert sorted(entry.paper.short_name for entry in both) == ["DMM", "MSALNet"]
    assert not Category.objects.filter(entries__level=Level.INTRO).exists()


def test_seed_page_normalises_arxiv_ids_from_abs_and_pdf_links():
    run_import(SEED)
    assert Paper.objects.filter(arxiv_id__isnull=False).count() == 27
    assert by_short_name("PriorsNet").paper.arxiv_id == "1906.05272"  # from /pdf/
    assert by_short_name("AuxDet").paper.arxiv_id == "2505.15184"
    assert by_short_name("DMM").paper.arxiv_id == "2407.08132"
    assert Paper.objects.filter(arxiv_id__isnull=True).count() == 11
    assert by_short_name("SAMLP").paper.url == "https://ieeexplore.ieee.org/document/10172029/"


def test_seed_entries_parse_short_name_title_venue_and_year():
    run_import(SEED)
    dformer = by_short_name("Dformer").paper
    assert (dformer.title, dformer.venue, dformer.year) == (
        "DFormer: Rethinking RGBD Representation Learning for Semantic Segmentation", "ICLR", 2024,
    )
    dynamic = by_short_name("Dynamic MLP").paper
    assert (dynamic.venue, dynamic.year) == ("CVPR", 2022)  # written "CVPR2022"


def test_entry_without_short_name_and_entry_with_its_venue_on_the_next_line():
    run_import(SEED)
    restoration = Paper.objects.get(title="Rethinking Image Restoration for Object Detection")
    assert (restoration.short_name, restoration.venue, restoration.year) == ("", "NeurIPS", 2022)
    captioning = Paper.objects.get(title="Image Change Captioning by Learning From an Auxiliary Task")
    assert (captioning.venue, captioning.year) == ("CVPR", 2021)
    assert Entry.objects.get(paper=captioning).level == Level.INTRO


def test_the_seeds_textbooks_and_tools_are_materials_never_papers():
    run_import(SEED)
    materials = list(Material.objects.filter(topic__slug="xinya-2").values_list("title", flat=True))
    assert "《动手学深度学习》" in materials and "Google Colab" in materials
    assert not Paper.objects.filter(title__contains="动手学深度学习").exists()


# The command's report.


def test_import_prints_a_row_per_topic_and_a_total():
    output = run_import(SEED)
    header, row, total = output.splitlines()[-3:]
    assert header.split() == ["topic", "papers", "intro", "advanced", "materials", "categories", "lines", "skipped", "result"]
    assert row.split()[:7] == ["xinya-2", "38", "12", "26", "6", "2", row.split()[6]] and row.endswith("created")
    assert total.split()[:3] == ["total", "(1)", "38"]


def test_a_folder_imports_one_topic_per_page_named_after_its_file(tmp_path):
    for name in ("24-mot.md", "17-hdr.md"):
        (tmp_path / name).write_bytes((TOPICS / name).read_bytes())
    (tmp_path / "_index.md").write_text("---\ntitle: Sprouts\n---\nThe site's section page.\n", encoding="utf-8")
    output = run_import(tmp_path, None)
    mot, hdr = Topic.objects.get(slug="24-mot"), Topic.objects.get(slug="17-hdr")
    assert (mot.title, mot.number) == ("多目标跟踪", 24)
    assert hdr.entries.count() == 8 and not hdr.entries.exclude(paper__url=None).exists()  # no links: known by title
    assert list(mot.categories.values_list("name", flat=True))[:3] == ["进阶方法", "基于Transformer方法", "扩展与特殊场景"]
    assert "24-mot" in output and "17-hdr" in output and "total (2)" in output
    assert "_index" not in output


def test_one_bad_page_in_a_folder_is_reported_and_the_others_still_import(tmp_path):
    (tmp_path / "24-mot.md").write_bytes((TOPICS / "24-mot.md").read_bytes())
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\n## 进阶文献\n* [X](https://arxiv.org/abs/2401.00001)\n", encoding="utf-8")
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "empty.md").write_bytes(b"")
    err = StringIO()
    with pytest.raises(CommandError, match="3 of 4 pages could not be imported"):
        call_command("import_reading_list", str(tmp_path), stdout=StringIO(), stderr=err)
    assert list(Topic.objects.values_list("slug", flat=True)) == ["24-mot"]
    report = err.getvalue()
    assert "broken.md" in report and "front matter" in report
    assert "binary.md" in report and "binary file" in report
    assert "empty.md" in report and "is empty" in report


def test_dry_run_shows_sections_entries_and_skipped_lines_and_writes_nothing():
    output = run_import(TOPICS / "39-docai.md", "docai", "--dry-run")
    assert not Topic.objects.exists() and not Paper.objects.exists()
    assert "文档智能" in output and "(39)" in output
    assert "intro    LLAVA | Visual Instruction Tuning" in output
    assert "material MinerU" in output
    assert "not written (dry run)" in output


# Importing again.


def test_reimporting_the_same_page_changes_nothing():
    run_import(SEED)
    before = list(Entry.objects.values_list("pk", "paper_id", "level", "position", "categories"))
    output = run_import(SEED)
    after = list(Entry.objects.values_list("pk", "paper_id", "level", "position", "categories"))
    assert before == after
    assert Paper.objects.count() == 38
    assert output.splitlines()[-2].endswith("unchanged")


def test_importing_an_edited_page_updates_entries_and_keeps_claims_progress_and_notes(tmp_path):
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    student = make_user("li")
    enroll(student, topic)
    claimed = claims.claim(student, by_short_name("SKF"))
    ReadingProgress.objects.create(student=student, entry=by_short_name("ConcatNet"), status="done", notes="location!")
    edited = SEED.read_text(encoding="utf-8")
    edited = edited.replace("Learning semantic-aware knowledge guidance", "Learning Semantic-Aware Knowledge Guidance")
    edited = edited.replace("* [Osmosis](https://arxiv.org/abs/2403.14837): Osmosis: RGBD Diffusion Prior for Underwater Image Restoration (ECCV 2024)\n", "")

    output = run_import(page_with(tmp_path, edited))

    claimed.refresh_from_db()
    assert claimed.status == ClaimStatus.ACTIVE
    assert claimed.entry.paper.title == "Learning Semantic-Aware Knowledge Guidance for low-light image enhancement"
    assert not Entry.objects.filter(paper__short_name="Osmosis").exists()
    assert ReadingProgress.objects.get().notes == "location!"
    assert "updated: 0 new, 0 changed, 1 removed entries" in output


def test_removed_entry_with_a_claim_is_kept_and_entries_from_elsewhere_stay(tmp_path):
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    student = make_user("li")
    enroll(student, topic)
    claims.claim(student, by_short_name("Osmosis"))
    added = Paper.objects.create(title="Added from arXiv by a mentor", arxiv_id="2401.00001")
    Entry.objects.create(topic=topic, paper=added, level=Level.ADVANCED, source=EntrySource.ARXIV)

    run_import(page_with(tmp_path, SEED.read_text(encoding="utf-8").replace("* [Osmosis]", "* Osmosis removed [")))

    assert Entry.objects.filter(paper__short_name="Osmosis").exists()
    assert Entry.objects.filter(paper=added).exists()
    assert Claim.objects.get().status == ClaimStatus.ACTIVE


def test_making_a_claimed_paper_intro_is_refused_and_imports_nothing(tmp_path):
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    student = make_user("li")
    enroll(student, topic)
    claims.claim(student, by_short_name("AuxDet"))
    text = SEED.read_text(encoding="utf-8")
    auxdet = "* [AuxDet](https://arxiv.org/pdf/2505.15184): Auxiliary Metadata Matters for Omni-Domain Infrared Small Target Detection (arXiv 2025)\n"
    text = text.replace(auxdet, "").replace("***\n\n### 2.3 进阶文献", auxdet + "\n***\n\n### 2.3 进阶文献")
    text = text.replace("PUGAN: Physical", "PUGAN (renamed): Physical")

    with pytest.raises(CommandError, match="AuxDet"):
        run_import(page_with(tmp_path, text))

    assert by_short_name("AuxDet").level == Level.ADVANCED
    assert not Paper.objects.filter(title__contains="renamed").exists()  # one transaction: nothing half-done


def test_a_renamed_category_keeps_its_row_and_the_choice_is_remembered_for_the_next_import():
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    info = topic.categories.get(name="辅助信息")
    reading_list = read_reading_list(SEED.name, SEED.read_text(encoding="utf-8"), PageChoices(categories={"辅助信息": "辅助输入"}))
    import_reading_list(reading_list, "xinya-2")
    info.refresh_from_db()
    assert info.name == "辅助输入" and info.entries.count() == 13
    run_import(SEED)  # the command, with nothing chosen: the page's remembered choices apply
    assert list(topic.categories.values_list("name", flat=True)) == ["辅助输入", "辅助任务"]


# One paper across topics.


def test_the_same_paper_in_two_pages_is_one_paper():
    run_import(TOPICS / "01-irstd.md", "01-irstd")
    run_import(TOPICS / "24-mot.md", "24-mot")
    detr = Paper.objects.get(arxiv_id="2005.12872")
    assert sorted(detr.entries.values_list("topic__slug", "level")) == [("01-irstd", "intro"), ("24-mot", "advanced")]


def test_a_page_listing_a_known_paper_under_another_link_finds_it_by_title(tmp_path):
    run_import(TOPICS / "01-irstd.md", "01-irstd")
    page = page_with(tmp_path, "---\ntitle: x\n---\n## 进阶文献\n* [ViT](https://openreview.net/forum?id=YicbFdNTTy): "
                     "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale (ICLR 2021)\n", "vit.md")
    run_import(page, "vit")
    assert Paper.objects.filter(title_key__startswith="animageisworth16x16words").count() == 1


def test_two_pages_with_the_same_number_are_two_topics():
    run_import(SEED, "xinya-2")
    run_import(TOPICS / "02c-maplessnav.md", "02c-maplessnav")
    assert list(Topic.objects.order_by("slug").values_list("number", flat=True)) == [2, 2]


def test_a_link_copied_onto_the_wrong_entry_does_not_merge_two_papers():
    output = run_import(TOPICS / "09b-cl.md", "09b-cl", "--dry-run")
    assert "imported without that link" in output  # DyTox reuses L2P's arXiv link
    run_import(TOPICS / "09b-cl.md", "09b-cl")
    topic = Topic.objects.get(slug="09b-cl")
    assert topic.entries.filter(paper__short_name="DyTox", paper__url=None).exists()
    assert topic.entries.get(paper__arxiv_id="2112.08654").paper.short_name == "L2P"


# Bad input: a clear message naming the file, nothing written.


def test_unreadable_or_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(tmp_path / "missing.md")
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="binary.md is a binary file"):
        run_import(binary)
    latin = tmp_path / "latin.md"
    latin.write_bytes("---\ntitle: caf\xe9\n---\n".encode("latin-1"))
    with pytest.raises(CommandError, match="latin.md is not UTF-8"):
        run_import(latin)
    assert not Topic.objects.exists()


def test_a_five_megabyte_file_is_refused_by_name(tmp_path):
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(CommandError, match="huge.md is larger than 5 MB"):
        run_import(huge)
    assert not Topic.objects.exists()


def test_page_without_a_reading_list_imports_nothing(tmp_path):
    page = page_with(tmp_path, "---\ntitle: Just prose\n---\n\n## 一、专题介绍\n\nNo papers here.\n", "prose.md")
    with pytest.raises(CommandError, match="prose.md"):
        run_import(page)
    assert not Topic.objects.exists() and not Paper.objects.exists()


@pytest.mark.parametrize("front_matter", [
    "---\ntitle: [unclosed\n---\n",
    "---\ntitle: x\n",
    "---\nbase: &a 新芽\ntitle: *a\nother: [*a, *a]\n---\n",
])
def test_broken_front_matter_is_a_clear_error_naming_the_file(tmp_path, front_matter):
    body = SEED.read_text(encoding="utf-8").split("---", 2)[2]
    page = page_with(tmp_path, front_matter + body, "broken.md")
    try:
        run_import(page)
    except CommandError as error:
        assert "broken.md" in str(error)
        assert not Topic.objects.exists()
    else:  # an alias that YAML resolves to text is a title like any other
        assert Topic.objects.get().title


def test_a_title_longer_than_the_catalogue_keeps_is_reported_not_imported(tmp_path):
    long_title = "Deep " * 130
    text = f"---\ntitle: x\n---\n## 进阶文献\n* [Long](https://arxiv.org/abs/2401.00001): {long_title}(CVPR 2024)\n" \
           f"* [Fine](https://arxiv.org/abs/2401.00002): A Fine Title (CVPR 2024)\n"
    output = run_import(page_with(tmp_path, text, "long.md"), "long", "--dry-run")
    assert "L5    skipped: a title or link longer than the catalogue keeps: * [Long]" in output
    run_import(page_with(tmp_path, text, "long.md"), "long")
    assert list(Paper.objects.values_list("title", flat=True)) == ["A Fine Title"]


# The export: a round trip, and a clear message for a wrong one.


def test_export_prints_only_json_and_round_trips_into_an_empty_database(tmp_path):
    run_import(SEED)
    out = StringIO()
    call_command("export_reading_list", "--topic", "xinya-2", stdout=out)
    exported = json.loads(out.getvalue())  # nothing but JSON on stdout
    assert exported["topic"]["slug"] == "xinya-2" and exported["topic"]["number"] == 2
    assert exported["categories"] == ["辅助信息", "辅助任务"]
    assert len(exported["papers"]) == 38 and len(exported["materials"]) == 6
    dmm = next(p for p in exported["papers"] if p["short_name"] == "DMM")
    assert dmm == {
        "short_name": "DMM",
        "title": "DMM: Disparity-Guided Multispectral Mamba for Oriented Object Detection in Remote Sensing",
        "level": "advanced",
        "categories": ["辅助信息", "辅助任务"],
        "arxiv_id": "2407.08132",
        "url": "https://arxiv.org/abs/2407.08132",
        "venue": "TGRS",
        "year": 2025,
    }

    Entry.objects.all().delete()
    Paper.objects.all().delete()
    Topic.objects.all().delete()
    run_import(page_with(tmp_path, out.getvalue(), "export.json"), "xinya-2")

    again = StringIO()
    call_command("export_reading_list", "--topic", "xinya-2", stdout=again)
    assert json.loads(again.getvalue()) == exported


def test_a_paper_without_a_link_round_trips_with_a_null_url(tmp_path):
    run_import(TOPICS / "17-hdr.md", "17-hdr")
    out = StringIO()
    call_command("export_reading_list", "--topic", "17-hdr", stdout=out)
    assert {paper["url"] for paper in json.loads(out.getvalue())["papers"]} == {None}


def export_with(**paper) -> str:
    base = {"short_name": "X", "title": "A title", "level": "advanced", "categories": [], "arxiv_id": None,
            "url": "https://example.org/x", "venue": "", "year": None}
    return json.dumps({"topic": {"slug": "t", "title": "T"}, "papers": [{**base, **paper}]})


@pytest.mark.parametrize(("paper", "message"), [
    ({"title": "T" * 600}, "Paper 1 (“X”): the title is 600 characters long; at most 500 are kept."),
    ({"url": "https://example.org/" + "a" * 990}, "Paper 1 (“X”): the link is 1010 characters long; at most 1000 are kept."),
    ({"title": "A\x00title"}, "Paper 1 (“X”): the title holds control characters (such as NUL)."),
    ({"level": "intro", "categories": ["辅助信息"]}, "Paper 1 (“X”): an intro paper has no categories; only advanced papers do."),
    ({"level": "expert"}, "Paper 1 (“X”): level must be “intro” or “advanced”."),
    ({"arxiv_id": "nonsense"}, "“nonsense” is not an arXiv identifier"),
    ({"title": ["a", "list"]}, "Paper 1 (“X”): the title must be text."),
    ({"year": "2024"}, "Paper 1 (“X”): the year must be a number such as 2024."),
    ({"url": "javascript:alert(1)"}, "Paper 1 (“X”): the link is not an http(s) address."),
])
def test_a_wrong_export_gets_a_message_naming_the_entry_and_imports_nothing(tmp_path, paper, message):
    with pytest.raises(CommandError) as error:
        run_import(page_with(tmp_path, export_with(**paper), "wrong.json"), "t")
    assert "wrong.json" in str(error.value) and message in str(error.value)
    assert not Topic.objects.exists() and not Paper.objects.exists()


def test_export_of_unknown_topic_is_a_clear_error():
    with pytest.raises(CommandError, match="No topic"):
        call_command("export_reading_list", "--topic", "nope", stdout=StringIO())


# The cost: a bounded number of queries per page, not per entry.


def numbered_page(tmp_path: Path, count: int, first: int = 1) -> Path:
    rows = "\n".join(
        f"* [P{n}](https://arxiv.org/abs/2401.{n:05d}): Paper number {n} about things (CVPR 2024)"
        for n in range(first, first + count)
    )
    return page_with(tmp_path, f"---\ntitle: x\n---\n## 进阶文献\n\n**甲类**\n\n{rows}\n", f"p{first}-{count}.md")


def import_queries(path: Path, slug: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        run_import(path, slug)
    return len(queries)


def test_importing_a_page_runs_the_same_queries_for_a_short_and_a_real_sized_list(tmp_path):
    # The topic, its categories, the papers it names (one query), the other topics listing them, the new
    # papers, the entries, their categories, the materials: bulk writes, none per entry.
    # SQLite splits a bulk write into batches of about 40 rows, so a list of 38 is one batch.
    small = import_queries(numbered_page(tmp_path, 5), "small")
    real = import_queries(numbered_page(tmp_path, 38, first=100), "real")
    again = import_queries(numbered_page(tmp_path, 38, first=100), "real")
    assert small == real < 30
    assert again < real
