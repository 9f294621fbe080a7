from pathlib import Path

import pytest
import responses
from django.urls import reverse

from papers.arxiv import API_URL
from papers.models import Entry, Paper
from students import claims
from students.models import Claim, ClaimAction, ClaimStatus

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv"
MANUAL = {
    "title": "Depth Anything for Dehazing", "authors": "A. Author, B. Author", "venue": "CVPR", "year": 2025,
    "url": "https://openaccess.thecvf.com/paper.pdf", "kinds": ["auxiliary_information"],
    "justification": "Recent and uses depth as auxiliary information.",
}


def propose_url(topic):
    return reverse("propose", args=[topic.slug])


def details(title="A new paper", **extra):
    return claims.PaperDetails(title=title, url=f"https://example.org/{title}", **extra)


def test_student_proposes_a_paper_not_on_arxiv(client, login, student, topic):
    login(student)
    response = client.post(propose_url(topic), MANUAL)
    assert response.status_code == 302
    proposal = Claim.objects.get()
    assert proposal.status == ClaimStatus.PROPOSED
    assert proposal.proposed_paper.authors == ["A. Author", "B. Author"]
    assert proposal.proposed_auxiliary_information and not proposal.proposed_auxiliary_task
    assert proposal.events.get().action == ClaimAction.PROPOSED


@responses.activate
def test_student_proposes_by_arxiv_link_and_metadata_comes_from_arxiv(client, login, student, topic):
    responses.get(API_URL, body=(FIXTURES / "new-backend-id-1605.08386.xml").read_bytes())
    login(student)
    response = client.post(propose_url(topic), {
        "arxiv": "https://arxiv.org/abs/1605.08386v1", "kinds": ["auxiliary_task"], "justification": "why not",
    })
    assert response.status_code == 302
    paper = Claim.objects.get().proposed_paper
    assert paper.arxiv_id == "1605.08386"
    assert paper.title.startswith("Heat-bath random walks")
    assert len(paper.authors) >= 2


@responses.activate
def test_arxiv_being_down_is_a_clear_form_error(client, login, student, topic):
    responses.get(API_URL, status=503)
    login(student)
    response = client.post(propose_url(topic), {"arxiv": "2501.00001", "kinds": ["auxiliary_task"], "justification": "x"})
    assert response.status_code == 400
    assert "arXiv" in response.content.decode()
    assert not Claim.objects.exists() and not Paper.objects.exists()


def test_malformed_arxiv_id_is_refused_before_any_request(client, login, student, topic):
    login(student)
    with responses.RequestsMock():  # any request would fail the test
        response = client.post(propose_url(topic), {"arxiv": "not an id", "kinds": ["auxiliary_task"], "justification": "x"})
    assert response.status_code == 400
    assert "not an arXiv identifier" in response.content.decode()


def test_missing_kind_or_title_gets_clear_messages(client, login, student, topic):
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "kinds": [], "title": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Say which kind of paper it is" in html
    assert "Needed for a paper that is not on arXiv" in html


def test_pending_proposal_holds_the_slot(student, topic, advanced_entry):
    claims.propose(student, topic, details(), justification="x", kinds={"auxiliary_task"})
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(student, advanced_entry)
    assert refusal.value.code == "slot_taken"


def test_paper_already_on_the_list_is_refused_with_a_pointer_to_claim_it(client, login, student, topic, advanced_entry):
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "url": advanced_entry.paper.url})
    assert response.status_code == 409
    assert "already on the reading list: claim it there instead" in response.content.decode()


def test_intro_paper_can_never_be_proposed(student, topic, intro_entry):
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.propose(student, topic, claims.PaperDetails(title="x", url=intro_entry.paper.url), justification="x",
                       kinds={"auxiliary_task"})
    assert refusal.value.code == "intro_paper"


def test_paper_someone_else_proposed_is_refused(student, other_student, topic):
    claims.propose(student, topic, details(), justification="x", kinds={"auxiliary_task"})
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.propose(other_student, topic, details(), justification="y", kinds={"auxiliary_task"})
    assert refusal.value.code == "already_proposed"


def test_approval_adds_the_paper_as_advanced_and_claims_it_for_the_proposer(student, mentor, topic):
    proposal = claims.propose(student, topic, details(), justification="x", kinds={"auxiliary_task"})
    claims.approve_proposal(proposal, actor=mentor, kinds={"auxiliary_task", "auxiliary_information"})
    proposal.refresh_from_db()
    entry = Entry.objects.get(paper=proposal.proposed_paper)
    assert (entry.level, entry.kinds) == ("advanced", ["auxiliary_information", "auxiliary_task"])
    assert (proposal.status, proposal.entry, proposal.decided_by) == (ClaimStatus.ACTIVE, entry, mentor)


def test_rejection_frees_the_slot_and_keeps_the_reason(student, mentor, topic, advanced_entry):
    proposal = claims.propose(student, topic, details(), justification="x", kinds={"auxiliary_task"})
    claims.reject_proposal(proposal, actor=mentor, reason="Too old.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason) == (ClaimStatus.REJECTED, "Too old.")
    assert claims.claim(student, advanced_entry).status == ClaimStatus.ACTIVE


def test_students_cannot_decide_proposals(student, other_student, topic):
    proposal = claims.propose(student, topic, details(), justification="x", kinds={"auxiliary_task"})
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.approve_proposal(proposal, actor=other_student, kinds={"auxiliary_task"})
    assert refusal.value.code == "not_mentor"
    assert Claim.objects.get().status == ClaimStatus.PROPOSED


def test_student_withdraws_a_pending_proposal_by_releasing(student, topic):
    claims.propose(student, topic, details(), justification="x", kinds={"auxiliary_task"})
    claims.release(student, topic)
    assert Claim.objects.get().status == ClaimStatus.RELEASED


def test_mentor_cannot_open_the_proposal_form(client, mentor, topic):
    client.force_login(mentor)
    assert client.get(propose_url(topic)).status_code == 403
