"""The topic-page reader: the programme's real pages, synthetic pages that vary their template, and junk.

Real pages and their hand-checked readings are copies of the shared `topics/` folder; the synthetic pages in
`fixtures/topics/synthetic/` were written to vary the template the way other mentors do. Pages are compared with
their readings by the official measure's own matching (`score_topics.py`), copied into `_score` below.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.topic_scoring import Found, Score, matches, same_title, score
from papers.page_reader import (
    EntryRole,
    PageChoices,
    PageError,
    SectionRole,
    SkipReason,
    TopicPage,
    read_page,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
TOPICS = FIXTURES / "topics"
SYNTHETIC = TOPICS / "synthetic"
SEED = FIXTURES / "topic-2.md"
# every page with its hand-checked reading beside it
REAL_PAGES = sorted(path.name.removesuffix(".expected.json") for path in TOPICS.glob("*.expected.json"))
SYNTHETIC_PAGES = sorted(path.name.removesuffix(".expected.json") for path in SYNTHETIC.glob("*.expected.json"))
ALL_PAGES = [TOPICS / f"{name}.md" for name in REAL_PAGES] + [SYNTHETIC / f"{name}.md" for name in SYNTHETIC_PAGES]


def read(path: Path, choices: PageChoices | None = None) -> TopicPage:
    return read_page(path.read_bytes().decode("utf-8"), name=path.name, choices=choices)


def truth(path: Path) -> list[dict]:
    return json.loads(path.with_name(f"{path.stem}.expected.json").read_text(encoding="utf-8"))["entries"]


def _found(entry) -> Found:
    return Found(title=entry.title, url=entry.url, arxiv_id=entry.arxiv_id, short_name=entry.short_name, role=entry.role)


def _score(page: TopicPage, expected: list[dict]) -> Score:
    """The official measure (tests/topic_scoring.py) of a reading."""
    return score([_found(entry) for entry in page.papers], expected)


# --- Real and synthetic pages against their readings --------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda path: path.stem)
def test_every_paper_on_the_page_is_found_with_its_role(path):
    result = _score(read(path), truth(path))
    assert (result.found, result.right_role) == (result.papers, result.papers), result.misses


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda path: path.stem)
def test_no_material_is_read_as_a_paper(path):
    assert _score(read(path), truth(path)).leaked == 0


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda path: path.stem)
def test_every_material_is_read_as_a_material(path):
    page = read(path)
    materials = [entry for entry in page.entries if entry.role == EntryRole.MATERIAL]
    missing = [m["line"] for m in truth(path) if m["role"] == "material" and not any(matches(m, _found(e)) for e in materials)]
    assert missing == []


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda path: path.stem)
def test_entries_match_the_hand_checked_reading_line_by_line(path):
    read_entries = {entry.line: entry for entry in read(path).entries}
    expected_entries = truth(path)
    assert sorted(read_entries) == [entry["line"] for entry in expected_entries]
    for expected in expected_entries:
        entry = read_entries[expected["line"]]
        assert (entry.role, entry.url, entry.section, entry.group) == (
            expected["role"], expected["url"], expected["section"], expected["group"]
        ), expected["line"]
        assert (entry.short_name, entry.venue, entry.year) == (
            expected["short_name"], expected["venue"], expected["year"]
        ), expected["line"]
        assert same_title(entry.title, expected["title"]), (expected["line"], entry.title)


@pytest.mark.parametrize("path", ALL_PAGES, ids=lambda path: path.stem)
def test_every_line_with_a_link_in_a_reading_section_is_an_entry_or_reported(path):
    page = read(path)
    lines = path.read_bytes().decode("utf-8").split("\n")
    headings = sorted((section.line, section) for section in page.sections if section.depth < 7)
    accounted = {entry.line for entry in page.entries} | {skipped.line for skipped in page.skipped}
    unaccounted = []
    for number, text in enumerate(lines, start=1):
        above = [section for line, section in headings if line <= number]
        if not above or above[-1].role == SectionRole.NONE or ("](" not in text and "http" not in text):
            continue
        if number not in accounted and number - 1 not in accounted:  # an entry's venue may sit on the next line
            unaccounted.append(number)
    assert unaccounted == []


def test_the_ten_real_pages_read_in_a_few_milliseconds_each():
    started = time.perf_counter()
    for name in REAL_PAGES:
        read(TOPICS / f"{name}.md")
    assert time.perf_counter() - started < 5  # about 10 ms a page; generous for busy test machines


# --- The seed page (topic 2) ---------------------------------------------------------------------------------------


def test_seed_page_gives_38_distinct_papers_12_intro_and_26_advanced():
    page = read(SEED)
    distinct = {}
    for paper in page.papers:
        distinct.setdefault(paper.arxiv_id or paper.url, paper)
    assert len(distinct) == 38
    assert sum(paper.role == EntryRole.INTRO for paper in distinct.values()) == 12
    assert sum(paper.role == EntryRole.ADVANCED for paper in distinct.values()) == 26
    assert sum(1 for paper in distinct.values() if paper.arxiv_id) == 27


def test_seed_page_lists_13_and_15_advanced_papers_under_its_two_plain_line_groups():
    page = read(SEED)
    advanced = [paper for paper in page.papers if paper.role == EntryRole.ADVANCED]
    by_group = {group: [p.short_name for p in advanced if p.group == group] for group in ("辅助信息", "辅助任务")}
    assert (len(by_group["辅助信息"]), len(by_group["辅助任务"])) == (13, 15)
    assert sorted(set(by_group["辅助信息"]) & set(by_group["辅助任务"])) == ["DMM", "MSALNet"]
    assert page.categories == ["辅助信息", "辅助任务"]
    assert {paper.section for paper in advanced} == {"2.3 进阶文献"}


def test_seed_page_reads_its_textbooks_and_tools_as_materials():
    page = read(SEED)
    assert [m.title for m in page.materials] == [
        "《动手学深度学习》", "《Deep Learning》", "PyTorch 官方教程", "《Pattern Recognition and Machine Learning》",
        "Google Colab", "Kaggle平台",
    ]
    assert page.materials[0].note == "适合中文初学者的深度学习教材"
    assert {m.section for m in page.materials} == {"2.1 基础教材与学习材料"}


def test_seed_page_reads_the_entries_that_break_the_usual_shape():
    papers = {paper.title: paper for paper in read(SEED).papers}
    no_short_name = papers["Indoor Segmentation and Support Inference from RGBD Images"]
    assert (no_short_name.short_name, no_short_name.venue, no_short_name.year) == ("", "ECCV", 2012)
    venue_below = papers["Image Change Captioning by Learning From an Auxiliary Task"]
    assert (venue_below.venue, venue_below.year, venue_below.role) == ("CVPR", 2021, EntryRole.INTRO)
    dformer = papers["DFormer: Rethinking RGBD Representation Learning for Semantic Segmentation"]
    assert (dformer.short_name, dformer.venue, dformer.year) == ("Dformer", "ICLR", 2024)
    assert (papers["Dynamic MLP for Fine-Grained Image Classification by Leveraging Geographical and Temporal "
                   "Information"].venue) == "CVPR"  # written "(CVPR2022)"


def test_seed_page_title_number_and_introduction():
    page = read(SEED)
    assert (page.full_title, page.title, page.number) == (
        "新芽专题介绍（2）：辅助信息/辅助任务驱动的视觉感知", "辅助信息/辅助任务驱动的视觉感知", 2,
    )
    assert page.introduction.startswith("### 1.1  研究背景")
    assert "2.2" not in page.introduction
    assert not page.introduction.rstrip().endswith("***")


def test_seed_page_reports_the_second_link_of_a_material_and_warns_of_papers_listed_twice():
    page = read(SEED)
    assert [(s.line, s.reason) for s in page.skipped] == [(60, SkipReason.EXTRA_LINK), (64, SkipReason.EXTRA_LINK)]
    assert [warning.line for warning in page.warnings] == [159, 161]  # DMM and MSALNet, listed under both groups


def test_seed_page_sections_carry_roles_with_their_reasons():
    sections = {section.key: section for section in read(SEED).sections}
    assert sections["2.1 基础教材与学习材料"].role == SectionRole.MATERIALS
    assert sections["2.2 入门文献"].role == SectionRole.INTRO
    assert sections["2.3 进阶文献"].role == SectionRole.ADVANCED
    assert (sections["辅助任务"].depth, sections["辅助任务"].role) == (7, SectionRole.ADVANCED)
    assert sections["三、结语与期望"].role == SectionRole.NONE
    assert all(section.reason for section in sections.values())


# --- Titles, categories, roles ------------------------------------------------------------------------------------


def test_the_site_prefix_and_number_leave_the_topic_title():
    assert (read(TOPICS / "24-mot.md").title, read(TOPICS / "24-mot.md").number) == ("多目标跟踪", 24)
    x20 = read(TOPICS / "x20-mlmpiablog.md")
    assert (x20.full_title, x20.title, x20.number) == (
        "新芽专题介绍：多模态大模型的个性化与推理加速", "多模态大模型的个性化与推理加速", None,
    )


@pytest.mark.parametrize(("full_title", "title", "number"), [
    ("新芽专题介绍(31): Efficient ViT", "Efficient ViT", 31),
    ("新芽专题介绍（十二）：视觉语言导航", "视觉语言导航", 12),
    ("【新芽专题】图神经网络", "图神经网络", None),
    ("新芽专题：图神经网络", "图神经网络", None),
    ("多目标跟踪", "多目标跟踪", None),
])
def test_titles_are_read_whatever_brackets_and_colons_the_prefix_uses(full_title, title, number):
    page = read_page(f"---\ntitle: '{full_title}'\n---\n## 进阶文献\n* [X](https://arxiv.org/abs/1706.03762)\n")
    assert (page.title, page.number) == (title, number)


def test_a_page_without_front_matter_takes_its_title_from_its_first_heading_or_its_file_name():
    assert read(SYNTHETIC / "s03-citations.md").title == "图神经网络"
    page = read_page("* [X](https://arxiv.org/abs/1706.03762): Attention (NeurIPS 2017)\n", name="topic-9.md")
    assert page.full_title == "topic-9"


def test_categories_are_the_groups_and_headings_cleaned_of_numbers_and_parentheticals():
    assert read(TOPICS / "24-mot.md").categories == ["进阶方法", "基于Transformer方法", "扩展与特殊场景"]
    assert read(TOPICS / "01-irstd.md").categories[0] == "目标检测前沿方法"  # "进阶文献（目标检测前沿方法）"
    assert read(TOPICS / "09b-cl.md").categories[0] == "经典分类持续学习"  # "#### 2.3.1  经典分类持续学习"


def test_intro_note_holds_until_a_sub_heading_says_otherwise():
    docai = {paper.line: paper for paper in read(TOPICS / "39-docai.md").papers}
    assert docai[318].role == docai[340].role == EntryRole.INTRO  # under the note 仅用于入门
    assert docai[350].role == docai[386].role == EntryRole.ADVANCED  # after **进阶文献（幻觉抑制经典方法）**
    notes = {paper.line: paper for paper in read(SYNTHETIC / "s06-notes.md").papers}
    assert notes[27].role == EntryRole.INTRO  # a second bold label that says nothing keeps the note's role
    assert notes[33].role == EntryRole.ADVANCED


def test_a_page_with_no_intro_section_has_only_advanced_papers():
    for name in ("02c-maplessnav", "28-openclaw"):
        assert {paper.role for paper in read(TOPICS / f"{name}.md").papers} == {EntryRole.ADVANCED}


def test_code_and_docs_links_are_materials_anywhere_but_a_cited_code_link_stays_a_paper():
    openclaw = read(TOPICS / "28-openclaw.md")
    assert [paper.url for paper in openclaw.papers] == [
        "https://arxiv.org/abs/2603.12644", "https://www.preprints.org/manuscript/202603.1060",
    ]
    mot = {paper.short_name: paper for paper in read(TOPICS / "24-mot.md").papers}
    assert mot["MOTChallenge Benchmark"].role == EntryRole.INTRO  # its only link is the benchmark's site
    mixed = {entry.line: entry for entry in read(SYNTHETIC / "s07-materials-mixed.md").entries}
    assert mixed[16].is_paper  # a GitHub repository written "(ICLR 2024)"
    assert not mixed[21].is_paper  # an awesome-list


def test_standards_documents_and_unlinked_books_are_materials():
    hdr = {entry.line: entry for entry in read(TOPICS / "17-hdr.md").entries}
    assert (hdr[81].role, hdr[81].title, hdr[81].year) == (EntryRole.MATERIAL, "BT.2100-3-2025", 2025)
    assert (hdr[63].role, hdr[63].url, hdr[63].venue) == (EntryRole.INTRO, None, "Digital Signal Processing")


def test_a_references_section_named_like_materials_reads_its_cited_papers_as_papers():
    shapes = {entry.line: entry for entry in read(SYNTHETIC / "s09-shapes.md").entries}
    assert [shapes[line].role for line in (29, 30, 31, 32)] == [EntryRole.ADVANCED] * 3 + [EntryRole.MATERIAL]


def test_a_dataset_section_keeps_home_pages_as_materials_and_dataset_papers_as_papers():
    notes = {entry.line: entry for entry in read(SYNTHETIC / "s06-notes.md").entries}
    assert (notes[44].role, notes[45].role) == (EntryRole.MATERIAL, EntryRole.ADVANCED)  # DTU's site, ScanNet (CVPR)


def test_the_introduction_is_the_prose_before_the_reading_part():
    assert read(SYNTHETIC / "s05-quirks.md").introduction == ""  # the page opens with its reading list
    openclaw = read(TOPICS / "28-openclaw.md").introduction
    assert openclaw.startswith("## 研究背景") and "## 当前挑战" in openclaw and "基础资料" not in openclaw


# --- An admin's choices --------------------------------------------------------------------------------------------


def test_a_role_chosen_for_a_section_applies_to_its_groups():
    page = read(SEED, PageChoices(roles={"2.3 进阶文献": SectionRole.INTRO}))
    assert {paper.role for paper in page.papers} == {EntryRole.INTRO}
    sections = {section.key: section for section in page.sections}
    assert (sections["辅助信息"].role, sections["辅助信息"].guessed_role) == (SectionRole.INTRO, SectionRole.ADVANCED)


def test_a_group_keeps_its_own_chosen_role_under_a_section_set_otherwise():
    choices = PageChoices(roles={"2.3 进阶文献": SectionRole.INTRO, "辅助任务": SectionRole.ADVANCED})
    page = read(SEED, choices)
    assert {paper.role for paper in page.papers if paper.group == "辅助任务"} == {EntryRole.ADVANCED}
    assert {paper.role for paper in page.papers if paper.group == "辅助信息"} == {EntryRole.INTRO}


def test_a_section_set_to_none_reports_its_entries_as_not_a_list():
    page = read(SEED, PageChoices(roles={"2.2 入门文献": SectionRole.NONE}))
    assert not [paper for paper in page.papers if paper.role == EntryRole.INTRO]
    not_a_list = [skipped.line for skipped in page.skipped if skipped.reason == SkipReason.NOT_A_LIST]
    assert len(not_a_list) == 12


def test_a_section_set_to_materials_reads_its_papers_as_materials():
    page = read(SEED, PageChoices(roles={"辅助信息": SectionRole.MATERIALS}))
    assert len(page.materials) == 6 + 13
    assert not [paper for paper in page.papers if paper.group == "辅助信息"]


def test_a_category_rename_changes_the_category_of_its_papers():
    page = read(SEED, PageChoices(categories={"辅助任务": "Auxiliary tasks"}))
    assert page.categories == ["辅助信息", "Auxiliary tasks"]


def test_section_keys_are_stable_and_a_repeated_heading_gets_a_suffix():
    text = ("---\ntitle: t\n---\n## 进阶文献\n* [A](https://arxiv.org/abs/1706.03762)\n"
            "## 进阶文献\n* [B](https://arxiv.org/abs/2010.11929)\n")
    assert [section.key for section in read_page(text).sections] == ["进阶文献", "进阶文献#2"]
    assert [section.key for section in read(SEED).sections] == [section.key for section in read(SEED).sections]


# --- What is reported rather than imported ----------------------------------------------------------------------


def test_prose_links_images_and_code_links_are_reported_with_their_reason():
    x20 = {skipped.line: skipped.reason for skipped in read(TOPICS / "x20-mlmpiablog.md").skipped}
    assert x20[40] == SkipReason.PROSE  # CLIP（[ICML 2021](...)）用 4 亿图文对...
    quirks = {skipped.line: skipped.reason for skipped in read(SYNTHETIC / "s05-quirks.md").skipped}
    assert quirks == {18: SkipReason.CODE_LINK, 20: SkipReason.CODE_LINK, 30: SkipReason.IMAGE}


def test_overlong_titles_and_links_are_reported_not_imported():
    long_title = "A" * 600
    long_url = "https://arxiv.org/abs/1706.03762?" + "x" * 1200
    text = (f"## 进阶文献\n* [Short](https://arxiv.org/abs/1706.03762): {long_title} (CVPR 2020)\n"
            f"* [Long link]({long_url}): Title (CVPR 2020)\n"
            "* [OK](https://arxiv.org/abs/2010.11929): ViT (ICLR 2021)\n")
    page = read_page(text)
    assert [skipped.reason for skipped in page.skipped] == [SkipReason.TOO_LONG, SkipReason.TOO_LONG]
    assert [paper.short_name for paper in page.papers] == ["OK"]


def test_an_anchor_link_in_a_list_is_reported_as_unreadable():
    page = read_page("## 进阶文献\n* [上一节](#top)\n* [ViT](https://arxiv.org/abs/2010.11929): ViT (ICLR 2021)\n")
    assert [(s.line, s.reason) for s in page.skipped] == [(2, SkipReason.UNREADABLE)]


def test_things_to_check_are_warnings():
    text = ("## 进阶文献\n* [](https://arxiv.org/abs/1706.03762) (NeurIPS 2017)\n"
            "* [ViT](https://arxiv.org/abs/2010.11929): An Image is Worth 16x16 Words (CVPR 2301)\n")
    page = read_page(text)
    assert [warning.line for warning in page.warnings] == [2, 3]
    assert page.papers[0].title == "arXiv:1706.03762" and page.papers[1].year is None
    dytox = [w for w in read(TOPICS / "09b-cl.md").warnings if w.line == 154]
    assert dytox and "152" in dytox[0].message  # DyTox reuses the L2P link


# --- Bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "",
    " \n\t\n",
    "\u200b\u200b",
    "---\ntitle: t\n## 进阶文献\n* [X](https://arxiv.org/abs/1706.03762)\n",
    "---\ntitle: [unclosed\n---\n## 进阶文献\n* [X](https://arxiv.org/abs/1706.03762)\n",
    "---\n- a\n- b\n---\n## 进阶文献\n* [X](https://arxiv.org/abs/1706.03762)\n",
    "---\ntitle: *a\n---\n## 进阶文献\n* [X](https://arxiv.org/abs/1706.03762)\n",
    "---\nx: &a [1, 2]\ntitle: *a\n---\n## 进阶文献\n* [X](https://arxiv.org/abs/1706.03762)\n",
    "---\ntitle: 42\n---\n## 进阶文献\n* [X](https://arxiv.org/abs/1706.03762)\n",
    "---\ntitle: 只有介绍\n---\n## 研究背景\n\n这一页只有文字，没有任何文献。\n",
], ids=["empty", "blank", "invisible", "unterminated", "bad-yaml", "not-a-mapping", "undefined-alias",
        "alias-to-a-list", "title-not-text", "no-reading-part"])
def test_a_page_that_cannot_be_read_raises_page_error_with_a_message(text):
    with pytest.raises(PageError) as raised:
        read_page(text)
    assert str(raised.value).strip()


def test_crlf_nul_bytes_tabs_and_zero_width_characters_do_not_change_the_reading():
    text = SEED.read_text(encoding="utf-8")
    expected = [(p.line, p.title, p.url, p.venue, p.year) for p in read_page(text).papers]
    noisy = text.replace("\n", "\r\n").replace("(https://", "(\u200bhttps://").replace("ConcatNet", "Concat\x00Net")
    noisy = noisy.replace("* [", "*\t[")
    assert [(p.line, p.title, p.url, p.venue, p.year) for p in read_page(noisy).papers] == expected


@pytest.mark.parametrize("line", ["[" * 100_000, "(" * 100_000, "[a](" * 50_000, "](" * 100_000,
                                  "http://" * 100_000, "**" * 100_000, "(CVPR 2020 " * 30_000,
                                  "K. " * 100_000, "|" * 100_000, "——" * 100_000])
def test_pathological_lines_are_read_in_well_under_a_second(line):
    text = f"## 进阶文献\n* {line}\n{line}\n* [X](https://arxiv.org/abs/1706.03762): Attention (NeurIPS 2017)\n"
    started = time.perf_counter()
    page = read_page(text)
    assert time.perf_counter() - started < 2
    assert [paper.line for paper in page.papers] == [4]


def test_a_five_megabyte_page_is_read_in_linear_time():
    body = SEED.read_text(encoding="utf-8").split("---", 2)[2]
    text = "---\ntitle: 大页面\n---\n" + (body * (5_000_000 // len(body) + 1))[:5_000_000]
    started = time.perf_counter()
    page = read_page(text)
    assert time.perf_counter() - started < 30  # about 3 s: quadratic work would take hours
    assert len(page.papers) > 10_000


_MARKDOWN_BITS = st.sampled_from([
    "## 进阶文献", "### 2.2 入门文献", "#### 2.3.1 X", "**辅助信息**", "辅助任务：", "- 公式解析", "> 仅用于入门，不可选择此部分文献汇报",
    "* [X](https://arxiv.org/abs/1706.03762): Title (CVPR 2020)", "1. [Y](https://github.com/a/b)", "(ICCV 2019)",
    "| 论文 | 发表 |", "| --- | --- |", "| [T (S)](https://arxiv.org/abs/2010.11929) | ICLR 2021 |", "***", "",
    "* Title（TOG2021）——自行搜索", "[1] A B. Title[J]. 学报, 2020.", "![](x.png)", "```", "<!--", "-->", "---",
    "title: x", "* [](http://)", "* [a](<https://a.b/c d>)", "1.  [X] ( https://doi.org/10/x ) (2022-ECCV)",
])


@settings(deadline=None, max_examples=300)
@given(st.lists(st.one_of(_MARKDOWN_BITS, st.text(max_size=80)), max_size=40))
def test_any_text_is_read_or_refused_with_page_error(parts):
    _assert_reads_or_refuses("\n".join(parts))


@settings(deadline=None, max_examples=150)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000))
def test_any_unicode_is_read_or_refused_with_page_error(text):
    _assert_reads_or_refuses(text)


@settings(deadline=None, max_examples=30)
@given(st.sampled_from(["\x00", "😀", "<script>alert(1)</script>", "[", "(", "http://", "](", "\u200b", "\r"]),
       st.integers(min_value=1, max_value=20_000))
def test_huge_repeated_lines_are_read_or_refused_with_page_error(piece, count):
    _assert_reads_or_refuses("## 进阶文献\n* " + piece * count + "\n* [X](https://arxiv.org/abs/1706.03762)")


def _assert_reads_or_refuses(text: str) -> None:
    try:
        page = read_page(text, name="fuzz.md")
    except PageError as error:
        assert str(error)
        return
    line_count = text.count("\n") + 1
    for entry in page.entries:
        assert 1 <= entry.line <= line_count
        assert entry.title.strip() and len(entry.title) <= 500
        assert entry.url is None or len(entry.url) <= 1000
        assert entry.arxiv_id is None or entry.arxiv_id
    for skipped in page.skipped:
        assert 1 <= skipped.line <= line_count and skipped.reason_label
    keys = [section.key for section in page.sections]
    assert len(keys) == len(set(keys))
    assert {entry.section for entry in page.entries} <= set(keys)
