"""The allocation solver alone: optimal against brute force, within capacities, reproducible, tie-break as documented."""

from __future__ import annotations

import hashlib
import itertools
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from students.allocation import (
    MAX_RANK,
    MAX_STUDENTS,
    Problem,
    allocate,
    costs,
    documented_cost,
    priorities,
    priority_order,
)
from students.models import MAX_CHOICES

exhaustive = hypothesis_settings(max_examples=300, deadline=None, database=None)


@st.composite
def small_problems(draw, students: int = 5, options: int = 4) -> Problem:
    """Up to `students` students ranking some of `options` options, each with 0 to 3 places."""
    option_ids = list(range(10, 10 + options))
    capacities = {option: draw(st.integers(0, 3)) for option in option_ids}
    rankings = {}
    for student in range(1, draw(st.integers(1, students)) + 1):
        ranked = draw(st.permutations(option_ids))[: draw(st.integers(0, options))]
        rankings[student * 7] = {option: rank for rank, option in enumerate(ranked, start=1)}
    return Problem(round_id=draw(st.integers(1, 10_000)), capacities=capacities, rankings=rankings)


def feasible_assignments(problem: Problem):
    """Every assignment of students to an option they ranked or to none, within the capacities."""
    students = sorted(problem.rankings)
    for combination in itertools.product(*[[None, *sorted(problem.rankings[student])] for student in students]):
        taken = Counter(option for option in combination if option is not None)
        if all(count <= problem.capacities[option] for option, count in taken.items()):
            yield dict(zip(students, combination, strict=True))


def aims(problem: Problem, assignment: dict) -> tuple[int, int]:
    """(students without a place, sum of the ranks given): the first two aims, lower is better."""
    placed = {student: option for student, option in assignment.items() if option is not None}
    return len(assignment) - len(placed), sum(problem.rankings[student][option] for student, option in placed.items())


def check_within_rules(problem: Problem, assignment: dict) -> None:
    assert set(assignment) == set(problem.rankings)
    for student, option in assignment.items():
        assert option is None or option in problem.rankings[student], "a place the student did not rank"
    taken = Counter(option for option in assignment.values() if option is not None)
    for option, count in taken.items():
        assert count <= problem.capacities[option], f"option {option} over capacity"


@exhaustive
@given(small_problems())
def test_allocation_is_optimal_by_brute_force_on_five_students_and_four_options(problem):
    result = allocate(problem)

    check_within_rules(problem, result.assignment)
    every = list(feasible_assignments(problem))
    assert aims(problem, result.assignment) == min(aims(problem, assignment) for assignment in every)
    # And among the optimal ones, the tie-break's choice: the documented cost is the smallest there is.
    assert documented_cost(problem, result.assignment) == min(documented_cost(problem, assignment) for assignment in every)


@exhaustive
@given(small_problems())
def test_ranks_reported_are_the_ranks_the_students_gave(problem):
    result = allocate(problem)

    for student, option in result.assignment.items():
        assert result.ranks[student] == (problem.rankings[student][option] if option is not None else None)
    assert sum(result.histogram().values()) + len(result.unplaced) == len(problem.rankings)


@hypothesis_settings(max_examples=40, deadline=None, database=None)
@given(st.integers(0, 2**31), st.integers(20, 120), st.integers(2, 30))
def test_larger_allocations_respect_every_capacity(seed, students, options):
    problem = random_problem(random.Random(seed), students, options)

    check_within_rules(problem, allocate(problem).assignment)


def random_problem(rng: random.Random, students: int, options: int, round_id: int = 1) -> Problem:
    capacities = {option: rng.randint(0, 4) for option in range(1, options + 1)}
    rankings = {
        student: {option: rank for rank, option in enumerate(rng.sample(range(1, options + 1), min(options, rng.randint(0, 5))), 1)}
        for student in rng.sample(range(1, 10 * students), students)
    }
    return Problem(round_id=round_id, capacities=capacities, rankings=rankings)


def test_same_input_gives_the_same_output_whatever_the_order_it_comes_in():
    problem = random_problem(random.Random(7), 80, 12)
    shuffled = Problem(
        round_id=problem.round_id,
        capacities=dict(reversed(list(problem.capacities.items()))),
        rankings={
            student: dict(reversed(list(ranking.items())))
            for student, ranking in reversed(list(problem.rankings.items()))
        },
    )

    first = allocate(problem)
    assert allocate(problem) == first
    assert allocate(shuffled) == first


