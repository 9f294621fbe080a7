"""The claim rules, through the domain layer, the page, HTMX, crafted POSTs, the admin and the database."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from papers.models import Entry, Level
from students import claims
from students.models import Claim, ClaimAction, ClaimEvent, ClaimStatus, ReadingProgress, ReadingStatus
from tests.conftest import enroll, make_category, make_entry, make_topic, make_user

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true", "HX-Target": "advanced-papers"}


def claim_url(entry):
    return reverse("claim_paper", args=[entry.topic.slug, entry.pk])


def release_url(topic):
    return reverse("release_paper", args=[topic.slug])


def switch_url(entry):
    return reverse("switch_paper", args=[entry.topic.slug, entry.pk])


# The domain layer


def test_student_claims_an_advanced_paper(student, advanced_entry):
    claim = claims.claim(student, advanced_entry)
    assert (claim.status, claim.entry, claim.student) == (ClaimStatus.ACTIVE, advanced_entry, student)


def test_intro_paper_cannot_be_claimed(student, intro_entry):
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(student, intro_entry)
    assert refusal.value.code == "intro_paper"
    assert "reading practice only" in refusal.value.messages[0]
    assert not Claim.objects.exists()


def test_student_holds_at_most_one_claim_per_topic(student, advanced_entry, second_entry):
    claims.claim(student, advanced_entry)
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(student, second_entry)
    assert refusal.value.code == "slot_taken"
    assert Claim.objects.open().count() == 1


def test_paper_is_claimed_by_one_student_by_default(student, other_student, advanced_entry):
    claims.claim(student, advanced_entry)
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(other_student, advanced_entry)
    assert refusal.value.code == "paper_full"
    assert "just taken" in refusal.value.messages[0]


def test_topic_may_allow_more_students_per_paper(topic, student, other_student, advanced_entry):
    topic.claim_capacity = 2
    topic.save()
    third = make_user("third")
    enroll(third, topic)
    claims.claim(student, advanced_entry)
    claims.claim(other_student, advanced_entry)
    with pytest.raises(claims.ClaimRefused):
        claims.claim(third, advanced_entry)
    assert advanced_entry.claims.active().count() == 2


def test_released_claim_is_kept_and_frees_the_paper(student, other_student, advanced_entry):
    first = claims.claim(student, advanced_entry)
    claims.release(student, advanced_entry.topic)
    first.refresh_from_db()
    assert first.status == ClaimStatus.RELEASED
    claims.claim(other_student, advanced_entry)
    assert Claim.objects.count() == 2


def test_every_claim_change_is_recorded(student, advanced_entry, second_entry):
    claims.claim(student, advanced_entry)
    claims.switch(student, second_entry)
    claims.release(student, second_entry.topic)
    events = list(ClaimEvent.objects.values_list("action", "from_status", "to_status", "actor"))
    assert events == [
        (ClaimAction.CLAIMED, "", ClaimStatus.ACTIVE, student.pk),
        (ClaimAction.SWITCHED, ClaimStatus.ACTIVE, ClaimStatus.RELEASED, student.pk),
        (ClaimAction.SWITCHED, "", ClaimStatus.ACTIVE, student.pk),
        (ClaimAction.RELEASED, ClaimStatus.ACTIVE, ClaimStatus.RELEASED, student.pk),
    ]


def test_switch_to_a_taken_paper_keeps_the_current_claim(student, other_student, advanced_entry, second_entry):
    claims.claim(student, advanced_entry)
    claims.claim(other_student, second_entry)
    with pytest.raises(claims.ClaimRefused):
        claims.switch(student, second_entry)
    assert Claim.objects.get(student=student, status=ClaimStatus.ACTIVE).entry == advanced_entry


def test_mentor_is_not_a_claiming_student(mentor, advanced_entry):
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(mentor, advanced_entry)
    assert refusal.value.code == "not_enrolled"


def test_students_cannot_claim_after_the_deadline(topic, student, advanced_entry):
    topic.claim_deadline = timezone.now() - timedelta(minutes=1)
    topic.save()
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(student, advanced_entry)
    assert refusal.value.code == "deadline_passed"


def test_topic_can_require_intro_reading_before_a_claim(topic, student, intro_entry, advanced_entry):
    topic.intro_papers_required = 1
    topic.save()
    assert claims.intro_papers_missing(student, topic) == 1
    with pytest.raises(claims.ClaimRefused) as refusal:
        claims.claim(student, advanced_entry)
    assert refusal.value.code == "reading_required"
    ReadingProgress.objects.create(student=student, entry=intro_entry, status=ReadingStatus.DONE)
    assert claims.claim(student, advanced_entry).status == ClaimStatus.ACTIVE


# The database backs the rules even when the domain layer is bypassed


def test_database_refuses_a_claim_on_an_intro_paper(student, topic, intro_entry):
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(topic=topic, student=student, entry=intro_entry, status=ClaimStatus.ACTIVE)


def test_database_refuses_turning_a_claimed_paper_into_an_intro_paper(student, advanced_entry):
    claims.claim(student, advanced_entry)
    advanced_entry.categories.clear()  # so that only the claim stands in the way
    advanced_entry.level = Level.INTRO
    with pytest.raises(IntegrityError), transaction.atomic():
        advanced_entry.save()


def test_database_refuses_reactivating_a_released_claim_on_a_paper_that_became_intro(student, advanced_entry):
    claim = claims.claim(student, advanced_entry)
    claims.release(student, advanced_entry.topic)
    advanced_entry.categories.clear()
    Entry.objects.filter(pk=advanced_entry.pk).update(level=Level.INTRO)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.ACTIVE)
    claim.status = ClaimStatus.ACTIVE
    with pytest.raises(IntegrityError), transaction.atomic():
        claim.save()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.RELEASED
    # A released claim on it may still change otherwise: the rule is about presenting, not history.
    Claim.objects.filter(pk=claim.pk).update(justification="kept for the record")


def test_database_refuses_a_category_on_an_intro_entry_or_from_another_topic(topic, intro_entry, advanced_entry):
    info = advanced_entry.categories.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        intro_entry.categories.add(info)
    foreign = make_category(make_topic("elsewhere"), "辅助信息")
    with pytest.raises(IntegrityError), transaction.atomic():
        advanced_entry.categories.add(foreign)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=advanced_entry.pk).update(level=Level.INTRO)


def test_database_refuses_two_open_slots_for_one_student(student, topic, advanced_entry, second_entry):
    Claim.objects.create(topic=topic, student=student, entry=advanced_entry, status=ClaimStatus.ACTIVE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(topic=topic, student=student, entry=second_entry, status=ClaimStatus.ACTIVE)


# Pages: plain POST without JavaScript, HTMX, crafted requests


def test_claim_without_javascript_redirects_back_to_the_topic(client, login, student, advanced_entry):
    login(student)
    response = client.post(claim_url(advanced_entry))
    assert response.status_code == 302
    assert response.url == advanced_entry.topic.get_absolute_url()
    assert Claim.objects.get().entry == advanced_entry
    page = client.get(response.url).content.decode()
    assert "You claimed “DMM” for your presentation." in page


def test_claim_with_htmx_answers_with_the_changed_row_the_slot_box_and_the_message(client, login, student, advanced_entry, second_entry):
    login(student)
    response = client.post(claim_url(advanced_entry), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="advanced-papers"' not in html
    assert f'<li class="paper state-mine" id="entry-{advanced_entry.pk}" hx-swap-oob="true">' in html
    assert f'id="entry-{second_entry.pk}"' not in html  # unchanged rows are not sent again
    assert '<section id="slot-panel" class="card slot-panel holding"' in html and "You claimed “DMM”" in html
    assert '<div id="live"' in html


def test_release_with_htmx_frees_the_row(client, login, student, advanced_entry):
    claims.claim(student, advanced_entry)
    login(student)
    response = client.post(release_url(advanced_entry.topic), headers=HTMX)
    assert response.status_code == 200
    assert "Yours" not in response.content.decode()
    assert Claim.objects.get().status == ClaimStatus.RELEASED


def test_switch_through_the_page(client, login, student, advanced_entry, second_entry):
    claims.claim(student, advanced_entry)
    login(student)
    response = client.post(switch_url(second_entry))
    assert response.status_code == 302
    assert Claim.objects.get(status=ClaimStatus.ACTIVE).entry == second_entry


def test_the_one_button_per_paper_switches_when_the_student_holds_a_slot(client, login, student, advanced_entry, second_entry):
    claims.claim(student, advanced_entry)
    login(student)
    response = client.post(claim_url(second_entry), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "You switched to “SKF”." in html
    assert f'<li class="paper state-mine" id="entry-{second_entry.pk}"' in html
    assert f'<li class="paper state-switchable" id="entry-{advanced_entry.pk}"' in html
    assert Claim.objects.get(status=ClaimStatus.ACTIVE).entry == second_entry
    assert list(ClaimEvent.objects.order_by("pk").values_list("action", flat=True)) == ["claimed", "switched", "switched"]


def test_crafted_post_claiming_an_intro_paper_is_refused_with_a_message(client, login, student, intro_entry):
    login(student)
    response = client.post(claim_url(intro_entry))
    assert response.status_code == 400
    assert "cannot be chosen for a presentation" in response.content.decode()
    assert not Claim.objects.exists()


def test_crafted_htmx_post_claiming_an_intro_paper_is_refused(client, login, student, intro_entry):
    login(student)
    response = client.post(claim_url(intro_entry), headers=HTMX)
    assert response.status_code == 400
    assert "cannot be chosen for a presentation" in response.content.decode()
    assert not Claim.objects.exists()


def test_stale_page_claiming_a_taken_paper_gets_409_and_the_true_state(client, login, student, other_student, advanced_entry):
    claims.claim(other_student, advanced_entry)
    login(student)
    response = client.post(claim_url(advanced_entry), headers=HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "was just taken" in html
    assert "Taken" in html
    assert Claim.objects.get().student == other_student


def test_claiming_another_topics_paper_is_404(client, login, student, topic):
    elsewhere = make_entry(type(topic).objects.create(slug="elsewhere", title="Elsewhere"), "X")
    login(student)
    assert client.post(reverse("claim_paper", args=[topic.slug, elsewhere.pk])).status_code == 404
    assert not Claim.objects.exists()


def test_outsider_cannot_claim(client, login, outsider, advanced_entry):
    login(outsider)
    assert client.post(claim_url(advanced_entry)).status_code == 404
    assert not Claim.objects.exists()


def test_claim_requires_post(client, login, student, advanced_entry):
    login(student)
    assert client.get(claim_url(advanced_entry)).status_code == 405


# The admin goes through the same rules


def test_admin_cannot_assign_an_intro_paper(client, admin_user, student, topic, intro_entry):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:students_claim_add"),
        {"topic": topic.pk, "student": student.pk, "entry": intro_entry.pk, "status": ClaimStatus.ACTIVE,
         "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0},
        follow=True,
    )
    assert "cannot be chosen for a presentation" in response.content.decode()
    assert not Claim.objects.exists()


def test_admin_assigns_an_advanced_paper_and_it_is_recorded(client, admin_user, student, topic, advanced_entry):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:students_claim_add"),
        {"topic": topic.pk, "student": student.pk, "entry": advanced_entry.pk, "status": ClaimStatus.ACTIVE,
         "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0},
    )
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert claim.entry == advanced_entry
    assert claim.events.get().actor == admin_user
    assert claim.events.get().action == ClaimAction.ASSIGNED


def test_admin_release_action_releases_and_records(client, admin_user, student, advanced_entry):
    claim = claims.claim(student, advanced_entry)
    client.force_login(admin_user)
    client.post(reverse("admin:students_claim_changelist"), {"action": "release_selected", "_selected_action": [claim.pk]})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED
    assert claim.events.last().actor == admin_user


def test_admin_cannot_turn_a_claimed_paper_into_an_intro_paper(client, admin_user, student, topic, advanced_entry):
    claims.claim(student, advanced_entry)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:papers_entry_change", args=[advanced_entry.pk]),
        {"topic": topic.pk, "paper": advanced_entry.paper.pk, "level": Level.INTRO, "position": 1},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "is claimed for a presentation and cannot become an intro paper" in response.content.decode()
    advanced_entry.refresh_from_db()
    assert advanced_entry.level == Level.ADVANCED


def test_admin_shows_a_released_claim_read_only_and_refuses_to_reactivate_it(client, admin_user, student, topic, advanced_entry):
    claim = claims.claim(student, advanced_entry)
    claims.release(student, topic)
    client.force_login(admin_user)
    url = reverse("admin:students_claim_change", args=[claim.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(url, {"entry": advanced_entry.pk, "status": ClaimStatus.ACTIVE})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RELEASED
    assert not Claim.objects.filter(status=ClaimStatus.ACTIVE).exists()
