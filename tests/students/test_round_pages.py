"""The round pages through the test client: who may open each, what each shows and does, HTMX answers, the admin.

Only a topic's mentors and admins run a round of its papers, only admins a round of topics; the
round's students are refused (403), everyone else does not learn it exists (404); a refused request
changes nothing. Students never see who ranked what.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from papers.models import EnrollmentMode
from students import rounds
from students.models import (
    Allocation,
    AllocationStage,
    Claim,
    ClaimAction,
    ClaimEvent,
    Enrollment,
    Preference,
    Role,
    Round,
    RoundLevel,
    RoundState,
    StudentProfile,
)
from tests.conftest import enroll, make_entry, make_topic, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def later(days: int = 7):
    return timezone.now() + timedelta(days=days)


def close(round_: Round) -> Round:
    Round.objects.filter(pk=round_.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    round_.refresh_from_db()
    return round_


@pytest.fixture
def other_mentor(db):
    user = make_user("other-mentor")
    enroll(user, make_topic("topic-3"), Role.MENTOR)
    return user


@pytest.fixture
def paper_round(topic, mentor, advanced_entry, second_entry, intro_entry, student, other_student) -> Round:
    return rounds.open_paper_round(topic, title="汇报文献志愿", deadline=later(), actor=mentor)


def drafted(round_: Round, actor) -> Round:
    rounds.start_allocation(close(round_), actor=actor)
    return rounds.run_allocation(round_.pk)


def url(name: str, round_: Round) -> str:
    return reverse(name, args=[round_.pk])


def snapshot():
    return (
        list(Round.objects.order_by("pk").values()),
        list(Preference.objects.order_by("pk").values()),
        list(Allocation.objects.order_by("pk").values()),
        Claim.objects.count(),
        Enrollment.objects.count(),
    )


# Who may open each page


def test_anonymous_visitors_are_sent_to_log_in(client, paper_round, topic):
    for address in (reverse("rounds"), reverse("topic_rounds", args=[topic.slug]), url("round_detail", paper_round),
                    url("round_manage", paper_round)):
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_student_ranks_on_the_round_page_and_is_refused_the_managers_page(client, login, paper_round, student):
    login(student)
    assert client.get(url("round_detail", paper_round)).status_code == 200
    assert client.get(url("round_manage", paper_round)).status_code == 403


def test_the_topics_mentor_and_admins_manage_a_round_of_papers(client, login, paper_round, mentor, admin_user):
    for manager in (mentor, admin_user):
        login(manager)
        assert client.get(url("round_manage", paper_round)).status_code == 200
        # The student's page sends a manager to theirs.
        assert client.get(url("round_detail", paper_round))["Location"] == url("round_manage", paper_round)


def test_outsiders_and_other_topics_mentors_do_not_learn_the_round_exists(client, login, paper_round, outsider, other_mentor):
    for person in (outsider, other_mentor):
        login(person)
        assert client.get(url("round_detail", paper_round)).status_code == 404
        assert client.get(url("round_manage", paper_round)).status_code == 404
        assert client.get(reverse("topic_rounds", args=[paper_round.topic.slug])).status_code == 404
        assert "汇报文献志愿" not in client.get(reverse("rounds")).content.decode()


def test_only_admins_manage_a_round_of_topics_and_mentors_do_not_see_it(client, login, mentor, admin_user):
    make_topic("pref", enrollment_mode=EnrollmentMode.PREFERENCE)
    round_ = rounds.open_topic_round(title="专题志愿", deadline=later(), actor=admin_user)
    newcomer = make_user("newcomer")
    StudentProfile.objects.create(user=newcomer, student_number="2024100")

    login(newcomer)
    assert client.get(url("round_detail", round_)).status_code == 200
    assert client.get(url("round_manage", round_)).status_code == 403
    login(mentor)
    assert client.get(url("round_manage", round_)).status_code == 404
    assert client.get(url("round_detail", round_)).status_code == 404


def manager_posts(round_: Round, student, entry) -> list[tuple[str, dict]]:
    return [
        (url("round_deadline", round_), {"deadline": "2099-01-01T10:00"}),
        (url("round_close", round_), {}),
        (url("round_allocate", round_), {}),
        (url("round_move", round_), {"student": student.pk, "place": entry.pk}),
        (url("round_publish", round_), {}),
        (url("round_cancel", round_), {}),
    ]


@pytest.mark.parametrize("who", ["student", "outsider", "other_mentor"])
def test_every_manager_action_is_refused_to_others_and_changes_nothing(client, login, paper_round, student, advanced_entry, who, request):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    drafted(paper_round, paper_round.created_by)
    person = request.getfixturevalue(who)
    expected = 403 if who == "student" else 404
    before = snapshot()
    login(person)

    for address, data in manager_posts(paper_round, student, advanced_entry):
        assert client.post(address, data).status_code == expected, address

    assert snapshot() == before


def test_only_mentors_open_a_round_of_their_topics_papers_and_only_admins_a_round_of_topics(client, login, topic, student, outsider, mentor, advanced_entry):
    data = {"title": "R", "deadline": "2099-01-01T10:00"}
    login(student)
    assert client.post(reverse("topic_rounds", args=[topic.slug]), data).status_code == 403
    assert client.post(reverse("rounds"), data).status_code == 403
    login(outsider)
    assert client.post(reverse("topic_rounds", args=[topic.slug]), data).status_code == 404
    login(mentor)
    assert client.post(reverse("rounds"), data).status_code == 403
    assert not Round.objects.exists()

    response = client.post(reverse("topic_rounds", args=[topic.slug]), data)

    round_ = Round.objects.get()
    assert response["Location"] == url("round_manage", round_)
    assert (round_.level, round_.topic, round_.created_by) == (RoundLevel.PAPERS, topic, mentor)


def test_an_admin_opens_a_round_of_topics_on_the_list_page(client, login, admin_user):
    make_topic("pref", enrollment_mode=EnrollmentMode.PREFERENCE)
    login(admin_user)
    assert "Open a round of topics" in client.get(reverse("rounds")).content.decode()

    response = client.post(reverse("rounds"), {"title": "秋季专题志愿", "deadline": "2099-09-01T18:00"})

    round_ = Round.objects.get()
    assert response["Location"] == url("round_manage", round_) and round_.level == RoundLevel.TOPICS


def test_a_bad_deadline_is_shown_beside_the_form(client, login, topic, mentor, advanced_entry):
    login(mentor)

    response = client.post(reverse("topic_rounds", args=[topic.slug]), {"title": "R", "deadline": "2001-01-01T10:00"})

    assert response.status_code == 400
    assert "Choose a deadline in the future." in response.content.decode()
    assert not Round.objects.exists()


# Ranking


def test_a_student_ranks_without_javascript(client, login, paper_round, student, advanced_entry, second_entry):
    login(student)

    response = client.post(url("round_ranking", paper_round), {"choice_1": second_entry.pk, "choice_3": advanced_entry.pk})

    assert response.status_code == 302 and response["Location"] == url("round_detail", paper_round)
    assert [(p.rank, p.entry) for p in rounds.ranking_of(paper_round, student)] == [(1, second_entry), (2, advanced_entry)]
    page = client.get(response["Location"]).content.decode()
    assert "Your ranking is saved: 2 choice(s)." in page


def test_a_student_ranks_with_htmx_and_gets_the_counts_back(client, login, paper_round, student, other_student, advanced_entry):
    rounds.save_ranking(paper_round, other_student, [advanced_entry])
    login(student)

    response = client.post(url("round_ranking", paper_round), {"choice_1": advanced_entry.pk}, headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="ranking-area">')
    assert 'hx-swap-oob="true"' in page and "Your ranking is saved" in page
    assert "2 students" in page  # advanced_entry: ranked first by two
    assert "<html" not in page


def test_the_intro_papers_are_not_offered_and_a_crafted_post_naming_one_is_refused(client, login, paper_round, student, intro_entry, advanced_entry):
    login(student)
    page = client.get(url("round_detail", paper_round)).content.decode()
    assert f'value="{advanced_entry.pk}"' in page and f'value="{intro_entry.pk}"' not in page

    response = client.post(url("round_ranking", paper_round), {"choice_1": advanced_entry.pk, "choice_2": intro_entry.pk})

    assert response.status_code == 400
    assert "is an intro paper" in response.content.decode()
    assert not Preference.objects.exists()


def test_a_crafted_post_naming_another_topics_paper_is_refused(client, login, paper_round, student):
    foreign = make_entry(make_topic("elsewhere"), "Other")
    login(student)

    response = client.post(url("round_ranking", paper_round), {"choice_1": foreign.pk})

    assert response.status_code == 400
    assert "Choose from the list." in response.content.decode()
    assert not Preference.objects.exists()


def test_students_see_how_contested_each_choice_is_but_never_who(client, login, paper_round, student, other_student, advanced_entry):
    rounds.save_ranking(paper_round, other_student, [advanced_entry])
    login(student)

    page = client.get(url("round_detail", paper_round)).content.decode()

    assert "How contested each choice is" in page and "1 student" in page
    assert other_student.username not in page and other_student.first_name not in page


def test_ranking_after_the_deadline_is_refused(client, login, paper_round, student, advanced_entry):
    close(paper_round)
    login(student)
    page = client.get(url("round_detail", paper_round)).content.decode()
    assert "Rankings closed on" in page and "Save my ranking" not in page

    response = client.post(url("round_ranking", paper_round), {"choice_1": advanced_entry.pk})

    assert response.status_code == 409 and not Preference.objects.exists()


def test_the_manager_cannot_rank(client, login, paper_round, mentor, advanced_entry):
    login(mentor)
    assert client.post(url("round_ranking", paper_round), {"choice_1": advanced_entry.pk}).status_code == 403


# The manager's page


def test_a_mentor_allocates_moves_and_publishes_and_the_student_sees_the_result(client, login, paper_round, mentor, student, other_student, advanced_entry, second_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry, second_entry])
    rounds.save_ranking(paper_round, other_student, [advanced_entry, second_entry])
    login(mentor)
    page = client.get(url("round_manage", paper_round)).content.decode()
    assert "Close the rankings now" in page

    client.post(url("round_close", paper_round))
    response = client.post(url("round_allocate", paper_round), follow=True)

    page = response.content.decode()
    assert "Draft allocation" in page and "2 of 2 students have a place." in page
    first = Allocation.objects.get(rank=1).student
    second = Allocation.objects.get(rank=2).student

    response = client.post(url("round_move", paper_round), {"student": second.pk, "place": ""}, headers=HTMX)
    assert response.status_code == 200 and response.content.decode().lstrip().startswith('<div id="draft">')
    assert "1 of 2 students have a place." in response.content.decode()
    response = client.post(url("round_move", paper_round), {"student": second.pk, "place": advanced_entry.pk}, headers=HTMX)
    assert response.status_code == 409 and "has no place left" in response.content.decode()
    client.post(url("round_move", paper_round), {"student": second.pk, "place": second_entry.pk})

    response = client.post(url("round_publish", paper_round), follow=True)

    assert "Published: 2 place(s) given." in response.content.decode()
    assert set(ClaimEvent.objects.values_list("action", flat=True)) == {ClaimAction.ALLOCATED}
    login(first)
    page = client.get(url("round_detail", paper_round)).content.decode()
    assert "Your choice 1" in page and "You present “DMM”." in page


def test_a_move_to_an_intro_paper_is_refused_by_a_crafted_post(client, login, paper_round, mentor, student, advanced_entry, intro_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    drafted(paper_round, mentor)
    login(mentor)
    before = snapshot()

    response = client.post(url("round_move", paper_round), {"student": student.pk, "place": intro_entry.pk})

    assert response.status_code == 400 and snapshot() == before


def test_the_progress_bar_polls_while_the_allocation_runs_then_the_page_reloads(client, login, paper_round, mentor):
    rounds.start_allocation(close(paper_round), actor=mentor)
    Round.objects.filter(pk=paper_round.pk).update(allocation_stage=AllocationStage.SOLVING)
    login(mentor)
    polling = {**HTMX, "HX-Target": "round-status"}

    response = client.get(url("round_manage", paper_round), headers=polling)

    page = response.content.decode()
    assert page.lstrip().startswith('<section id="round-status"') and 'hx-trigger="every 1s"' in page
    assert 'value="2" max="4"' in page and "Finding the best allocation" in page

    rounds.run_allocation(paper_round.pk)
    response = client.get(url("round_manage", paper_round), headers=polling)
    assert response["HX-Refresh"] == "true"


def test_a_failed_allocation_shows_why_and_offers_to_run_again(client, login, paper_round, mentor):
    rounds.start_allocation(close(paper_round), actor=mentor)
    Round.objects.filter(pk=paper_round.pk).update(allocation_stage=AllocationStage.FAILED, allocation_error="the solver broke")
    login(mentor)

    page = client.get(url("round_manage", paper_round)).content.decode()

    assert "the solver broke" in page and "Run the allocation again" in page and "every 1s" not in page


def test_allocating_before_the_deadline_is_refused_with_the_reason(client, login, paper_round, mentor):
    login(mentor)

    response = client.post(url("round_allocate", paper_round))

    assert response.status_code == 409 and "close them first" in response.content.decode()


def test_a_new_deadline_reopens_the_rankings(client, login, paper_round, mentor, student, advanced_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    drafted(paper_round, mentor)
    login(mentor)

    response = client.post(url("round_deadline", paper_round), {"deadline": "2099-01-01T10:00"})

    paper_round.refresh_from_db()
    assert response.status_code == 302 and paper_round.state == RoundState.OPEN
    assert not Allocation.objects.exists()


# The admin


def test_the_admin_opens_a_round_through_the_round_rules(client, login, admin_user, topic, advanced_entry):
    login(admin_user)

    response = client.post(reverse("admin:students_round_add"), {
        "level": RoundLevel.PAPERS, "topic": topic.pk, "title": "Admin round",
        "deadline_0": "2099-01-01", "deadline_1": "10:00",
    })

    round_ = Round.objects.get()
    assert response.status_code == 302 and round_.created_by == admin_user and round_.topic == topic


def test_the_admin_cannot_rank_or_allocate_by_hand(client, login, admin_user, paper_round, student, intro_entry):
    login(admin_user)

    assert client.get(reverse("admin:students_preference_changelist")).status_code == 200
    add = {"round": paper_round.pk, "student": student.pk, "rank": 1, "entry": intro_entry.pk}
    assert client.post(reverse("admin:students_preference_add"), add).status_code == 403
    assert client.post(reverse("admin:students_allocation_add"), add).status_code == 403
    assert not Preference.objects.exists() and not Allocation.objects.exists()


def test_the_admins_actions_allocate_and_publish_through_the_rules(client, login, admin_user, paper_round, student, advanced_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    close(paper_round)
    login(admin_user)
    changelist = reverse("admin:students_round_changelist")

    client.post(changelist, {"action": "run_allocation", "_selected_action": [paper_round.pk]})
    client.post(changelist, {"action": "publish_drafts", "_selected_action": [paper_round.pk]})

    paper_round.refresh_from_db()
    assert paper_round.state == RoundState.PUBLISHED
    claim = Claim.objects.get(student=student)
    assert claim.entry == advanced_entry
    assert list(claim.events.values_list("action", "actor")) == [(ClaimAction.ALLOCATED, admin_user.pk)]


# Query counts of the list pages: the same for few and many rows


@pytest.mark.parametrize("size", [5, 40])
def test_round_list_query_count_does_not_grow_with_the_rounds(client, login, admin_user, size, django_assert_num_queries):
    topics = [make_topic(f"t{index}") for index in range(size)]
    Round.objects.bulk_create(
        Round(level=RoundLevel.PAPERS, topic=topic, title=f"R{index}", deadline=later(), state=RoundState.PUBLISHED,
              published_at=timezone.now())
        for index, topic in enumerate(topics)
    )
    login(admin_user)
    # session, user, the rounds with their topics and counts
    with django_assert_num_queries(3):
        page = client.get(reverse("rounds")).content.decode()
    assert page.count('<tr id="round-') == size


@pytest.mark.parametrize("size", [5, 40])
def test_topic_rounds_query_count_does_not_grow_with_the_rounds(client, login, topic, mentor, size, django_assert_num_queries):
    Round.objects.bulk_create(
        Round(level=RoundLevel.PAPERS, topic=topic, title=f"R{index}", deadline=later(), state=RoundState.CANCELLED)
        for index in range(size)
    )
    login(mentor)
    # session, user, the topic with the person's role, the rounds with their counts, the person's mentored topics
    with django_assert_num_queries(5):
        page = client.get(reverse("topic_rounds", args=[topic.slug])).content.decode()
    assert page.count('<tr id="round-') == size


def many_students(topic, count):
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"s{index:03d}", first_name=f"学生{index}", password="!") for index in range(count)
    )
    Enrollment.objects.bulk_create(Enrollment(user=user, topic=topic, role=Role.STUDENT) for user in users)
    return users


@pytest.mark.parametrize("size", [5, 60])
def test_manager_page_query_count_does_not_grow_with_the_draft(client, login, topic, mentor, paper_round, advanced_entry, second_entry, size, django_assert_num_queries):
    topic.claim_capacity = 100
    topic.save()
    for user in many_students(topic, size):
        Preference.objects.create(round=paper_round, student=user, rank=1, entry=advanced_entry)
    drafted(paper_round, mentor)
    login(mentor)
    # session, user, round, mentor check (staff are not), participant check, ranked count,
    # the draft rows with students and places, the places to move to
    with django_assert_num_queries(8):
        page = client.get(url("round_manage", paper_round)).content.decode()
    assert page.count('<tr id="allocation-') == size


@pytest.mark.parametrize("size", [5, 60])
def test_ranking_page_query_count_does_not_grow_with_the_papers(client, login, topic, student, paper_round, size, django_assert_num_queries):
    for index in range(size):
        make_entry(topic, f"P{index}", position=10 + index)
    login(student)
    # session, user, round, mentor check, participant check, the student's ranking,
    # may rank (enrollment, open slot), the papers offered, the counts
    with django_assert_num_queries(10):
        page = client.get(url("round_detail", paper_round)).content.decode()
    assert page.count('<tr id="contest-') == size + 2


def test_the_admins_round_pages_open_and_show_the_rankings_read_only(client, login, admin_user, paper_round, student, advanced_entry):
    rounds.save_ranking(paper_round, student, [advanced_entry])
    drafted(paper_round, admin_user)
    login(admin_user)

    change = client.get(reverse("admin:students_round_change", args=[paper_round.pk])).content.decode()
    assert url("round_manage", paper_round) in change
    for name in ("students_round_changelist", "students_preference_changelist", "students_allocation_changelist"):
        assert client.get(reverse(f"admin:{name}")).status_code == 200
    preference = Preference.objects.get()
    page = client.get(reverse("admin:students_preference_change", args=[preference.pk])).content.decode()
    assert 'name="rank"' not in page  # shown, not editable
    assert client.post(reverse("admin:students_round_delete", args=[paper_round.pk]), {"post": "yes"}).status_code == 403
