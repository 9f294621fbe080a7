"""The queue of pending proposals: approve in the categories the mentor sets, or reject with a reason."""

import pytest
from django.urls import reverse

from papers.models import Entry, Level
from students import claims
from students.models import Claim, ClaimAction, ClaimEvent, ClaimStatus
from tests.conftest import enroll, make_category, make_user
from tests.mentors.conftest import HTMX

pytestmark = pytest.mark.django_db


def queue_url(topic):
    return reverse("mentor_proposals", args=[topic.slug])


def approve_url(proposal):
    return reverse("mentor_approve_proposal", args=[proposal.topic.slug, proposal.pk])


def reject_url(proposal):
    return reverse("mentor_reject_proposal", args=[proposal.topic.slug, proposal.pk])


def test_queue_shows_the_papers_metadata_and_the_students_case(client, login, mentor, topic, proposal):
    login(mentor)
    html = client.get(queue_url(topic)).content.decode()
    card = html.split(f'id="proposal-{proposal.pk}"')[1].split("</article>")[0]
    assert "Depth Anything: Unleashing the Power of Large-Scale Unlabeled Data" in card
    assert "Lihe Yang, Bingyi Kang" in card
    assert 'href="https://arxiv.org/abs/2401.10891"' in card and "arXiv:2401.10891" in card
    assert "CVPR 2024" in card
    assert "A practical solution for robust monocular depth estimation." in card
    assert "Depth as an auxiliary task, like the list&#x27;s SKF." in card
    assert "明 李" in card and '<span class="badge kind">辅助任务</span>' in card


def test_the_students_proposed_categories_are_ticked_in_the_approval_form(client, login, mentor, topic, info, proposal, task):
    login(mentor)
    card = client.get(queue_url(topic)).content.decode().split(f'id="proposal-{proposal.pk}"')[1]
    task_box = card.split(f'value="{task.pk}"')[1].split(">")[0]
    info_box = card.split(f'value="{info.pk}"')[1].split(">")[0]
    assert "checked" in task_box and "checked" not in info_box


def test_the_proposals_page_runs_the_same_queries_for_few_and_many_proposals(client, login, mentor, topic, task, django_assert_max_num_queries):
    students = [make_user(f"proposer{index}") for index in range(6)]
    for index, user in enumerate(students):
        enroll(user, topic)
        claims.propose(user, topic, claims.PaperDetails(title=f"Paper number {index}", url=f"https://example.org/p{index}"),
                       justification="", categories=[task])
    login(mentor)
    # session, user, enrollment, topic's categories, proposals, their categories, plus a few of the page's own.
    with django_assert_max_num_queries(12):
        assert len(client.get(queue_url(topic)).context["cards"]) == 6


def test_queue_lists_only_pending_proposals_of_this_topic(client, login, mentor, topic, proposal, other_topic, other_student):
    elsewhere = make_user("elsewhere")
    enroll(elsewhere, other_topic)
    claims.propose(elsewhere, other_topic, claims.PaperDetails(title="Elsewhere", url="https://example.org/e"), justification="")
    rejected = claims.propose(other_student, topic, claims.PaperDetails(title="Rejected one", url="https://example.org/r"), justification="", categories=[make_category(topic, "辅助任务")])
    claims.reject_proposal(rejected, actor=mentor, reason="No.")
    login(mentor)
    assert [card.proposal for card in client.get(queue_url(topic)).context["cards"]] == [proposal]


def test_approving_adds_the_paper_in_the_mentors_categories_claimed_by_the_proposer(client, login, mentor, student, topic, info, task, proposal):
    login(mentor)
    response = client.post(approve_url(proposal), {"categories": [info.pk, task.pk]})
    assert response.status_code == 302 and response.url == queue_url(topic)
    proposal.refresh_from_db()
    entry = Entry.objects.get(topic=topic, paper=proposal.proposed_paper)
    assert (entry.level, entry.category_names, entry.source) == (Level.ADVANCED, ["辅助信息", "辅助任务"], "proposal")
    assert (proposal.status, proposal.entry, proposal.decided_by) == (ClaimStatus.ACTIVE, entry, mentor)
    event = ClaimEvent.objects.filter(claim=proposal).last()
    assert (event.action, event.actor) == (ClaimAction.APPROVED, mentor)
    assert "Approved: “Depth Anything" in client.get(response.url).content.decode()


