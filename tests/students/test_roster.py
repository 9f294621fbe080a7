from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from students.models import Enrollment, StudentProfile

pytestmark = pytest.mark.django_db

ROSTER = """name,student number,email
李明,2024001,li@example.edu
张华,2024002,zhang@example.edu
,2024003,missing-name@example.edu
陈静,2024004,not-an-email
王芳,2024001,dup@example.edu
"""


def upload(client, topic, text: str, name="roster.csv"):
    return client.post(
        reverse("roster", args=[topic.slug]),
        {"file": SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")},
    )


def test_good_rows_import_and_bad_rows_are_reported_by_line(client, admin_user, topic):
    client.force_login(admin_user)
    response = upload(client, topic, ROSTER)
    html = response.content.decode()
    assert response.status_code == 200
    assert set(StudentProfile.objects.values_list("student_number", flat=True)) == {"2024001", "2024002"}
    assert Enrollment.objects.filter(topic=topic).count() == 2
    assert "Line 4: missing name" in html
    assert "Line 5: “not-an-email” is not a valid email address" in html
    assert "Line 6: student number 2024001 is already on line 2" in html


def test_each_new_student_is_emailed_a_set_password_link(client, admin_user, topic):
    client.force_login(admin_user)
    upload(client, topic, ROSTER)
    assert sorted(message.to[0] for message in mail.outbox) == ["li@example.edu", "zhang@example.edu"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    response = client.get(link.strip().replace("http://testserver", ""), follow=True)
    assert response.context["validlink"]


def test_importing_the_same_roster_twice_creates_nothing_twice(client, admin_user, topic):
    client.force_login(admin_user)
    upload(client, topic, ROSTER)
    upload(client, topic, ROSTER)
    assert get_user_model().objects.filter(profile__isnull=False).count() == 2
    assert Enrollment.objects.filter(topic=topic).count() == 2
    assert len(mail.outbox) == 2


def test_roster_in_chinese_headers_or_without_header(client, admin_user, topic):
    client.force_login(admin_user)
    upload(client, topic, "学号,姓名,邮箱\n2024010,周杰,zhou@example.edu\n")
    upload(client, topic, "吴磊,2024011,wu@example.edu\n")
    assert set(StudentProfile.objects.values_list("student_number", flat=True)) == {"2024010", "2024011"}
    assert get_user_model().objects.get(username="2024010").first_name == "周杰"


def test_roster_that_is_not_utf8_is_a_clear_error(client, admin_user, topic):
    client.force_login(admin_user)
    response = client.post(
        reverse("roster", args=[topic.slug]),
        {"file": SimpleUploadedFile("roster.csv", "李明,2024001,li@example.edu".encode("gbk"))},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert not StudentProfile.objects.exists()


def test_roster_page_is_for_staff_only(client, mentor, topic):
    client.force_login(mentor)
    response = upload(client, topic, ROSTER)
    assert response.status_code == 302  # to the admin log-in
    assert not StudentProfile.objects.exists()


def test_roster_command_prints_set_password_links(tmp_path, topic):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_roster", str(roster), "--topic", topic.slug, stdout=out, stderr=err)
    assert "2 accounts created" in out.getvalue()
    assert out.getvalue().count("/accounts/reset/") == 2
    assert "line 4: missing name" in err.getvalue()
