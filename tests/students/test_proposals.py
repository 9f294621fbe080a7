from pathlib import Path

import pytest
import responses
from django.urls import reverse

from papers.arxiv import API_URL
from papers.models import Entry, Level, Paper
from students import claims
from students.models import Claim, ClaimAction, ClaimStatus
from tests.conftest import make_category, make_topic

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv"
MANUAL = {
    "title": "Depth Anything for Dehazing", "authors": "A. Author, B. Author", "venue": "CVPR", "year": 2025,
    "url": "https://openaccess.thecvf.com/paper.pdf",
    "justification": "Recent and uses depth as auxiliary information.",
}


def propose_url(topic):
    return reverse("propose", args=[topic.slug])


def details(title="A new paper", **extra):
    return claims.PaperDetails(title=title, url=f"https://example.org/{title}", **extra)


def test_student_proposes_a_paper_not_on_arxiv(client, login, student, topic, info, task):
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "categories": [info.pk]})
    assert response.status_code == 302
    proposal = Claim.objects.get()
    assert proposal.status == ClaimStatus.PROPOSED
    assert proposal.proposed_paper.authors == ["A. Author", "B. Author"]
    assert list(proposal.proposed_categories.all()) == [info]
    assert proposal.events.get().action == ClaimAction.PROPOSED


@responses.activate
def test_student_proposes_by_arxiv_link_and_metadata_comes_from_arxiv(client, login, student, topic, task):
    responses.get(API_URL, body=(FIXTURES / "new-backend-id-1605.08386.xml").read_bytes())
    login(student)
    response = client.post(propose_url(topic), {
        "arxiv": "https://arxiv.org/abs/1605.08386v1", "categories": [task.pk], "justification": "why not",
    })
    assert response.status_code == 302
    paper = Claim.objects.get().proposed_paper
    assert paper.arxiv_id == "1605.08386"
    assert paper.title.startswith("Heat-bath random walks")
    assert len(paper.authors) >= 2


@responses.activate
def test_arxiv_being_down_is_a_clear_form_error(client, login, student, topic, task):
    responses.get(API_URL, status=503)
    login(student)
    response = client.post(propose_url(topic), {"arxiv": "2501.00001", "categories": [task.pk], "justification": "x"})
    assert response.status_code == 400
    assert "arXiv" in response.content.decode()
    assert not Claim.objects.exists() and not Paper.objects.exists()


def test_malformed_arxiv_id_is_refused_before_any_request(client, login, student, topic):
    login(student)
    with responses.RequestsMock():  # any request would fail the test
        response = client.post(propose_url(topic), {"arxiv": "not an id", "justification": "x"})
    assert response.status_code == 400
    assert "not an arXiv identifier" in response.content.decode()


def test_missing_title_gets_a_clear_message(client, login, student, topic):
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "title": ""})
    assert response.status_code == 400
    assert "Needed for a paper that is not on arXiv" in response.content.decode()


def test_a_topic_with_categories_needs_one_named_beside_the_categories(client, login, student, topic, info, task):
    login(student)
    response = client.post(propose_url(topic), MANUAL)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_categories_error"><li>Say which of the topic&#x27;s categories the paper belongs to.' in html
    assert not Claim.objects.exists()


def test_a_category_of_another_topic_is_refused(client, login, student, topic, info):
    elsewhere = make_category(make_topic("elsewhere"), "其他")
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "categories": [elsewhere.pk]})
    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_a_topic_without_categories_asks_for_none(client, login, student, topic):
    login(student)
    assert "categories" not in client.get(propose_url(topic)).content.decode()
    assert client.post(propose_url(topic), MANUAL).status_code == 302


def test_pending_proposal_holds_the_slot(student, topic, advanced_entry, task):
    claims.propose(student, topic, details(), justification="x", categories=[task])
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(student, advanced_entry)
    assert refusal.value.code == "slot_taken"


def test_paper_already_on_the_list_is_refused_with_a_pointer_to_claim_it(client, login, student, topic, advanced_entry, task):
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "url": advanced_entry.paper.url, "categories": [task.pk]})
    assert response.status_code == 409
    assert "already on the reading list: claim it there instead" in response.content.decode()


def test_intro_paper_can_never_be_proposed(student, topic, intro_entry, task):
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.propose(student, topic, claims.PaperDetails(title="x", url=intro_entry.paper.url), justification="x",
                       categories=[task])
    assert refusal.value.code == "intro_paper"


def test_paper_someone_else_proposed_is_refused(student, other_student, topic, task):
    claims.propose(student, topic, details(), justification="x", categories=[task])
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.propose(other_student, topic, details(), justification="y", categories=[task])
    assert refusal.value.code == "already_proposed"


