"""Who may open each mentor page and use each mentor action: only the topic's mentors and staff.

A student of the topic is refused (403), a mentor of another topic and an outsider do not learn the
topic exists (404), an anonymous visitor is sent to log in; and a refused request changes nothing.
"""

import pytest
from django.urls import reverse

from papers.models import Entry, Topic
from students import claims
from students.models import Claim, ClaimEvent, Feedback
from tests.conftest import enroll, make_entry, make_user
from tests.mentors.conftest import HTMX

pytestmark = pytest.mark.django_db

PAGES = [
    "mentor_dashboard", "mentor_grid", "mentor_proposals", "mentor_schedule", "mentor_schedule_ics", "mentor_claims_csv",
    "mentor_settings",
]


@pytest.fixture
def scene(topic, student, other_student, mentor, proposal, advanced_entry, second_entry):
    """A pending proposal by `student`, a claim by `other_student`, a student with no paper, and a free paper."""
    idle = make_user("idle")
    enroll(idle, topic)
    claim = claims.claim(other_student, advanced_entry)
    return {"topic": topic, "student": student, "other": other_student, "idle": idle, "proposal": proposal,
            "claim": claim, "free_entry": second_entry}


def page_url(name, scene):
    return reverse(name, args=[scene["topic"].slug])


def actions(scene):
    """Every mentor POST, with data that would succeed for a mentor."""
    slug, student_id, other_id, idle_id = (
        scene["topic"].slug, scene["student"].pk, scene["other"].pk, scene["idle"].pk
    )
    proposal_id, claim_id = scene["proposal"].pk, scene["claim"].pk
    return [
        (reverse("mentor_approve_proposal", args=[slug, proposal_id]),
         {"categories": [scene["topic"].categories.get(name="辅助任务").pk]}),
        (reverse("mentor_reject_proposal", args=[slug, proposal_id]), {"reason": "Not the same kind."}),
        (reverse("mentor_assign_paper", args=[slug, idle_id]), {"entry": scene["free_entry"].pk}),
        (reverse("mentor_move_student", args=[slug, other_id]), {"entry": scene["free_entry"].pk}),
        (reverse("mentor_release_claim", args=[slug, other_id]), {}),
        (reverse("mentor_add_feedback", args=[slug, student_id]), {"body": "Good notes."}),
        (reverse("mentor_set_slot", args=[slug, claim_id]), {"presentation_at": "2026-12-10T14:30", "presentation_order": "1"}),
        (reverse("mentor_record_presentation", args=[slug, claim_id]), {"presented": "on", "score": "90"}),
        (reverse("mentor_settings", args=[slug]),
         {"enrollment_mode": "open", "student_capacity": "30", "claim_capacity": "2", "intro_papers_required": "0"}),
    ]


ACTION_NAMES = ["approve", "reject", "assign", "move", "release", "feedback", "set_slot", "presentation", "settings"]


def snapshot():
    return (
        list(Claim.objects.order_by("pk").values()),
        ClaimEvent.objects.count(),
        Feedback.objects.count(),
        Entry.objects.count(),
        list(Topic.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("name", PAGES)
def test_student_of_the_topic_is_refused_every_mentor_page(client, login, scene, name):
    login(scene["student"])
    assert client.get(page_url(name, scene)).status_code == 403


def test_student_of_the_topic_is_refused_the_mentor_view_of_a_student(client, login, scene):
    login(scene["student"])
    assert client.get(reverse("mentor_student", args=[scene["topic"].slug, scene["other"].pk])).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_mentor_of_another_topic_gets_404_on_every_mentor_page(client, login, scene, other_mentor, name):
    login(other_mentor)
    assert client.get(page_url(name, scene)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_outsider_gets_404_on_every_mentor_page(client, login, scene, outsider, name):
    login(outsider)
    assert client.get(page_url(name, scene)).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_log_in_from_every_mentor_page(client, scene, name):
    response = client.get(page_url(name, scene))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_mentor_and_staff_open_every_mentor_page(client, login, scene, mentor, admin_user, name):
    for user in (mentor, admin_user):
        login(user)
        assert client.get(page_url(name, scene)).status_code == 200


@pytest.mark.parametrize("index", range(len(ACTION_NAMES)), ids=ACTION_NAMES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_student_of_the_topic_cannot_use_a_mentor_action_and_nothing_changes(client, login, scene, index, headers):
    url, data = actions(scene)[index]
    before = snapshot()
    login(scene["student"])
    assert client.post(url, data, headers=headers).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("index", range(len(ACTION_NAMES)), ids=ACTION_NAMES)
def test_mentor_of_another_topic_cannot_use_a_mentor_action_and_nothing_changes(client, login, scene, other_mentor, index):
    url, data = actions(scene)[index]
    before = snapshot()
    login(other_mentor)
    assert client.post(url, data).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("index", range(len(ACTION_NAMES)), ids=ACTION_NAMES)
def test_anonymous_visitor_cannot_use_a_mentor_action_and_nothing_changes(client, scene, index):
    url, data = actions(scene)[index]
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert snapshot() == before


@pytest.mark.parametrize("index", range(len(ACTION_NAMES)), ids=ACTION_NAMES)
def test_the_same_action_by_the_topics_mentor_changes_something(client, login, scene, mentor, index):
    """The refusals above are refusals: the very same request works for a mentor."""
    url, data = actions(scene)[index]
    before = snapshot()
    login(mentor)
    assert client.post(url, data).status_code == 302
    assert snapshot() != before


def test_mentor_pages_are_refused_for_a_person_who_is_not_a_student_of_the_topic(client, login, scene, mentor, other_mentor):
    login(mentor)
    url = reverse("mentor_student", args=[scene["topic"].slug, other_mentor.pk])
    assert client.get(url).status_code == 404


def test_mentor_cannot_reach_a_claim_of_another_topic_through_their_own(client, login, scene, mentor, other_topic):
    elsewhere = make_user("elsewhere")
    enroll(elsewhere, other_topic)
    foreign_claim = claims.claim(elsewhere, make_entry(other_topic, "Foreign"))
    before = snapshot()
    login(mentor)
    url = reverse("mentor_set_slot", args=[scene["topic"].slug, foreign_claim.pk])
    assert client.post(url, {"presentation_at": "2026-12-10T14:30"}).status_code == 404
    assert snapshot() == before
