"""The optimal allocation of a preference round: who gets which place. Pure: ids in, ids out, no ORM.

Inputs: each option's free places, and each student's ranking (option → rank, 1 = first choice, at
most MAX_RANK choices). The result places every student in at most one option, never more students
in an option than its free places, and never in an option the student did not rank.

What "optimal" means, in this order:

1. as many students as possible get a place;
2. then the sum of the ranks they get is as small as possible (a 1st choice counts 1, a 5th 5);
3. then ties go to the students with the higher priority.

Priority (the tie-break) is a lottery fixed by the round: students are ordered by the SHA-256 of
"<round id>:<student id>" (hex digest, ascending); the first has the highest priority, n − 1, and
the last 0. Same round, same students: same order, on every machine, every time.

The three aims are one cost matrix for scipy.optimize.linear_sum_assignment, which finds a
minimum-cost assignment of rows to columns. Rows are the students, sorted by id. Columns are the
places: each option contributes min(free places, students who ranked it) identical columns (sorted
by option id), then come n "no place" columns, so every student can always be assigned. With
K = MAX_RANK, p the student's priority and r the rank they gave the option:

    cost(student, a place of an option they ranked as r) = r · S + (r − 1) · p
    cost(student, a place of an option they did not rank) = +inf (never chosen)
    cost(student, no place)                              = U + K · p
    S = K · n · (n − 1) + 1
    U = n · (K · S + 2 · K · (n − 1)) + 1

(r − 1) · p and K · p are the tie-break: a higher-priority student costs more the worse they fare,
so among assignments equal on aims 1 and 2 the solver gives the better ranks, and the places, to
higher priorities; being left without a place counts as rank K + 1 for it. Its total over all
students is at most K · n · (n − 1) < S, so it never outweighs one rank; U is more than the whole
cost of any set of placed students plus every tie-break term, so placing one more student always wins. The costs are integers
below 2**53, exact as the float64 SciPy computes with (`MAX_STUDENTS` keeps them there). The rare
exact ties left (different ranks summing to the same cost) go to SciPy's deterministic
algorithm on the sorted rows and columns: the same input gives the same output.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

MAX_RANK = 5
# Beyond this the costs above no longer fit a float64's exact integers.
MAX_STUDENTS = 4000


@dataclass(frozen=True, slots=True)
class Problem:
    round_id: int
    capacities: Mapping[int, int]  # option id → free places (0 or more)
    rankings: Mapping[int, Mapping[int, int]]  # student id → {option id: rank 1..MAX_RANK}


@dataclass(frozen=True, slots=True)
class Result:
    assignment: dict[int, int | None]  # student id → option id, or None: no place
    ranks: dict[int, int | None]  # student id → the rank of that option, or None

    @property
    def unplaced(self) -> list[int]:
        return sorted(student for student, option in self.assignment.items() if option is None)

    def histogram(self) -> dict[int, int]:
        """How many got their 1st, 2nd, … choice."""
        counts = Counter(rank for rank in self.ranks.values() if rank is not None)
        return {rank: counts.get(rank, 0) for rank in range(1, MAX_RANK + 1)}


def priority_order(round_id: int, student_ids: list[int]) -> list[int]:
    """The round's lottery: students from the highest priority to the lowest."""
    return sorted(student_ids, key=lambda student: (_lottery_key(round_id, student), student))


def _lottery_key(round_id: int, student_id: int) -> str:
    return hashlib.sha256(f"{round_id}:{student_id}".encode()).hexdigest()


def priorities(round_id: int, student_ids: list[int]) -> dict[int, int]:
    """Each student's priority p: n − 1 for the first of the lottery, 0 for the last."""
    order = priority_order(round_id, student_ids)
    return {student: len(order) - 1 - position for position, student in enumerate(order)}


def costs(n: int) -> tuple[int, int]:
    """(S, U) of the module's docstring for n students."""
    rank_unit = MAX_RANK * n * max(n - 1, 0) + 1
    no_place = n * (MAX_RANK * rank_unit + 2 * MAX_RANK * max(n - 1, 0)) + 1
    return rank_unit, no_place


def documented_cost(problem: Problem, assignment: Mapping[int, int | None]) -> int:
    """The total cost of any assignment, by the formula above: what allocate() minimises."""
    students = sorted(problem.rankings)
    rank_unit, no_place = costs(len(students))
    priority = priorities(problem.round_id, students)
    total = 0
    for student in students:
        option = assignment.get(student)
        if option is None:
            total += no_place + MAX_RANK * priority[student]
        else:
            rank = problem.rankings[student][option]
            total += rank * rank_unit + (rank - 1) * priority[student]
    return total


def validate(problem: Problem) -> None:
    if len(problem.rankings) > MAX_STUDENTS:
        raise ValueError(f"{len(problem.rankings)} students is more than one round allocates exactly ({MAX_STUDENTS})")
    for option, places in problem.capacities.items():
        if places < 0:
            raise ValueError(f"option {option} has {places} places")
    for student, ranking in problem.rankings.items():
        if len(ranking) > MAX_RANK:
            raise ValueError(f"student {student} ranked {len(ranking)} options, more than {MAX_RANK}")
        if len(set(ranking.values())) != len(ranking) or not all(1 <= rank <= MAX_RANK for rank in ranking.values()):
            raise ValueError(f"student {student} has ranks {sorted(ranking.values())}: each of 1..{MAX_RANK} at most once")
        unknown = set(ranking) - set(problem.capacities)
        if unknown:
            raise ValueError(f"student {student} ranked options without a capacity: {sorted(unknown)}")


def allocate(problem: Problem) -> Result:
    validate(problem)
    students = sorted(problem.rankings)
    n = len(students)
    if n == 0:
        return Result(assignment={}, ranks={})
    rank_unit, no_place = costs(n)
    priority = priorities(problem.round_id, students)

    # More columns for an option than students who ranked it could never be used.
    wanted = Counter(option for ranking in problem.rankings.values() for option in ranking)
    column_options: list[int] = []
    for option in sorted(problem.capacities):
        column_options += [option] * min(problem.capacities[option], wanted[option])
    first_column = {}
    for column, option in enumerate(column_options):
        first_column.setdefault(option, column)
    places = len(column_options)

    matrix = np.full((n, places + n), np.inf)
    for row, student in enumerate(students):
        p = priority[student]
        for option, rank in problem.rankings[student].items():
            if option in first_column:
                start = first_column[option]
                matrix[row, start : start + min(problem.capacities[option], wanted[option])] = rank * rank_unit + (rank - 1) * p
        matrix[row, places:] = no_place + MAX_RANK * p

    rows, columns = linear_sum_assignment(matrix)
    assignment: dict[int, int | None] = {}
    ranks: dict[int, int | None] = {}
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        student = students[row]
        option = column_options[column] if column < places else None
        assignment[student] = option
        ranks[student] = problem.rankings[student][option] if option is not None else None
    return Result(assignment=assignment, ranks=ranks)