def test_priority_is_the_sha256_lottery_of_round_and_student():
    expected = sorted([3, 11, 42], key=lambda student: hashlib.sha256(f"9:{student}".encode()).hexdigest())

    assert priority_order(9, [42, 3, 11]) == expected
    assert priorities(9, [42, 3, 11]) == {expected[0]: 2, expected[1]: 1, expected[2]: 0}


def test_the_place_both_want_goes_to_the_student_the_lottery_puts_first():
    for round_id in range(1, 30):
        winner, loser = priority_order(round_id, [1, 2])
        problem = Problem(round_id=round_id, capacities={10: 1}, rankings={1: {10: 1}, 2: {10: 1}})

        assert allocate(problem).assignment == {winner: 10, loser: None}


def test_the_better_first_choice_goes_to_the_higher_priority_when_the_rank_sums_tie():
    for round_id in range(1, 30):
        first, second = priority_order(round_id, [1, 2])
        # Either way one student gets a 1st choice and the other a 2nd: the lottery decides who.
        rankings = {1: {10: 1, 11: 2}, 2: {10: 1, 11: 2}}

        result = allocate(Problem(round_id=round_id, capacities={10: 1, 11: 1}, rankings=rankings))

        assert result.ranks == {first: 1, second: 2}


def test_the_lottery_never_outweighs_a_rank():
    for round_id in range(1, 30):
        favoured, other = priority_order(round_id, [1, 2])
        # Giving X to the favoured student would cost the other a 3rd choice instead of the favoured one's 2nd.
        rankings = {favoured: {10: 1, 11: 2}, other: {10: 1, 11: 3}}

        result = allocate(Problem(round_id=round_id, capacities={10: 1, 11: 1}, rankings=rankings))

        assert result.assignment == {other: 10, favoured: 11}


def test_placing_one_more_student_beats_better_ranks():
    # Alone, student 1 would take X, their 1st choice; then student 2, who ranked only X, gets nothing.
    problem = Problem(round_id=1, capacities={10: 1, 11: 1}, rankings={1: {10: 1, 11: 5}, 2: {10: 1}})

    result = allocate(problem)

    assert result.assignment == {1: 11, 2: 10}
    assert result.ranks == {1: 5, 2: 1}


def test_no_place_for_a_student_whose_choices_are_full_or_who_ranked_nothing():
    problem = Problem(round_id=1, capacities={10: 0, 11: 1}, rankings={1: {10: 1}, 2: {}, 3: {11: 1}})

    result = allocate(problem)

    assert result.assignment == {1: None, 2: None, 3: 11}
    assert result.unplaced == [1, 2]
    assert result.histogram() == {1: 1, 2: 0, 3: 0, 4: 0, 5: 0}


def test_an_empty_round_allocates_nobody():
    assert allocate(Problem(round_id=1, capacities={10: 2}, rankings={})).assignment == {}


@pytest.mark.parametrize(
    ("capacities", "rankings", "message"),
    [
        ({10: -1}, {1: {10: 1}}, "places"),
        ({10: 1}, {1: {10: 6}}, "ranks"),
        ({10: 1, 11: 1}, {1: {10: 1, 11: 1}}, "ranks"),
        ({n: 1 for n in range(6)}, {1: {n: n + 1 for n in range(6)}}, "more than"),
        ({10: 1}, {1: {12: 1}}, "without a capacity"),
    ],
)
def test_impossible_input_is_refused(capacities, rankings, message):
    with pytest.raises(ValueError, match=message):
        allocate(Problem(round_id=1, capacities=capacities, rankings=rankings))


def test_the_costs_stay_exact_in_float64_up_to_the_limit():
    rank_unit, no_place = costs(MAX_STUDENTS)
    largest_total = MAX_STUDENTS * (no_place + MAX_RANK * (MAX_STUDENTS - 1))

    assert largest_total < 2**53
    # The tie-break of all students together is less than one rank.
    assert MAX_RANK * MAX_STUDENTS * (MAX_STUDENTS - 1) < rank_unit


def test_more_students_than_the_exact_limit_are_refused():
    rankings = {student: {} for student in range(MAX_STUDENTS + 1)}

    with pytest.raises(ValueError, match="more than one round"):
        allocate(Problem(round_id=1, capacities={}, rankings=rankings))


def test_the_solver_and_the_models_agree_on_how_many_choices_there_are():
    assert MAX_RANK == MAX_CHOICES