def test_approving_with_htmx_swaps_the_card_and_says_so(client, login, mentor, topic, task, proposal):
    login(mentor)
    response = client.post(approve_url(proposal), {"categories": [task.pk]}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<article class="card proposal" id="proposal-{proposal.pk}"')
    assert "<html" not in html and "<form" not in html
    assert '<span class="badge approved">Approved</span>' in html
    assert 'id="messages"' in html and 'hx-swap-oob="true"' in html and "Approved: “Depth Anything" in html


def test_approving_without_a_category_is_refused_beside_the_categories_and_changes_nothing(client, login, mentor, topic, proposal):
    login(mentor)
    response = client.post(approve_url(proposal), {}, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<ul class="errorlist" id="proposal{proposal.pk}_categories_error"><li>Say which of the topic&#x27;s categories the paper belongs to.</li></ul>' in html
    proposal.refresh_from_db()
    assert proposal.status == ClaimStatus.PROPOSED
    assert not Entry.objects.filter(paper=proposal.proposed_paper).exists()


@pytest.mark.parametrize("value", ["vibes", "999999", "<script>"])
def test_approving_with_an_unknown_category_is_refused_and_changes_nothing(client, login, mentor, topic, proposal, value):
    login(mentor)
    response = client.post(approve_url(proposal), {"categories": [value]})
    assert response.status_code == 400
    assert "Choose categories of this topic." in response.content.decode()
    assert Claim.objects.get(pk=proposal.pk).status == ClaimStatus.PROPOSED


def test_rejecting_keeps_the_reason_for_the_student_and_frees_the_slot(client, login, mentor, student, topic, proposal):
    login(mentor)
    response = client.post(reject_url(proposal), {"reason": "This is a depth paper, not auxiliary."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason, proposal.decided_by) == (
        ClaimStatus.REJECTED, "This is a depth paper, not auxiliary.", mentor
    )
    assert not Claim.objects.open().filter(student=student).exists()
    event = ClaimEvent.objects.filter(claim=proposal).last()
    assert (event.action, event.actor, event.note) == (ClaimAction.REJECTED, mentor, "This is a depth paper, not auxiliary.")


def test_the_student_sees_the_rejection_reason_on_their_page(client, login, mentor, student, topic, proposal):
    login(mentor)
    client.post(reject_url(proposal), {"reason": "Too far from the topic."})
    login(student)
    assert "Too far from the topic." in client.get(reverse("student_page", args=[topic.slug])).content.decode()


def test_rejecting_without_a_reason_is_refused_beside_the_reason_and_changes_nothing(client, login, mentor, topic, proposal):
    login(mentor)
    response = client.post(reject_url(proposal), {"reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html  # without JavaScript: the whole queue, with the error in place
    assert f'id="proposal{proposal.pk}_reason_error"><li>Give the student a reason for the rejection.</li>' in html
    assert Claim.objects.get(pk=proposal.pk).status == ClaimStatus.PROPOSED
    assert not ClaimEvent.objects.filter(claim=proposal, action=ClaimAction.REJECTED).exists()


def test_approving_with_a_category_of_another_topic_is_refused(client, login, mentor, topic, proposal, other_topic):
    foreign = make_category(other_topic, "辅助任务")
    login(mentor)
    assert client.post(approve_url(proposal), {"categories": [foreign.pk]}).status_code == 400
    assert Claim.objects.get(pk=proposal.pk).status == ClaimStatus.PROPOSED


def test_deciding_a_proposal_twice_is_refused_with_a_message(client, login, mentor, topic, task, proposal):
    login(mentor)
    client.post(approve_url(proposal), {"categories": [task.pk]})
    response = client.post(reject_url(proposal), {"reason": "Changed my mind."}, headers=HTMX)
    assert response.status_code == 409
    assert "already been decided" in response.content.decode()
    assert Claim.objects.get(pk=proposal.pk).status == ClaimStatus.ACTIVE


def test_a_plain_claim_is_not_a_proposal_to_decide(client, login, mentor, topic, claimed):
    login(mentor)
    assert client.post(approve_url(claimed), {"categories": []}).status_code == 404


def test_approval_and_rejection_forms_work_without_javascript(client, login, mentor, topic, proposal):
    login(mentor)
    html = client.get(queue_url(topic)).content.decode()
    assert f'<form method="post" action="{approve_url(proposal)}" hx-post="{approve_url(proposal)}"' in html
    assert f'<form method="post" action="{reject_url(proposal)}" hx-post="{reject_url(proposal)}"' in html
    assert f'<label for="proposal{proposal.pk}_reason">Reason the student will read</label>' in html


def test_queue_says_when_nothing_is_waiting(client, login, mentor, topic):
    login(mentor)
    assert "No proposal is waiting." in client.get(queue_url(topic)).content.decode()
