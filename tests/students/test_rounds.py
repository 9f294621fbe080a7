"""The round rules (students.rounds) and the database behind them: ranking, allocating, moving, publishing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from papers.models import EnrollmentMode, Entry, Level, Programme, Topic
from students import claims, rounds, tasks
from students.enrollment import JoinVia, join_topic
from students.models import (
    Allocation,
    AllocationStage,
    Claim,
    ClaimAction,
    ClaimStatus,
    Enrollment,
    Preference,
    Round,
    RoundLevel,
    RoundState,
    StudentProfile,
)
from students.rounds import RoundRefused
from tests.conftest import enroll, make_entry, make_topic, make_user

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Each persona is a real account with a password; hashing them properly only slows these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def later(days: int = 7):
    return timezone.now() + timedelta(days=days)


def close(round_: Round) -> Round:
    """The deadline passed a minute ago."""
    Round.objects.filter(pk=round_.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    round_.refresh_from_db()
    return round_


def allocated(round_: Round, actor) -> Round:
    rounds.start_allocation(close(round_), actor=actor)
    return rounds.run_allocation(round_.pk)


def places(round_: Round) -> dict:
    return {row.student.username: row.place_id for row in Allocation.objects.filter(round=round_).select_related("student")}


def make_student_account(username: str):
    """A student of the programme in no topic yet, as signing up or a roster makes them."""
    user = make_user(username)
    StudentProfile.objects.create(user=user, student_number=f"S{username}")
    return user


@pytest.fixture
def paper_round(topic, mentor, advanced_entry, second_entry) -> Round:
    return rounds.open_paper_round(topic, title="Round 1", deadline=later(), actor=mentor)


@pytest.fixture
def preference_topics(db):
    """Three topics joined by round: 1 place, 2 places, no limit."""
    return [
        make_topic(f"pref-{index}", title=f"专题 {index}", enrollment_mode=EnrollmentMode.PREFERENCE, student_capacity=capacity)
        for index, capacity in enumerate([1, 2, None], start=1)
    ]


@pytest.fixture
def topic_round(preference_topics, admin_user) -> Round:
    return rounds.open_topic_round(title="2026 秋季专题志愿", deadline=later(), actor=admin_user)


# Opening


def test_a_mentor_opens_a_round_of_the_papers_of_their_topic(paper_round, topic, mentor):
    assert (paper_round.level, paper_round.topic, paper_round.state, paper_round.created_by) == (
        RoundLevel.PAPERS, topic, RoundState.OPEN, mentor
    )


def test_a_student_or_another_topics_mentor_cannot_open_a_round_of_papers(topic, student, advanced_entry):
    stranger = make_user("stranger")
    enroll(stranger, make_topic("elsewhere"), "mentor")
    for person in (student, stranger):
        with pytest.raises(RoundRefused) as refused:
            rounds.open_paper_round(topic, title="R", deadline=later(), actor=person)
        assert refused.value.code == "not_manager"
    assert not Round.objects.exists()


def test_only_admins_open_a_round_of_topics(preference_topics, mentor):
    with pytest.raises(RoundRefused) as refused:
        rounds.open_topic_round(title="R", deadline=later(), actor=mentor)
    assert refused.value.code == "not_manager"


def test_a_round_of_topics_needs_a_topic_joined_by_preference_round(admin_user, topic):
    with pytest.raises(RoundRefused) as refused:
        rounds.open_topic_round(title="R", deadline=later(), actor=admin_user)
    assert refused.value.code == "nothing_to_rank"


def test_a_round_of_papers_needs_an_advanced_paper(topic, mentor, intro_entry):
    with pytest.raises(RoundRefused) as refused:
        rounds.open_paper_round(topic, title="R", deadline=later(), actor=mentor)
    assert refused.value.code == "nothing_to_rank"


def test_one_unfinished_round_per_topic_and_one_round_of_topics(paper_round, topic, mentor, topic_round, admin_user):
    with pytest.raises(RoundRefused) as refused:
        rounds.open_paper_round(topic, title="Again", deadline=later(), actor=mentor)
    assert refused.value.code == "already_open"
    with pytest.raises(RoundRefused):
        rounds.open_topic_round(title="Again", deadline=later(), actor=admin_user)

    rounds.cancel(paper_round, actor=mentor)
    assert rounds.open_paper_round(topic, title="Again", deadline=later(), actor=mentor).state == RoundState.OPEN


def test_a_deadline_in_the_past_is_refused(topic, mentor, advanced_entry):
    with pytest.raises(RoundRefused) as refused:
        rounds.open_paper_round(topic, title="R", deadline=timezone.now() - timedelta(hours=1), actor=mentor)
    assert refused.value.code == "past_deadline"


# Ranking


def test_a_student_ranks_advanced_papers_and_ranking_again_replaces_it(paper_round, student, advanced_entry, second_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry, second_entry])
    rounds.save_ranking(paper_round, student, [second_entry])

    assert [(p.rank, p.entry) for p in rounds.ranking_of(paper_round, student)] == [(1, second_entry)]


def test_an_intro_paper_can_never_be_ranked(paper_round, student, advanced_entry, intro_entry):
    with pytest.raises(RoundRefused) as refused:
        rounds.save_ranking(paper_round, student, [advanced_entry, intro_entry])

    assert refused.value.code == "intro_paper"
    assert "intro paper" in refused.value.messages[0]
    assert not Preference.objects.exists()


def test_the_database_refuses_an_intro_paper_in_a_ranking(paper_round, student, intro_entry):
    with pytest.raises(IntegrityError), transaction.atomic():
        Preference.objects.create(round=paper_round, student=student, rank=1, entry=intro_entry)


def test_the_database_refuses_an_intro_paper_in_an_allocation(paper_round, student, intro_entry, advanced_entry):
    row = Allocation.objects.create(round=paper_round, student=student, entry=advanced_entry, rank=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(round=paper_round, student=make_user("x"), entry=intro_entry)
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.filter(pk=row.pk).update(entry=intro_entry)


def test_the_database_refuses_a_choice_the_round_does_not_offer(paper_round, topic_round, student, preference_topics):
    elsewhere = make_entry(make_topic("elsewhere"), "Other")
    for wrong in (
        {"round": paper_round, "entry": elsewhere},  # a paper of another topic
        {"round": paper_round, "topic": preference_topics[0]},  # a topic in a round of papers
        {"round": topic_round, "entry": elsewhere},  # a paper in a round of topics
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Preference.objects.create(student=student, rank=1, **wrong)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"rank": 6}, "rank 1..5"),
        ({"rank": 0}, "rank 1..5"),
        ({"rank": 1, "entry": None}, "exactly one choice"),
    ],
)
def test_the_database_keeps_ranks_between_1_and_5_and_one_choice_per_line(paper_round, student, advanced_entry, fields, constraint):
    with pytest.raises(IntegrityError), transaction.atomic():
        Preference.objects.create(**{"round": paper_round, "student": student, "entry": advanced_entry, **fields})


def test_the_database_refuses_the_same_rank_or_the_same_paper_twice(paper_round, student, advanced_entry, second_entry):
    Preference.objects.create(round=paper_round, student=student, rank=1, entry=advanced_entry)
    with pytest.raises(IntegrityError), transaction.atomic():
        Preference.objects.create(round=paper_round, student=student, rank=1, entry=second_entry)
    with pytest.raises(IntegrityError), transaction.atomic():
        Preference.objects.create(round=paper_round, student=student, rank=2, entry=advanced_entry)


@pytest.mark.parametrize(("problem", "code"), [("six", "too_many"), ("twice", "duplicate"), ("foreign", "not_rankable")])
def test_rankings_are_at_most_five_distinct_papers_of_the_topic(paper_round, student, topic, problem, code):
    entries = [make_entry(topic, f"P{index}", position=10 + index) for index in range(6)]
    choices = {
        "six": entries,
        "twice": [entries[0], entries[0]],
        "foreign": [make_entry(make_topic("elsewhere"), "Other")],
    }[problem]

    with pytest.raises(RoundRefused) as refused:
        rounds.save_ranking(paper_round, student, choices)
    assert refused.value.code == code


def test_nobody_ranks_after_the_deadline(paper_round, student, advanced_entry):
    with pytest.raises(RoundRefused) as refused:
        rounds.save_ranking(close(paper_round), student, [advanced_entry])
    assert refused.value.code == "closed"


def test_a_student_with_a_slot_or_from_outside_the_topic_does_not_rank(paper_round, mentor, student, advanced_entry, second_entry, outsider):
    claims.claim(student, second_entry, actor=mentor)  # during the round only a mentor gives a paper
    for person, code in ((student, "slot_taken"), (outsider, "not_participant")):
        with pytest.raises(RoundRefused) as refused:
            rounds.save_ranking(paper_round, person, [advanced_entry])
        assert refused.value.code == code


def test_students_see_how_contested_each_paper_is(paper_round, student, other_student, advanced_entry, second_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry, second_entry])
    rounds.save_ranking(paper_round, other_student, [advanced_entry])

    assert rounds.contest(paper_round) == {
        advanced_entry.pk: rounds.Contest(first=2, total=2), second_entry.pk: rounds.Contest(first=0, total=1),
    }


def test_topic_rounds_rank_topics_joined_by_round_and_not_ones_already_joined(topic_round, preference_topics, topic):
    newcomer = make_student_account("new")
    with pytest.raises(RoundRefused) as refused:
        rounds.save_ranking(topic_round, newcomer, [topic])  # a closed topic
    assert refused.value.code == "not_rankable"

    Programme.objects.update_or_create(pk=1, defaults={"topics_per_student": 2})
    join_topic(newcomer, preference_topics[2], via=JoinVia.STAFF)
    with pytest.raises(RoundRefused) as refused:
        rounds.save_ranking(topic_round, newcomer, [preference_topics[2]])
    assert refused.value.code == "already_in"


def test_a_student_at_the_programmes_limit_is_not_in_a_round_of_topics(topic_round, preference_topics, student):
    # `student` is in one topic, and the programme allows one.
    with pytest.raises(RoundRefused) as refused:
        rounds.save_ranking(topic_round, student, [preference_topics[0]])
    assert refused.value.code == "limit"
    assert not rounds.is_participant(student, topic_round)


# Allocating


def test_the_allocation_waits_for_the_deadline_and_only_managers_run_it(paper_round, mentor, student):
    with pytest.raises(RoundRefused) as refused:
        rounds.start_allocation(paper_round, actor=mentor)
    assert refused.value.code == "still_open"
    with pytest.raises(RoundRefused) as refused:
        rounds.start_allocation(close(paper_round), actor=student)
    assert refused.value.code == "not_manager"


def test_a_round_of_papers_gives_each_student_one_paper_within_its_places(topic, mentor, paper_round, advanced_entry, second_entry):
    students = [make_user(f"s{index}") for index in range(3)]
    for person in students:
        enroll(person, topic)
        rounds.save_ranking(paper_round, person, [advanced_entry, second_entry])

    draft = allocated(paper_round, mentor)

    assert draft.state == RoundState.DRAFT and draft.allocation_stage == AllocationStage.DONE
    given = Counter(places(paper_round).values())
    assert given == {advanced_entry.pk: 1, second_entry.pk: 1, None: 1}


def test_claims_and_approved_proposals_stay_and_their_holders_are_not_allocated(topic, mentor, paper_round, advanced_entry, second_entry, student, other_student):
    topic.claim_capacity = 2
    topic.save()
    holder = make_user("holder")
    enroll(holder, topic)
    rounds.save_ranking(paper_round, holder, [advanced_entry])
    existing = claims.claim(holder, advanced_entry, actor=mentor)  # assigned after ranking: the claim wins
    proposer = make_user("proposer")
    enroll(proposer, topic)
    rounds.save_ranking(paper_round, proposer, [second_entry])
    proposal = claims.propose(
        proposer, topic, claims.PaperDetails(title="Depth Anything", url="https://example.org/depth"),
        justification="Recent.", categories=[topic.categories.first()],
    )
    approved = claims.approve_proposal(proposal, actor=mentor, categories=[topic.categories.first()])
    for person in (student, other_student):
        rounds.save_ranking(paper_round, person, [advanced_entry])

    allocated(paper_round, mentor)

    assert set(places(paper_round)) == {"student", "other"}
    # advanced_entry had one of its two places taken by the claim: one of the two gets it.
    assert sorted(places(paper_round).values(), key=str) == sorted([advanced_entry.pk, None], key=str)
    rounds.publish(paper_round, actor=mentor)
    for kept in (existing, approved):
        kept.refresh_from_db()
        assert kept.status == ClaimStatus.ACTIVE
    assert Claim.objects.filter(entry=advanced_entry, status=ClaimStatus.ACTIVE).count() == 2


def test_a_paper_made_intro_after_it_was_ranked_is_never_allocated(topic, mentor, paper_round, advanced_entry, second_entry, student):
    rounds.save_ranking(paper_round, student, [advanced_entry, second_entry])
    advanced_entry.categories.clear()  # an intro paper has none
    Entry.objects.filter(pk=advanced_entry.pk).update(level=Level.INTRO)

    allocated(paper_round, mentor)

    assert places(paper_round) == {"student": second_entry.pk}
    assert Allocation.objects.get(student=student).rank == 2


def test_the_same_rankings_give_the_same_draft(topic, mentor, paper_round, advanced_entry, second_entry):
    for index in range(6):
        person = make_user(f"s{index}")
        enroll(person, topic)
        rounds.save_ranking(paper_round, person, [advanced_entry, second_entry] if index % 2 else [second_entry])
    first = places(allocated(paper_round, mentor))

    rounds.start_allocation(paper_round, actor=mentor)
    rounds.run_allocation(paper_round.pk)

    assert places(paper_round) == first


def test_a_round_of_topics_respects_places_students_already_there_and_one_topic_each(topic_round, preference_topics, admin_user):
    one_place, two_places, unlimited = preference_topics
    already = make_student_account("already")
    join_topic(already, two_places, via=JoinVia.STAFF)  # takes one of the two places, and reaches the limit
    newcomers = [make_student_account(f"n{index}") for index in range(4)]
    for person in newcomers:
        rounds.save_ranking(topic_round, person, [one_place, two_places, unlimited])

    allocated(topic_round, admin_user)

    given = places(topic_round)
    assert set(given) == {"n0", "n1", "n2", "n3"}
    assert Counter(given.values()) == {one_place.pk: 1, two_places.pk: 1, unlimited.pk: 2}


def test_a_failed_allocation_says_why_and_can_run_again(paper_round, mentor, student, advanced_entry, monkeypatch):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    rounds.start_allocation(close(paper_round), actor=mentor)

    def broken(problem):
        raise ValueError("the solver broke")

    monkeypatch.setattr(rounds.allocation, "allocate", broken)
    with pytest.raises(ValueError):
        rounds.run_allocation(paper_round.pk)
    paper_round.refresh_from_db()
    assert (paper_round.state, paper_round.allocation_stage, paper_round.allocation_error) == (
        RoundState.ALLOCATING, AllocationStage.FAILED, "the solver broke"
    )

    monkeypatch.undo()
    rounds.start_allocation(paper_round, actor=mentor)
    assert rounds.run_allocation(paper_round.pk).state == RoundState.DRAFT


def test_a_large_round_goes_to_the_worker_as_a_database_task(paper_round, mentor, monkeypatch):
    monkeypatch.setattr(rounds, "ALLOCATE_AT_ONCE_LIMIT", 0)
    round_ = rounds.start_allocation(close(paper_round), actor=mentor)

    tasks.enqueue_allocation(round_)

    task = DBTaskResult.objects.get()
    assert task.task_path == "students.tasks.run_allocation" and task.args_kwargs == {"args": [round_.pk], "kwargs": {}}
    round_.refresh_from_db()
    assert round_.task_result_id == str(task.id) and round_.allocation_stage == AllocationStage.QUEUED


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_the_task_computes_the_draft(paper_round, mentor, student, advanced_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    round_ = rounds.start_allocation(close(paper_round), actor=mentor)

    tasks.enqueue_allocation(round_)

    round_.refresh_from_db()
    assert round_.state == RoundState.DRAFT
    assert places(round_) == {"student": advanced_entry.pk}


def test_the_command_allocates_rounds_whose_deadline_passed(paper_round, topic_round, student, advanced_entry, capsys):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    close(paper_round)

    call_command("allocate_due_rounds")

    paper_round.refresh_from_db()
    topic_round.refresh_from_db()
    assert paper_round.state == RoundState.DRAFT and topic_round.state == RoundState.OPEN
    assert "Round 1" in capsys.readouterr().out


# Moving students in the draft


@pytest.fixture
def draft_round(topic, mentor, paper_round, advanced_entry, second_entry, student, other_student) -> Round:
    rounds.save_ranking(paper_round, student, [advanced_entry, second_entry])
    rounds.save_ranking(paper_round, other_student, [advanced_entry])
    return allocated(paper_round, mentor)


def test_a_mentor_moves_a_student_and_the_rank_follows(draft_round, mentor, student, other_student, second_entry):
    holder = Allocation.objects.get(round=draft_round, entry__isnull=False, rank=1).student
    moved = rounds.move(draft_round, holder, None, actor=mentor)
    assert (moved.place_id, moved.rank, moved.moved_by) == (None, None, mentor)

    third = make_entry(draft_round.topic, "Third", position=3)
    row = rounds.move(draft_round, holder, third, actor=mentor)
    assert (row.entry, row.rank) == (third, None)


def test_moves_meet_the_same_rules_capacity_intro_and_one_slot(draft_round, mentor, student, other_student, advanced_entry, intro_entry, topic):
    taken_by = Allocation.objects.get(round=draft_round, entry=advanced_entry).student
    other = other_student if taken_by == student else student
    with pytest.raises(RoundRefused) as refused:
        rounds.move(draft_round, other, advanced_entry, actor=mentor)
    assert refused.value.code == "full"
    with pytest.raises(RoundRefused) as refused:
        rounds.move(draft_round, other, intro_entry, actor=mentor)
    assert refused.value.code == "intro_paper"
    claims.claim(other, make_entry(topic, "Own", position=9), actor=mentor)
    with pytest.raises(RoundRefused) as refused:
        rounds.move(draft_round, other, make_entry(topic, "Free", position=10), actor=mentor)
    assert refused.value.code == "slot_taken"


def test_only_the_draft_is_moved_and_only_by_managers(draft_round, mentor, student, second_entry):
    with pytest.raises(RoundRefused) as refused:
        rounds.move(draft_round, student, second_entry, actor=student)
    assert refused.value.code == "not_manager"
    rounds.publish(draft_round, actor=mentor)
    with pytest.raises(RoundRefused) as refused:
        rounds.move(draft_round, student, second_entry, actor=mentor)
    assert refused.value.code == "wrong_state"


def test_moves_in_a_round_of_topics_count_places_and_the_limit(topic_round, preference_topics, admin_user):
    one_place = preference_topics[0]
    first, second = make_student_account("a"), make_student_account("b")
    rounds.save_ranking(topic_round, first, [one_place])
    rounds.save_ranking(topic_round, second, [preference_topics[1]])
    allocated(topic_round, admin_user)

    with pytest.raises(RoundRefused) as refused:
        rounds.move(topic_round, second, one_place, actor=admin_user)
    assert refused.value.code == "full"
    join_topic(second, make_topic("closed-one"), via=JoinVia.STAFF)  # now at the limit of one topic
    with pytest.raises(RoundRefused) as refused:
        rounds.move(topic_round, second, preference_topics[2], actor=admin_user)
    assert refused.value.code == "limit"


# Publishing


def test_publishing_a_round_of_papers_makes_claims_recorded_as_allocated(draft_round, mentor, student, other_student):
    report = rounds.publish(draft_round, actor=mentor)

    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.PUBLISHED and draft_round.published_by == mentor
    assert report.granted == 2 and report.refused == []
    for row in Allocation.objects.filter(round=draft_round):
        claim = row.claim
        assert (claim.student, claim.entry_id, claim.status) == (row.student, row.entry_id, ClaimStatus.ACTIVE)
        assert list(claim.events.values_list("action", "actor", "note")) == [
            (ClaimAction.ALLOCATED, mentor.pk, draft_round.title)
        ]


def test_a_place_taken_since_the_draft_is_recorded_as_refused(draft_round, mentor, topic):
    row = Allocation.objects.filter(round=draft_round, entry__isnull=False).first()
    rival = make_user("rival")
    enroll(rival, topic)
    claims.claim(rival, row.entry, actor=mentor)

    report = rounds.publish(draft_round, actor=mentor)

    row.refresh_from_db()
    assert report.refused == [row]
    assert "taken" in row.refusal and row.claim is None


def test_publishing_a_round_of_topics_enrolls_through_the_joining_rules(topic_round, preference_topics, admin_user):
    people = [make_student_account(f"n{index}") for index in range(3)]
    for person in people:
        rounds.save_ranking(topic_round, person, [preference_topics[0], preference_topics[2]])
    allocated(topic_round, admin_user)

    report = rounds.publish(topic_round, actor=admin_user)

    assert report.granted == 3
    for row in Allocation.objects.filter(round=topic_round):
        assert Enrollment.objects.filter(user=row.student, topic=row.topic, role="student").exists()
    assert Enrollment.objects.filter(topic=preference_topics[0]).count() == 1


def test_cancelling_gives_nothing_and_keeps_the_rankings(draft_round, mentor):
    rounds.cancel(draft_round, actor=mentor)

    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.CANCELLED
    assert not Allocation.objects.exists() and Preference.objects.count() == 3
    assert not Claim.objects.exists()


def test_a_new_deadline_reopens_the_rankings_and_drops_the_draft(draft_round, mentor):
    rounds.set_deadline(draft_round, later(), actor=mentor)

    draft_round.refresh_from_db()
    assert draft_round.state == RoundState.OPEN and rounds.rankings_open(draft_round)
    assert not Allocation.objects.exists()


def test_while_a_round_of_papers_runs_students_claim_nothing_first_come_and_the_page_says_where_to_rank(
    client, login, student, mentor, topic, advanced_entry
):
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from students import claims, rounds
    from students.claims import ClaimRefused

    version = Topic.objects.get(pk=topic.pk).list_version
    round_ = rounds.open_paper_round(topic, title="第一轮", deadline=timezone.now() + timedelta(days=2), actor=mentor)
    assert Topic.objects.get(pk=topic.pk).list_version == version + 1  # open pages refresh
    with pytest.raises(ClaimRefused) as refused:
        claims.claim(student, advanced_entry)
    assert refused.value.code == "round_open"
    login(student)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "第一轮" in html and round_.get_absolute_url() in html
    assert reverse("claim_paper", args=[topic.slug, advanced_entry.pk]) not in html
    response = client.post(reverse("claim_paper", args=[topic.slug, advanced_entry.pk]))
    assert response.status_code == 409 and not advanced_entry.claims.exists()
    claims.claim(student, advanced_entry, actor=mentor)  # a mentor still assigns by hand
    rounds.cancel(round_, actor=mentor)
    claims.release(student, topic)
    claims.claim(student, advanced_entry)  # the round over, first come again
