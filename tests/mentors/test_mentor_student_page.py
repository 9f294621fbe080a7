"""One student as their mentor sees them: reading and notes, feedback, and the staff actions on their slot."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from papers.models import Level
from students import claims
from students.models import Claim, ClaimAction, ClaimEvent, ClaimStatus, Feedback, ReadingStatus
from tests.conftest import make_entry
from tests.mentors.conftest import HTMX, mark_read

pytestmark = pytest.mark.django_db


def student_url(topic, user, action=""):
    if action:
        return reverse(f"mentor_{action}", args=[topic.slug, user.pk])
    return reverse("mentor_student", args=[topic.slug, user.pk])


def test_mentor_reads_the_students_notes_as_sanitised_markdown(client, login, mentor, student, topic, intro_entry):
    mark_read(student, intro_entry, notes="Uses **late fusion**.\n\n<script>alert(1)</script>")
    login(mentor)
    html = client.get(student_url(topic, student)).content.decode()
    assert "<strong>late fusion</strong>" in html
    assert "<script>alert(1)</script>" not in html


def test_student_page_shows_reading_status_per_paper_and_intro_progress(client, login, mentor, student, topic, intro_entry, advanced_entry):
    make_entry(topic, "Second intro", level=Level.INTRO, position=2)
    mark_read(student, intro_entry)
    mark_read(student, advanced_entry, status=ReadingStatus.READING)
    login(mentor)
    response = client.get(student_url(topic, student))
    assert [(line.entry.paper.short_name, line.status) for line in response.context["lines"]] == [
        ("ConcatNet", "done"), ("Second intro", "to_read"), ("DMM", "reading"),
    ]
    html = response.content.decode()
    assert "Intro papers: 1 / 2 done" in html and 'aria-valuenow="1"' in html and 'aria-valuemax="2"' in html


def test_another_students_page_does_not_leak_into_this_one(client, login, mentor, student, other_student, topic, intro_entry):
    mark_read(other_student, intro_entry, notes="Other student's private note")
    login(mentor)
    assert "private note" not in client.get(student_url(topic, student)).content.decode()


def test_mentor_sends_feedback_the_student_sees(client, login, mentor, student, topic):
    login(mentor)
    response = client.post(student_url(topic, student, "add_feedback"), {"body": "Read the **ablation** again."})
    assert response.status_code == 302 and response.url == student_url(topic, student)
    feedback = Feedback.objects.get()
    assert (feedback.topic, feedback.student, feedback.author, feedback.body) == (topic, student, mentor, "Read the **ablation** again.")
    login(student)
    assert "<strong>ablation</strong>" in client.get(reverse("student_page", args=[topic.slug])).content.decode()


def test_feedback_with_htmx_swaps_the_feedback_section(client, login, mentor, student, topic):
    login(mentor)
    response = client.post(student_url(topic, student, "add_feedback"), {"body": "Good progress."}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="student-feedback"')
    assert "Good progress." in html and "Feedback sent to 明 李." in html
    assert '<textarea name="body"' in html and "Good progress.</textarea>" not in html


def test_empty_feedback_is_refused_beside_the_field_and_nothing_is_saved(client, login, mentor, student, topic):
    login(mentor)
    response = client.post(student_url(topic, student, "add_feedback"), {"body": "  \n "}, headers=HTMX)
    assert response.status_code == 400
    assert '<ul class="errorlist" id="id_body_error"><li>Write the feedback before sending it.</li></ul>' in response.content.decode()
    assert not Feedback.objects.exists()


def test_mentor_assigns_a_paper_and_it_is_recorded_as_theirs(client, login, mentor, student, topic, advanced_entry):
    login(mentor)
    response = client.post(student_url(topic, student, "assign_paper"), {"entry": advanced_entry.pk})
    assert response.status_code == 302
    claim = Claim.objects.get(student=student, status=ClaimStatus.ACTIVE)
    assert claim.entry == advanced_entry
    event = claim.events.get()
    assert (event.action, event.actor) == (ClaimAction.ASSIGNED, mentor)


def test_mentor_moves_a_student_to_another_paper(client, login, mentor, student, topic, claimed, second_entry):
    login(mentor)
    response = client.post(student_url(topic, student, "move_student"), {"entry": second_entry.pk}, headers=HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="student-slot"')
    assert Claim.objects.get(student=student, status=ClaimStatus.ACTIVE).entry == second_entry
    assert list(ClaimEvent.objects.filter(action=ClaimAction.MOVED).values_list("actor", flat=True)) == [mentor.pk, mentor.pk]


def test_mentor_releases_a_students_claim(client, login, mentor, student, topic, claimed):
    login(mentor)
    response = client.post(student_url(topic, student, "release_claim"))
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == ClaimStatus.RELEASED
    assert claimed.events.last().actor == mentor


def test_mentor_cannot_assign_an_intro_paper_and_is_told_why(client, login, mentor, student, topic, intro_entry):
    login(mentor)
    response = client.post(student_url(topic, student, "assign_paper"), {"entry": intro_entry.pk}, headers=HTMX)
    assert response.status_code == 400
    assert "cannot be chosen for a presentation" in response.content.decode()
    assert not Claim.objects.exists()


def test_mentor_cannot_assign_a_full_paper(client, login, mentor, student, other_student, topic, advanced_entry):
    claims.claim(other_student, advanced_entry)
    login(mentor)
    response = client.post(student_url(topic, student, "assign_paper"), {"entry": advanced_entry.pk})
    assert response.status_code == 409
    assert "was just taken by another student" in response.content.decode()
    assert not Claim.objects.filter(student=student).exists()


def test_assigning_a_second_slot_is_refused(client, login, mentor, student, topic, claimed, second_entry):
    login(mentor)
    response = client.post(student_url(topic, student, "assign_paper"), {"entry": second_entry.pk})
    assert response.status_code == 409
    assert Claim.objects.get(student=student).entry == claimed.entry


def test_a_paper_of_another_topic_is_not_a_choice(client, login, mentor, student, topic, other_topic):
    foreign = make_entry(other_topic, "Foreign")
    login(mentor)
    response = client.post(student_url(topic, student, "assign_paper"), {"entry": foreign.pk})
    assert response.status_code == 400
    assert "That paper is not on this topic&#x27;s list." in response.content.decode()
    assert not Claim.objects.exists()


def test_releasing_when_there_is_no_slot_is_refused_with_a_message(client, login, mentor, student, topic):
    login(mentor)
    response = client.post(student_url(topic, student, "release_claim"), headers=HTMX)
    assert response.status_code == 409
    assert "no presentation slot" in response.content.decode()


def test_mentors_act_after_the_claim_deadline(client, login, mentor, student, topic, advanced_entry):
    topic.claim_deadline = timezone.now() - timedelta(days=1)
    topic.save()
    login(mentor)
    assert client.post(student_url(topic, student, "assign_paper"), {"entry": advanced_entry.pk}).status_code == 302
    assert Claim.objects.get().entry == advanced_entry


def test_paper_choice_marks_full_papers_and_leaves_out_intro_papers(client, login, mentor, student, other_student, topic, intro_entry, advanced_entry, second_entry):
    claims.claim(other_student, advanced_entry)
    login(mentor)
    html = client.get(student_url(topic, student)).content.decode()
    select = html.split('<select name="entry"')[1].split("</select>")[0]
    assert f'<option value="{advanced_entry.pk}" disabled>DMM (taken)</option>' in select
    assert f'<option value="{second_entry.pk}">SKF</option>' in select
    assert f'value="{intro_entry.pk}"' not in select
    assert '<label for="id_entry">Assign a paper</label>' in html


def test_history_shows_who_changed_the_slot(client, login, mentor, student, topic, claimed, second_entry):
    claims.switch(student, second_entry, actor=mentor)
    login(mentor)
    html = client.get(student_url(topic, student)).content.decode()
    history = html.split('class="history"')[1].split("</details>")[0]
    assert "claimed" in history and "moved by a mentor" in history and "老师 王" in history
