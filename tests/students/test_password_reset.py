import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_password_reset_sends_a_link_that_sets_a_new_password(client, student):
    response = client.post(reverse("password_reset"), {"email": student.email})
    assert response.status_code == 302
    (message,) = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/reset/" in line).strip()
    form_page = client.get(link.replace("http://testserver", ""), follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.request["PATH_INFO"], {"new_password1": "fresh-passphrase-42", "new_password2": "fresh-passphrase-42"}
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password("fresh-passphrase-42")


def test_password_reset_in_chinese(client, student):
    client.post(reverse("password_reset"), {"email": student.email}, headers={"Accept-Language": "zh-hans"})
    assert "密码" in mail.outbox[0].subject
