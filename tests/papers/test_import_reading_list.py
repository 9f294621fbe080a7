import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.models import Entry, Level, Paper, Topic
from students import claims
from students.models import Claim, ClaimStatus
from tests.conftest import enroll, make_user

SEED = Path(__file__).parent.parent / "fixtures" / "topic-2.md"
pytestmark = pytest.mark.django_db


def run_import(path: Path, slug: str = "xinya-2") -> str:
    out = StringIO()
    call_command("import_reading_list", str(path), "--topic", slug, stdout=out)
    return out.getvalue()


def by_short_name(name: str) -> Entry:
    return Entry.objects.select_related("paper").get(paper__short_name=name)


def test_seed_page_creates_topic_with_title_and_introduction():
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    assert topic.title == "新芽专题介绍（2）：辅助信息/辅助任务驱动的视觉感知"
    assert topic.introduction.startswith("### 1.1  研究背景")
    assert "2.2" not in topic.introduction  # the reading list is not part of the introduction


def test_seed_page_gives_38_papers_with_their_levels_and_kinds():
    run_import(SEED)
    entries = Entry.objects.filter(topic__slug="xinya-2")
    assert Paper.objects.count() == 38
    assert entries.count() == 38
    assert entries.intro().count() == 12
    assert entries.advanced().count() == 26
    assert entries.of_kind("auxiliary_information").count() == 13
    assert entries.of_kind("auxiliary_task").count() == 15
    assert sorted(e.paper.short_name for e in entries.of_kind("both").select_related("paper")) == ["DMM", "MSALNet"]


def test_seed_page_normalises_arxiv_ids_from_abs_and_pdf_links():
    run_import(SEED)
    assert Paper.objects.filter(arxiv_id__isnull=False).count() == 27
    assert by_short_name("PriorsNet").paper.arxiv_id == "1906.05272"  # from /pdf/
    assert by_short_name("AuxDet").paper.arxiv_id == "2505.15184"
    assert by_short_name("DMM").paper.arxiv_id == "2407.08132"
    without = Paper.objects.filter(arxiv_id__isnull=True)
    assert without.count() == 11
    assert by_short_name("SAMLP").paper.url == "https://ieeexplore.ieee.org/document/10172029/"


def test_seed_entries_parse_short_name_title_venue_and_year():
    run_import(SEED)
    dformer = by_short_name("Dformer").paper
    assert (dformer.title, dformer.venue, dformer.year) == (
        "DFormer: Rethinking RGBD Representation Learning for Semantic Segmentation", "ICLR", 2024,
    )
    dynamic = by_short_name("Dynamic MLP").paper
    assert (dynamic.venue, dynamic.year) == ("CVPR", 2022)  # written "CVPR2022"


def test_entry_without_short_name_uses_link_text_as_title():
    run_import(SEED)
    paper = Paper.objects.get(title="Rethinking Image Restoration for Object Detection")
    assert (paper.short_name, paper.venue, paper.year) == ("", "NeurIPS", 2022)


def test_entry_with_venue_on_next_line_gets_its_venue():
    run_import(SEED)
    paper = Paper.objects.get(title="Image Change Captioning by Learning From an Auxiliary Task")
    assert (paper.venue, paper.year) == ("CVPR", 2021)
    assert Entry.objects.get(paper=paper).level == Level.INTRO


def test_import_prints_a_summary():
    output = run_import(SEED)
    assert "38 created" in output
    assert "xinya-2" in output


def test_reimporting_the_same_page_changes_nothing():
    run_import(SEED)
    before = list(Entry.objects.values_list("pk", "paper_id", "level", "is_auxiliary_information", "is_auxiliary_task", "position"))
    output = run_import(SEED)
    after = list(Entry.objects.values_list("pk", "paper_id", "level", "is_auxiliary_information", "is_auxiliary_task", "position"))
    assert before == after
    assert Paper.objects.count() == 38
    assert "0 created, 0 updated, 38 unchanged, 0 removed" in output


def test_importing_an_edited_page_updates_entries_and_keeps_claims(tmp_path):
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    student = make_user("li")
    enroll(student, topic)
    claimed = claims.claim(student, by_short_name("SKF"))
    edited = SEED.read_text(encoding="utf-8")
    edited = edited.replace("(CVPR 2023)\n\n* [GG-LLERF]", "(CVPR 2023 )\n\n* [GG-LLERF]")  # harmless
    edited = edited.replace("Learning semantic-aware knowledge guidance", "Learning Semantic-Aware Knowledge Guidance")
    edited = edited.replace("* [Osmosis](https://arxiv.org/abs/2403.14837): Osmosis: RGBD Diffusion Prior for Underwater Image Restoration (ECCV 2024)\n", "")
    page = tmp_path / "edited.md"
    page.write_text(edited, encoding="utf-8")

    output = run_import(page)

    claimed.refresh_from_db()
    assert claimed.status == ClaimStatus.ACTIVE
    assert claimed.entry.paper.title == "Learning Semantic-Aware Knowledge Guidance for low-light image enhancement"
    assert not Entry.objects.filter(paper__short_name="Osmosis").exists()
    assert "1 updated" in output and "1 removed" in output


