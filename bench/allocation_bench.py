"""How long the preference rounds' solver takes (students.allocation), on the two sizes the programme meets.

Run: .venv/bin/python bench/allocation_bench.py   (to be part of `make bench`)

- A round of topics: 1,000 students rank 5 of 70 topics. Topics are not equally wanted (a Zipf-like
  popularity), and hold 10 to 20 places each, about 1.05 places per student in all.
- A round of papers, at its largest: 200 students rank 5 of 500 papers, one place each (a topic's
  students per paper), a tenth of them two.

Rankings are random but seeded: every run solves the same problems. Each case is solved three times;
the best time counts (the first also pays NumPy's and SciPy's warm-up). Target: under 5 s each.
Exits with status 1 when a target is missed, or when an allocation breaks a capacity.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from students.allocation import MAX_RANK, Problem, Result, allocate  # noqa: E402

TARGET_SECONDS = 5.0
REPEATS = 3


def topic_round(rng: random.Random, students: int = 1000, topics: int = 70) -> Problem:
    ids = list(range(1, topics + 1))
    popularity = [1 / (rank ** 0.8) for rank in range(1, topics + 1)]
    rng.shuffle(popularity)
    capacities = {topic: rng.randint(10, 20) for topic in ids}
    return Problem(round_id=1, capacities=capacities, rankings={
        student: _ranking(rng, ids, popularity) for student in range(1, students + 1)
    })


def paper_round(rng: random.Random, students: int = 200, papers: int = 500) -> Problem:
    ids = list(range(1, papers + 1))
    popularity = [rng.uniform(0.2, 1.0) for _ in ids]
    capacities = {paper: 2 if rng.random() < 0.1 else 1 for paper in ids}
    return Problem(round_id=2, capacities=capacities, rankings={
        student: _ranking(rng, ids, popularity) for student in range(1, students + 1)
    })


def _ranking(rng: random.Random, ids: list[int], weights: list[float]) -> dict[int, int]:
    chosen: list[int] = []
    while len(chosen) < MAX_RANK:
        (option,) = rng.choices(ids, weights=weights)
        if option not in chosen:
            chosen.append(option)
    return {option: rank for rank, option in enumerate(chosen, start=1)}


def timed(problem: Problem) -> tuple[float, Result]:
    best, result = float("inf"), None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = allocate(problem)
        best = min(best, time.perf_counter() - start)
    return best, result


def within_capacities(problem: Problem, result: Result) -> bool:
    taken = Counter(option for option in result.assignment.values() if option is not None)
    ranked = all(option is None or option in problem.rankings[student] for student, option in result.assignment.items())
    return ranked and all(count <= problem.capacities[option] for option, count in taken.items())


def main() -> int:
    rng = random.Random(20260901)
    failed = False
    for name, problem in (("1,000 students × 70 topics", topic_round(rng)), ("200 students × 500 papers", paper_round(rng))):
        seconds, result = timed(problem)
        placed = len(result.assignment) - len(result.unplaced)
        histogram = " ".join(f"{rank}:{count}" for rank, count in result.histogram().items())
        ok = seconds < TARGET_SECONDS and within_capacities(problem, result)
        failed |= not ok
        print(
            f"{name}: {seconds:.3f} s (best of {REPEATS}), {seconds / TARGET_SECONDS:.1%} of the {TARGET_SECONDS:.0f} s target; "
            f"placed {placed}/{len(result.assignment)}; choices {histogram}; {'ok' if ok else 'MISSED'}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
