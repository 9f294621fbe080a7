"""The watch list: a student is told when a taken paper, or a full topic, has a place again; watching reserves nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from papers.models import EnrollmentMode, Level
from students import claims, watching
from students.enrollment import JoinVia, join_topic, remove_from_topic
from students.models import Watch
from students.watching import WatchRefused
from tests.conftest import enroll, make_entry, make_topic, make_user

pytestmark = pytest.mark.django_db
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def watcher(topic):
    user = make_user("watcher", email="watcher@example.org", first_name="Li")
    enroll(user, topic)
    return user


@pytest.fixture
def taken(topic, other_student, advanced_entry):
    """The advanced paper, claimed by the other student."""
    claims.claim(other_student, advanced_entry)
    return advanced_entry


def topic_url(topic):
    return reverse("topic_detail", args=[topic.slug])


# The rules


def test_a_student_watches_a_taken_paper(watcher, taken):
    watch = watching.watch_paper(watcher, taken)
    assert (watch.user, watch.entry, watch.freed_at) == (watcher, taken, None)
    assert watching.watch_paper(watcher, taken) == watch  # twice is once


@pytest.mark.parametrize("case, code", [
    ("free", "free"), ("intro", "intro_paper"), ("outsider", "not_enrolled"), ("mine", "yours"),
    ("mentor", "not_enrolled"), ("after deadline", "deadline_passed"),
])
def test_watching_is_refused_where_there_is_nothing_to_wait_for(
    case, code, topic, watcher, other_student, mentor, outsider, advanced_entry, second_entry, intro_entry
):
    claims.claim(other_student, advanced_entry)
    who, entry = {
        "free": (watcher, second_entry), "intro": (watcher, intro_entry), "outsider": (outsider, advanced_entry),
        "mine": (other_student, advanced_entry), "mentor": (mentor, advanced_entry),
        "after deadline": (watcher, advanced_entry),
    }[case]
    if case == "after deadline":
        topic.claim_deadline = timezone.now() - timedelta(minutes=1)
        topic.save()
        entry.refresh_from_db()
    with pytest.raises(WatchRefused) as refused:
        watching.watch_paper(who, entry)
    assert refused.value.code == code
    assert not Watch.objects.exists()


def test_a_release_tells_the_watchers_once_and_a_new_claim_arms_them_again(watcher, other_student, taken, django_capture_on_commit_callbacks):
    watching.watch_paper(watcher, taken)
    with django_capture_on_commit_callbacks() as told:
        claims.release(other_student, taken.topic)
    assert Watch.objects.get().freed_at is not None
    assert len(told) == 1  # the email goes to the worker after the commit
    third = make_user("third")
    enroll(third, taken.topic)
    claims.claim(third, taken)
    assert Watch.objects.get().freed_at is None  # full again: the next freeing is told again
    with django_capture_on_commit_callbacks() as told_again:
        claims.release(third, taken.topic)
    assert len(told_again) == 1
    assert Watch.objects.get().freed_at is not None


def test_a_paper_still_full_after_a_release_tells_nobody(topic, watcher, other_student, advanced_entry, info, django_capture_on_commit_callbacks):
    topic.claim_capacity = 2
    topic.save()
    third = make_user("third")
    enroll(third, topic)
    claims.claim(other_student, advanced_entry)
    claims.claim(third, advanced_entry)
    watching.watch_paper(watcher, advanced_entry)
    # The watcher releases nothing; a proposal withdrawn elsewhere frees no listed paper.
    claims.propose(watcher, topic, claims.PaperDetails(title="Own idea", url="https://example.org/own"), justification="", categories=[info])
    with django_capture_on_commit_callbacks() as told:
        claims.release(watcher, topic)
    assert told == [] and Watch.objects.get().freed_at is None


def test_a_switch_away_and_a_mentors_release_free_the_paper(topic, watcher, other_student, mentor, taken, second_entry):
    watching.watch_paper(watcher, taken)
    claims.switch(other_student, second_entry)
    assert Watch.objects.get().freed_at is not None
    Watch.objects.update(freed_at=None)
    claims.switch(other_student, taken)  # back: full again
    assert Watch.objects.get().freed_at is None
    claims.release(other_student, topic, actor=mentor)
    assert Watch.objects.get().freed_at is not None


def test_watching_reserves_nothing_and_the_watchers_claim_ends_the_watch(topic, watcher, other_student, taken):
    watching.watch_paper(watcher, taken)
    claims.release(other_student, topic)
    third = make_user("third")
    enroll(third, topic)
    claims.claim(third, taken)  # not the watcher: first come, first served
    assert Watch.objects.filter(user=watcher).exists()
    claims.release(third, topic)
    claims.claim(watcher, taken)
    assert not Watch.objects.filter(user=watcher).exists()


def test_raising_the_claim_capacity_tells_the_watchers(topic, watcher, taken):
    watching.watch_paper(watcher, taken)
    topic.claim_capacity = 2
    topic.save()
    watching.claim_capacity_changed(topic)
    assert Watch.objects.get().freed_at is not None


# Email


@override_settings(TASKS=IMMEDIATE_TASKS, SITE_URL="https://xinya.example.edu")
def test_watchers_with_an_address_are_emailed_in_both_languages(topic, watcher, other_student, taken, django_capture_on_commit_callbacks):
    silent = make_user("silent", email="")
    enroll(silent, topic)
    watching.watch_paper(watcher, taken)
    watching.watch_paper(silent, taken)
    with django_capture_on_commit_callbacks(execute=True):
        claims.release(other_student, topic)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["watcher@example.org"]
    assert taken.paper.display_name in email.subject and "\n" not in email.subject
    assert "has a free place again" in email.body and "有空位" in email.body
    assert f"https://xinya.example.edu/topics/{topic.slug}/#entry-{taken.pk}" in email.body


def test_a_watch_stopped_before_the_worker_came_is_not_emailed(topic, watcher, other_student, taken, django_capture_on_commit_callbacks):
    watch = watching.watch_paper(watcher, taken)
    claims.release(other_student, topic)
    watching.stop_watching(watcher, entry=taken)
    assert watching.send_emails([watch.pk]) == 0
    assert mail.outbox == []


def test_a_mail_server_that_refuses_loses_no_watch(topic, watcher, other_student, taken, settings):
    settings.EMAIL_BACKEND = "tests.students.mail_backends.RefusingBackend"
    watch = watching.watch_paper(watcher, taken)
    claims.release(other_student, topic)
    with pytest.raises(OSError):
        watching.send_emails([watch.pk])  # the task fails, and says so in the worker's log
    assert Watch.objects.get().freed_at is not None  # the page still tells


# Topics


@pytest.fixture
def full_topic(db):
    topic = make_topic("full", title="多模态融合", enrollment_mode=EnrollmentMode.OPEN, student_capacity=1)
    join_topic(make_user("first"), topic, via=JoinVia.OPEN)
    return topic


def test_someone_outside_a_full_topic_watches_it_and_is_told_when_a_place_frees(full_topic, outsider, admin_user):
    watch = watching.watch_topic(outsider, full_topic)
    remove_from_topic(full_topic.enrollments.get(), actor=admin_user)
    watch.refresh_from_db()
    assert watch.freed_at is not None
    join_topic(outsider, full_topic, via=JoinVia.OPEN)
    assert not Watch.objects.filter(pk=watch.pk).exists()  # in: nothing more to wait for


def test_a_topic_with_places_or_the_watchers_own_is_not_watched(full_topic, watcher, topic):
    with pytest.raises(WatchRefused) as refused:
        watching.watch_topic(watcher, topic)  # the watcher is in it
    assert refused.value.code == "in_topic"
    open_topic = make_topic("open", enrollment_mode=EnrollmentMode.OPEN, student_capacity=5)
    with pytest.raises(WatchRefused) as refused:
        watching.watch_topic(watcher, open_topic)
    assert refused.value.code == "free"


def test_removing_a_student_releases_their_paper_and_tells_its_watchers(topic, watcher, other_student, taken, admin_user):
    watching.watch_paper(watcher, taken)
    remove_from_topic(topic.enrollments.get(user=other_student), actor=admin_user)
    assert not taken.claims.active().exists()
    assert Watch.objects.get().freed_at is not None


# Pages


def test_a_taken_row_offers_watch_and_htmx_answers_with_the_row(client, login, watcher, taken):
    login(watcher)
    html = client.get(topic_url(taken.topic)).content.decode()
    assert reverse("watch_paper", args=[taken.topic.slug, taken.pk]) in html
    response = client.post(reverse("watch_paper", args=[taken.topic.slug, taken.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="entry-{taken.pk}"' in body and "Stop watching" in body and "<html" not in body
    assert Watch.objects.filter(user=watcher, entry=taken).exists()


def test_without_javascript_watching_goes_back_to_the_list(client, login, watcher, taken):
    login(watcher)
    response = client.post(reverse("watch_paper", args=[taken.topic.slug, taken.pk]))
    assert response.status_code == 302
    response = client.post(reverse("unwatch_paper", args=[taken.topic.slug, taken.pk]), follow=True)
    assert "You no longer watch" in response.content.decode()
    assert not Watch.objects.exists()


def test_a_crafted_watch_of_a_free_paper_is_refused_with_a_message(client, login, watcher, topic, second_entry):
    login(watcher)
    response = client.post(reverse("watch_paper", args=[topic.slug, second_entry.pk]))
    assert response.status_code == 409
    assert "has a free place: claim it now" in response.content.decode()
    assert not Watch.objects.exists()


def test_an_entry_of_another_topic_is_not_found(client, login, watcher, topic):
    elsewhere = make_entry(make_topic("elsewhere"), "X")
    login(watcher)
    assert client.post(reverse("watch_paper", args=[topic.slug, elsewhere.pk])).status_code == 404


def test_the_student_page_says_when_a_watched_paper_is_free(client, login, watcher, other_student, taken):
    watching.watch_paper(watcher, taken)
    login(watcher)
    page = reverse("student_page", args=[taken.topic.slug])
    html = client.get(page).content.decode()
    assert "Papers I watch" in html and "Free now" not in html
    claims.release(other_student, taken.topic)
    html = client.get(page).content.decode()
    assert "Free now" in html and reverse("claim_paper", args=[taken.topic.slug, taken.pk]) in html
    assert "watcher@example.org" in html


def test_an_intro_paper_never_shows_a_watch_button(client, login, watcher, other_student, topic, intro_entry):
    login(watcher)
    html = client.get(topic_url(topic)).content.decode()
    assert reverse("watch_paper", args=[topic.slug, intro_entry.pk]) not in html
    assert intro_entry.level == Level.INTRO


def test_a_full_open_topic_offers_watching_in_the_catalogue_and_the_home_page_says_when_it_frees(client, login, full_topic, outsider, admin_user):
    login(outsider)
    watch_url = reverse("programme_watch", args=[full_topic.slug])
    assert watch_url in client.get(reverse("programme")).content.decode()
    response = client.post(watch_url, HTTP_HX_REQUEST="true")
    card = response.content.decode()
    assert response.status_code == 200 and "<html" not in card
    assert reverse("programme_unwatch", args=[full_topic.slug]) in card and f'id="join-{full_topic.pk}"' in card
    assert "A place is free in a topic you watch" not in client.get(reverse("home")).content.decode()
    remove_from_topic(full_topic.enrollments.get(), actor=admin_user)
    home = client.get(reverse("home")).content.decode()
    assert "A place is free in a topic you watch" in home
    assert reverse("programme_join", args=[full_topic.slug]) in home


def test_watching_a_topic_with_places_by_a_crafted_post_is_refused(client, login, outsider):
    topic = make_topic("roomy", enrollment_mode=EnrollmentMode.OPEN, student_capacity=3)
    login(outsider)
    response = client.post(reverse("programme_watch", args=[topic.slug]))
    assert response.status_code == 409
    assert "has places: join it now" in response.content.decode()
    assert not Watch.objects.exists()


def test_without_javascript_watching_a_topic_goes_back_to_its_card(client, login, full_topic, outsider):
    login(outsider)
    response = client.post(reverse("programme_watch", args=[full_topic.slug]))
    assert response.status_code == 302 and response.url.endswith(f"#topic-{full_topic.pk}")
    response = client.post(reverse("programme_unwatch", args=[full_topic.slug]))
    assert response.status_code == 302 and not Watch.objects.exists()


def test_the_admin_deleting_an_enrollment_releases_the_paper_and_tells_the_watchers(client, admin_user, topic, watcher, other_student, taken):
    watching.watch_paper(watcher, taken)
    client.force_login(admin_user)
    enrollment = topic.enrollments.get(user=other_student)
    response = client.post(reverse("admin:students_enrollment_delete", args=[enrollment.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not topic.enrollments.filter(user=other_student).exists()
    assert not taken.claims.active().exists()
    assert Watch.objects.get().freed_at is not None