def test_removed_entry_with_a_claim_is_kept_and_reported(tmp_path):
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    student = make_user("li")
    enroll(student, topic)
    claims.claim(student, by_short_name("Osmosis"))
    page = tmp_path / "edited.md"
    page.write_text(SEED.read_text(encoding="utf-8").replace("* [Osmosis]", "* Osmosis removed ["), encoding="utf-8")

    output = run_import(page)

    assert Entry.objects.filter(paper__short_name="Osmosis").exists()
    assert "Osmosis" in output
    assert Claim.objects.get().status == ClaimStatus.ACTIVE


def test_making_a_claimed_paper_intro_is_refused_and_imports_nothing(tmp_path):
    run_import(SEED)
    topic = Topic.objects.get(slug="xinya-2")
    student = make_user("li")
    enroll(student, topic)
    claims.claim(student, by_short_name("AuxDet"))
    text = SEED.read_text(encoding="utf-8")
    auxdet = "* [AuxDet](https://arxiv.org/pdf/2505.15184): Auxiliary Metadata Matters for Omni-Domain Infrared Small Target Detection (arXiv 2025)\n"
    text = text.replace(auxdet, "").replace("### 2.3 进阶文献", auxdet + "\n### 2.3 进阶文献")
    text = text.replace("PUGAN: Physical", "PUGAN (renamed): Physical")
    page = tmp_path / "edited.md"
    page.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError, match="AuxDet"):
        run_import(page)

    assert by_short_name("AuxDet").level == Level.ADVANCED
    assert not Paper.objects.filter(title__contains="renamed").exists()  # one transaction: nothing half-done


def test_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(tmp_path / "missing.md")
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(binary)
    assert not Topic.objects.exists()


def test_page_without_a_reading_list_imports_nothing(tmp_path):
    page = tmp_path / "prose.md"
    page.write_text("---\ntitle: Just prose\n---\n\n## 一、专题介绍\n\nNo papers here.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No reading list found"):
        run_import(page)
    assert not Topic.objects.exists()
    assert not Paper.objects.exists()


def test_broken_front_matter_is_a_clear_error(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text("---\ntitle: [unclosed\n---\n" + SEED.read_text(encoding="utf-8").split("---", 2)[2], encoding="utf-8")
    with pytest.raises(CommandError, match="front matter"):
        run_import(page)
    assert not Topic.objects.exists()


def test_same_paper_can_sit_in_two_topics():
    run_import(SEED, "xinya-2")
    run_import(SEED, "xinya-2-copy")
    assert Paper.objects.count() == 38
    assert Entry.objects.count() == 76


def test_export_prints_only_json_and_round_trips_into_an_empty_database(tmp_path):
    run_import(SEED)
    out = StringIO()
    call_command("export_reading_list", "--topic", "xinya-2", stdout=out)
    exported = json.loads(out.getvalue())  # nothing but JSON on stdout
    assert exported["topic"]["slug"] == "xinya-2"
    assert len(exported["papers"]) == 38
    dmm = next(p for p in exported["papers"] if p["short_name"] == "DMM")
    assert dmm == {
        "short_name": "DMM",
        "title": "DMM: Disparity-Guided Multispectral Mamba for Oriented Object Detection in Remote Sensing",
        "level": "advanced",
        "kinds": ["auxiliary_information", "auxiliary_task"],
        "arxiv_id": "2407.08132",
        "url": "https://arxiv.org/abs/2407.08132",
        "venue": "TGRS",
        "year": 2025,
    }

    Entry.objects.all().delete()
    Paper.objects.all().delete()
    Topic.objects.all().delete()
    dump = tmp_path / "export.json"
    dump.write_text(out.getvalue(), encoding="utf-8")
    run_import(dump, "xinya-2")

    again = StringIO()
    call_command("export_reading_list", "--topic", "xinya-2", stdout=again)
    assert json.loads(again.getvalue()) == exported


def test_export_of_unknown_topic_is_a_clear_error():
    with pytest.raises(CommandError, match="No topic"):
        call_command("export_reading_list", "--topic", "nope", stdout=StringIO())
