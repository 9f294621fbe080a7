import pytest
from django.urls import reverse

from students.models import ReadingProgress, ReadingStatus

pytestmark = pytest.mark.django_db


def progress_url(entry):
    return reverse("update_progress", args=[entry.topic.slug, entry.pk])


def test_student_marks_a_paper_read_from_the_topic_page_with_htmx(client, login, student, intro_entry):
    login(student)
    response = client.post(progress_url(intro_entry), {"status": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert 'value="done" selected' in html
    assert ReadingProgress.objects.get(student=student, entry=intro_entry).status == ReadingStatus.DONE


def test_status_change_without_javascript_redirects_back(client, login, student, intro_entry):
    login(student)
    response = client.post(progress_url(intro_entry), {"status": "reading", "next": intro_entry.topic.get_absolute_url()})
    assert response.status_code == 302
    assert response.url == intro_entry.topic.get_absolute_url()


def test_status_only_form_keeps_the_notes(client, login, student, intro_entry):
    login(student)
    client.post(progress_url(intro_entry), {"status": "reading", "notes": "my notes"})
    client.post(progress_url(intro_entry), {"status": "done"})
    progress = ReadingProgress.objects.get()
    assert (progress.status, progress.notes) == ("done", "my notes")


def test_notes_render_markdown_without_scripts_or_raw_html(client, login, student, intro_entry):
    login(student)
    notes = "**bold** idea\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3))"
    client.post(progress_url(intro_entry), {"status": "done", "notes": notes})
    html = client.get(reverse("paper_detail", args=[intro_entry.topic.slug, intro_entry.pk])).content.decode()
    preview = html.split('class="prose notes-preview">')[1].split("</div>")[0]
    assert "<strong>bold</strong>" in preview
    assert "<script" not in preview and "onerror" not in preview and "javascript:" not in preview


def test_other_students_never_see_my_notes(client, login, student, other_student, intro_entry):
    login(student)
    client.post(progress_url(intro_entry), {"status": "done", "notes": "secret insight"})
    client.force_login(other_student)
    for url in (
        reverse("paper_detail", args=[intro_entry.topic.slug, intro_entry.pk]),
        reverse("student_page", args=[intro_entry.topic.slug]),
        intro_entry.topic.get_absolute_url(),
    ):
        assert "secret insight" not in client.get(url).content.decode()


def test_invalid_status_changes_nothing(client, login, student, intro_entry):
    login(student)
    response = client.post(progress_url(intro_entry), {"status": "finished!!", "notes": "x"})
    assert response.status_code == 400
    assert not ReadingProgress.objects.exists()


def test_mentor_or_outsider_cannot_record_progress(client, mentor, outsider, intro_entry):
    client.force_login(mentor)
    assert client.post(progress_url(intro_entry), {"status": "done"}).status_code == 403
    client.force_login(outsider)
    assert client.post(progress_url(intro_entry), {"status": "done"}).status_code == 404
    assert not ReadingProgress.objects.exists()


def test_claim_control_says_how_many_intro_papers_are_missing(client, login, student, topic, intro_entry, advanced_entry):
    topic.intro_papers_required = 1
    topic.save()
    login(student)
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "Finish 1 more intro paper to unlock claiming." in html
    assert reverse("claim_paper", args=[topic.slug, advanced_entry.pk]) not in html
    client.post(progress_url(intro_entry), {"status": "done"})
    html = client.get(topic.get_absolute_url()).content.decode()
    assert reverse("claim_paper", args=[topic.slug, advanced_entry.pk]) in html


@pytest.mark.parametrize("next_url", [
    "foo",
    "javascript:alert(1)",
    "//evil.example",
    "https://evil.example/topics/",
    "/\\evil.example",
    "\\\\evil.example",
    " /topics/",
    "/topics/\x00",
    "\x00",
    "/topics/\r\nSet-Cookie: x=1",
    "a" * 10000,
    "/" + "a" * 10000,
])
def test_a_next_that_is_not_a_same_site_path_falls_back_to_the_paper_page(client, login, student, intro_entry, next_url):
    login(student)
    response = client.post(progress_url(intro_entry), {"status": "done", "next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("paper_detail", args=[intro_entry.topic.slug, intro_entry.pk])
    assert ReadingProgress.objects.get(student=student, entry=intro_entry).status == ReadingStatus.DONE


@pytest.mark.parametrize("next_url", ["/topics/topic-2/?kind=auxiliary_task", "/topics/topic-2/me/#notes"])
def test_a_same_site_path_is_followed(client, login, student, intro_entry, next_url):
    login(student)
    response = client.post(progress_url(intro_entry), {"status": "done", "next": next_url})
    assert (response.status_code, response.url) == (302, next_url)
