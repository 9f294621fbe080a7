import pytest
from django.urls import reverse
from django.utils import timezone

from papers.models import Level
from students import claims
from students.models import Feedback, ReadingProgress, ReadingStatus, Watch
from tests.conftest import make_entry

pytestmark = pytest.mark.django_db


def page_url(topic):
    return reverse("student_page", args=[topic.slug])


def test_student_page_shows_intro_progress_and_advanced_read(client, login, student, topic, advanced_entry):
    intros = [make_entry(topic, f"I{i}", level=Level.INTRO) for i in range(12)]
    for entry in intros[:7]:
        ReadingProgress.objects.create(student=student, entry=entry, status=ReadingStatus.DONE)
    ReadingProgress.objects.create(student=student, entry=intros[7], status=ReadingStatus.READING)
    ReadingProgress.objects.create(student=student, entry=advanced_entry, status=ReadingStatus.DONE)
    login(student)
    html = client.get(page_url(topic)).content.decode()
    assert "Intro papers: 7 / 12 done" in html
    assert "1 advanced paper read" in html


def test_student_page_shows_claim_schedule_and_feedback(client, login, student, mentor, topic, advanced_entry):
    claim = claims.claim(student, advanced_entry)
    claim.presentation_at = timezone.make_aware(timezone.datetime(2026, 12, 10, 14, 30))
    claim.presentation_order = 3
    claim.save()
    Feedback.objects.create(topic=topic, student=student, author=mentor, body="Read the **ablation** again.")
    login(student)
    html = client.get(page_url(topic)).content.decode()
    assert "DMM" in html
    assert "Presentation: 2026-12-10 14:30" in html and "speaker #3" in html
    assert "<strong>ablation</strong>" in html


def test_student_sees_the_reason_when_a_proposal_is_rejected(client, login, student, mentor, topic):
    proposal = claims.propose(
        student, topic, claims.PaperDetails(title="A new paper", url="https://example.org/new"),
        justification="recent",
    )
    claims.reject_proposal(proposal, actor=mentor, reason="Not about auxiliary tasks.")
    login(student)
    html = client.get(page_url(topic)).content.decode()
    assert "was rejected" in html and "Not about auxiliary tasks." in html


def test_mentor_has_no_student_page(client, mentor, topic):
    client.force_login(mentor)
    assert client.get(page_url(topic)).status_code == 403


@pytest.mark.parametrize("size", [5, 200])
def test_student_page_query_count_does_not_grow(client, login, student, mentor, topic, size, django_assert_num_queries):
    for index in range(size):
        entry = make_entry(topic, f"P{index}", level=Level.INTRO if index % 2 else Level.ADVANCED, position=index)
        ReadingProgress.objects.create(student=student, entry=entry, status=ReadingStatus.DONE, notes=f"note {index}")
        Feedback.objects.create(topic=topic, student=student, author=mentor, body=f"feedback {index}")
        if entry.level == Level.ADVANCED:
            Watch.objects.create(user=student, entry=entry)
    claims.claim(student, topic.entries.advanced().first())
    login(student)
    # session, user, the topic with the enrollment's role, slots, their papers' arXiv
    # versions, reading counts, open slot, intro requirement (none: no
    # query), a preference round of the papers, watched papers, feedback, notes.
    with django_assert_num_queries(11):
        response = client.get(page_url(topic))
    assert response.content.decode().count("feedback-item") == size
    assert response.content.decode().count("Stop watching") == (size + 1) // 2 - 1  # not the paper claimed since


def test_student_who_claimed_a_paper_sees_its_new_arxiv_version(client, login, student, topic, advanced_entry):
    from papers.models import PaperVersion

    claims.claim(student, advanced_entry)
    login(student)
    assert "A new version" not in client.get(page_url(topic)).content.decode()
    PaperVersion.objects.create(paper=advanced_entry.paper, version=2)
    html = client.get(page_url(topic)).content.decode()
    assert "A new version (v2" in html
