"""The topic-page reader on blind pages: pages written the way other mentors of the programme write, with readings
checked by hand before the reader was ever run on them.

`fixtures/topics/blind/` holds twelve such pages (b01-b12); `blind/holdout/` four more (h01-h04), written after the
reader had been fixed on the first twelve, to measure those fixes on pages they were not made for. They stand in for
the programme's unseen pages, so they are measured the way those will be judged, with the official measure's matching
(`score_topics.py`, as tests/topic_scoring.py): papers found with the right role, and materials read as
papers. The programme's thresholds are at least 95 % of the papers found with their role and at most 5 % of the
materials read as papers; every page here is read in full.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.papers.test_page_reader import _score, read, truth  # the official matching, as for the real pages
from tests.topic_scoring import Score

BLIND = Path(__file__).parent.parent / "fixtures" / "topics" / "blind"
HOLDOUT = BLIND / "holdout"


def _pages(folder: Path) -> list[Path]:
    return sorted(folder / f"{path.name.removesuffix('.expected.json')}.md" for path in folder.glob("*.expected.json"))


BLIND_PAGES = _pages(BLIND)
HOLDOUT_PAGES = _pages(HOLDOUT)


def _scores(pages: list[Path]) -> dict[str, tuple[Score, int]]:
    """Each page's score and its number of distinct materials."""
    scores = {}
    for path in pages:
        expected = truth(path)
        materials = {(entry["url"] or entry["title"]) for entry in expected if entry["role"] == "material"}
        scores[path.stem] = (_score(read(path), expected), len(materials))
    return scores


def test_there_are_twelve_blind_pages_and_four_holdout_pages_of_thirty_entries_or_more():
    assert (len(BLIND_PAGES), len(HOLDOUT_PAGES)) == (12, 4)
    assert all(len(truth(path)) >= 30 for path in BLIND_PAGES)
    assert all(len(truth(path)) >= 25 for path in HOLDOUT_PAGES)


@pytest.mark.parametrize("path", BLIND_PAGES + HOLDOUT_PAGES, ids=lambda path: path.stem)
def test_each_blind_page_finds_its_papers_with_their_roles_and_reads_no_material_as_a_paper(path):
    score = _score(read(path), truth(path))
    assert (score.found, score.right_role, score.leaked) == (score.papers, score.papers, 0), score.misses


@pytest.mark.parametrize("pages", [BLIND_PAGES, HOLDOUT_PAGES], ids=["blind", "holdout"])
def test_the_blind_pages_together_meet_the_programme_thresholds(pages):
    scores = _scores(pages)
    papers = sum(score.papers for score, _ in scores.values())
    right = sum(score.right_role for score, _ in scores.values())
    materials = sum(count for _, count in scores.values())
    leaked = sum(score.leaked for score, _ in scores.values())
    report = {name: (score.right_role, score.papers, score.leaked, count) for name, (score, count) in scores.items()}
    assert right >= 0.95 * papers, report
    assert leaked <= 0.05 * materials, report
