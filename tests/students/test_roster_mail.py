"""The roster's set-password emails when the mail server is down: said, remembered, and sent again."""

import socket
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from students.models import StudentProfile
from tests.conftest import make_topic
from tests.students.test_roster import upload

pytestmark = pytest.mark.django_db

ROSTER = "李明,2024001,li@example.edu\n张华,2024002,zhang@example.edu\n"
DOWN = {
    "refused": "tests.students.mail_backends.RefusingBackend",
    "timeout": "tests.students.mail_backends.TimingOutBackend",
    "smtp error": "tests.students.mail_backends.SMTPErrorBackend",
}


@pytest.fixture
def closed_smtp_port(settings):
    """The real SMTP backend, pointed at a port on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2


def resend_url(topic, user):
    return reverse("roster_resend", args=[topic.slug, user.pk])


def sent_at(number):
    return StudentProfile.objects.get(student_number=number).invitation_sent_at


@pytest.mark.parametrize("backend", list(DOWN), ids=list(DOWN))
def test_a_mail_server_that_is_down_is_said_by_name_and_the_accounts_stay(client, admin_user, topic, settings, backend):
    settings.EMAIL_BACKEND = DOWN[backend]
    client.force_login(admin_user)
    response = upload(client, topic, ROSTER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "The mail server did not take the set-password email of 李明 (2024001), 张华 (2024002)." in html
    assert {"2024001", "2024002"} == set(StudentProfile.objects.values_list("student_number", flat=True))
    assert sent_at("2024001") is None and sent_at("2024002") is None
    for user in get_user_model().objects.filter(profile__isnull=False):
        assert resend_url(topic, user) in html  # each waits with a button to send it again


def test_a_closed_smtp_port_is_no_error_page(client, admin_user, topic, closed_smtp_port):
    client.force_login(admin_user)
    response = upload(client, topic, ROSTER)
    assert response.status_code == 200
    assert "The mail server did not take the set-password email of 李明 (2024001), 张华 (2024002)." in response.content.decode()


def test_sending_again_sends_a_fresh_link_and_the_student_stops_waiting(client, admin_user, topic, settings):
    settings.EMAIL_BACKEND = DOWN["refused"]
    client.force_login(admin_user)
    upload(client, topic, ROSTER)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    li = get_user_model().objects.get(username="2024001")
    response = client.post(resend_url(topic, li), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sent the set-password email to 李明 (2024001)." in html
    assert resend_url(topic, li) not in html
    assert resend_url(topic, get_user_model().objects.get(username="2024002")) in html
    (message,) = mail.outbox
    assert message.to == ["li@example.edu"]
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line).strip()
    assert client.get(link.replace("http://testserver", ""), follow=True).context["validlink"]
    assert sent_at("2024001") is not None and sent_at("2024002") is None


def test_sending_again_while_the_server_is_still_down_says_so(client, admin_user, topic, settings):
    settings.EMAIL_BACKEND = DOWN["timeout"]
    client.force_login(admin_user)
    upload(client, topic, ROSTER)
    li = get_user_model().objects.get(username="2024001")
    response = client.post(resend_url(topic, li), follow=True)
    assert response.status_code == 200
    assert "The mail server did not take the set-password email of 李明 (2024001)." in response.content.decode()
    assert sent_at("2024001") is None


def test_importing_the_file_again_sends_the_emails_that_failed_and_nothing_twice(client, admin_user, topic, settings):
    settings.EMAIL_BACKEND = DOWN["smtp error"]
    client.force_login(admin_user)
    upload(client, topic, ROSTER)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    upload(client, topic, ROSTER)
    upload(client, topic, ROSTER)
    assert sorted(message.to[0] for message in mail.outbox) == ["li@example.edu", "zhang@example.edu"]
    assert get_user_model().objects.filter(profile__isnull=False).count() == 2


def test_a_student_who_set_a_password_is_not_waiting(client, admin_user, topic, settings):
    settings.EMAIL_BACKEND = DOWN["refused"]
    client.force_login(admin_user)
    upload(client, topic, ROSTER)
    li = get_user_model().objects.get(username="2024001")
    li.set_password("a-long-passphrase-9")
    li.save()
    html = client.get(reverse("roster", args=[topic.slug])).content.decode()
    assert resend_url(topic, li) not in html


def test_sending_again_is_for_staff_only_and_for_the_topics_students(client, admin_user, mentor, topic, settings):
    settings.EMAIL_BACKEND = DOWN["refused"]
    client.force_login(admin_user)
    upload(client, topic, ROSTER)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    li = get_user_model().objects.get(username="2024001")
    client.force_login(mentor)
    assert client.post(resend_url(topic, li)).status_code == 302  # to the admin log-in
    client.force_login(admin_user)
    assert client.get(resend_url(topic, li)).status_code == 405
    assert client.post(resend_url(make_topic("topic-9"), li)).status_code == 404
    assert client.post(resend_url(topic, mentor)).status_code == 404
    assert not mail.outbox


def test_the_command_names_who_was_not_emailed_and_retries_when_run_again(tmp_path, topic, settings):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    settings.EMAIL_BACKEND = DOWN["refused"]
    out, err = StringIO(), StringIO()
    call_command("import_roster", str(roster), "--topic", topic.slug, "--send-email", stdout=out, stderr=err)
    assert "2 accounts created, 0 existing students enrolled, 0 unchanged, 0 rows with errors." in out.getvalue()
    assert "not emailed, the mail server did not take it: 2024001 li@example.edu" in err.getvalue()
    assert "not emailed, the mail server did not take it: 2024002 zhang@example.edu" in err.getvalue()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out, err = StringIO(), StringIO()
    call_command("import_roster", str(roster), "--topic", topic.slug, "--send-email", stdout=out, stderr=err)
    assert "0 accounts created, 0 existing students enrolled, 2 unchanged" in out.getvalue()
    assert err.getvalue() == ""
    assert len(mail.outbox) == 2 and sent_at("2024001") is not None