def test_approval_adds_the_paper_as_advanced_and_claims_it_for_the_proposer(student, mentor, topic, info, task):
    proposal = claims.propose(student, topic, details(), justification="x", categories=[task])
    claims.approve_proposal(proposal, actor=mentor, categories=[info, task])
    proposal.refresh_from_db()
    entry = Entry.objects.get(paper=proposal.proposed_paper)
    assert (entry.level, entry.category_names) == ("advanced", ["辅助信息", "辅助任务"])
    assert (proposal.status, proposal.entry, proposal.decided_by) == (ClaimStatus.ACTIVE, entry, mentor)


def test_rejection_frees_the_slot_and_keeps_the_reason(student, mentor, topic, advanced_entry, task):
    proposal = claims.propose(student, topic, details(), justification="x", categories=[task])
    claims.reject_proposal(proposal, actor=mentor, reason="Too old.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason) == (ClaimStatus.REJECTED, "Too old.")
    assert claims.claim(student, advanced_entry).status == ClaimStatus.ACTIVE


def test_students_cannot_decide_proposals(student, other_student, topic, task):
    proposal = claims.propose(student, topic, details(), justification="x", categories=[task])
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.approve_proposal(proposal, actor=other_student, categories=[task])
    assert refusal.value.code == "not_mentor"
    assert Claim.objects.get().status == ClaimStatus.PROPOSED


def test_student_withdraws_a_pending_proposal_by_releasing(student, topic, task):
    claims.propose(student, topic, details(), justification="x", categories=[task])
    claims.release(student, topic)
    assert Claim.objects.get().status == ClaimStatus.RELEASED


def test_mentor_cannot_open_the_proposal_form(client, mentor, topic):
    client.force_login(mentor)
    assert client.get(propose_url(topic)).status_code == 403


# The intro rule has no side door: a proposal is the paper on the list however its link or title is written.


@pytest.fixture
def listed_intro(topic):
    """ConcatNet as topic 2 lists it: an intro paper with an arXiv link."""
    paper = Paper.objects.create(
        short_name="ConcatNet", title="Improving image classification with location context",
        url="https://arxiv.org/abs/1505.03873", arxiv_id="1505.03873",
    )
    return Entry.objects.create(topic=topic, paper=paper, level=Level.INTRO)


@pytest.fixture
def listed_publisher_intro(topic):
    paper = Paper.objects.create(title="Indoor Segmentation and Support Inference from RGBD Images",
                                 url="https://link.springer.com/chapter/10.1007/978-3-642-33715-4_54")
    return Entry.objects.create(topic=topic, paper=paper, level=Level.INTRO)


@pytest.mark.parametrize("link", [
    "https://arxiv.org/abs/1505.03873",
    "https://arxiv.org/pdf/1505.03873v2.pdf",
    "http://www.arxiv.org/abs/1505.03873/",
    "https://export.arxiv.org/abs/1505.03873",
])
def test_an_intro_paper_typed_as_a_link_instead_of_an_arxiv_id_is_refused(client, login, student, topic, listed_intro, task, link):
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "title": "Something else entirely", "url": link, "categories": [task.pk]})
    assert response.status_code == 400
    assert "intro paper of this topic" in response.content.decode()
    assert not Claim.objects.exists()
    assert Paper.objects.count() == 1


@pytest.mark.parametrize("link", [
    "https://link.springer.com/chapter/10.1007/978-3-642-33715-4_54/",
    "http://link.springer.com/chapter/10.1007/978-3-642-33715-4_54?utm_source=share",
    "link.springer.com/chapter/10.1007/978-3-642-33715-4_54",
])
def test_an_intro_papers_publisher_link_written_another_way_is_refused(client, login, student, topic, listed_publisher_intro, task, link):
    login(student)
    response = client.post(propose_url(topic), {**MANUAL, "title": "Anything", "url": link, "categories": [task.pk]})
    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_an_intro_paper_proposed_by_its_title_under_another_link_is_refused(client, login, student, topic, listed_intro, task):
    login(student)
    response = client.post(propose_url(topic), {
        **MANUAL, "title": "Improving Image Classification with Location Context.", "url": "https://example.org/mirror.pdf",
        "categories": [task.pk],
    })
    assert response.status_code == 400
    assert not Claim.objects.exists()


def test_no_second_entry_of_an_intro_paper_can_appear_through_approval(student, mentor, topic, listed_intro, task):
    with pytest.raises(claims.ClaimRefused):
        claims.propose(student, topic, claims.PaperDetails(title="x", url="https://arxiv.org/abs/1505.03873/"),
                       justification="x", categories=[task])
    assert Entry.objects.filter(paper__arxiv_id="1505.03873").count() == 1
    assert not Claim.objects.exists()
