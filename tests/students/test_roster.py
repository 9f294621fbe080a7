from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse

from students.forms import SignUpForm
from students.models import Enrollment, StudentProfile
from students.roster import import_roster

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


# Bad rows: each reported by line with the reason, the good rows imported, never a 500


def numbers() -> set[str]:
    return set(StudentProfile.objects.values_list("student_number", flat=True))


GOOD_ROW = "李明,2024001,li@example.edu\n"


@pytest.mark.parametrize("row, reason", [
    ("张华,2024\x00002,zhang@example.edu", "Line 2: the student number contains a control character"),
    ("张\x00华,2024002,zhang@example.edu", "Line 2: the name contains a control character"),
    ("张华,2024002,zhang\x00@example.edu", "Line 2: the email contains a control character"),
    ("张" * 200 + ",2024002,zhang@example.edu", "Line 2: the name is longer than 150 characters"),
    ("张华," + "9" * 40 + ",zhang@example.edu", "A student number has 4 to 32 letters or digits."),
    ("张华,2024-002,zhang@example.edu", "Line 2: student number “2024-002”: A student number has 4 to 32 letters or digits."),
    ("张华,202,zhang@example.edu", "A student number has 4 to 32 letters or digits."),
    ("张华,2024002," + "z" * 243 + "@example.edu", "Line 2: the email address is longer than 254 characters"),
    ("张华,2024002,zhang@", "Line 2: “zhang@” is not a valid email address"),
    ("张华,2024001,zhang@example.edu", "Line 2: student number 2024001 is already on line 1"),
    ("张华,2024002,LI@example.edu", "Line 2: the email LI@example.edu is already on line 1"),
    ("张华,2024002,admin@example.edu", "Line 2: the email admin@example.edu belongs to another account"),
    ("张华,admin,zhang@example.edu", "Line 2: the student number admin is the username of another account"),
    ('"张华,2024002,zhang@example.edu', "Line 2: missing student number, email"),
    ("x" * 200_000 + ",2024002,zhang@example.edu", "Line 2: this line cannot be read as CSV"),
])
def test_a_bad_row_is_reported_by_line_and_the_good_rows_import(client, admin_user, topic, row, reason):
    client.force_login(admin_user)
    response = upload(client, topic, GOOD_ROW + row + "\n")
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert numbers() == {"2024001"}
    assert get_user_model().objects.count() == 2  # the admin and 李明


@pytest.mark.parametrize("number", ["abc", "a" * 33, "9" * 40, "2024 001", "２０２４００１", "李明001", "2024-001", "AB12", "2024001\n"])
def test_the_roster_and_sign_up_take_the_same_student_numbers(topic, number):
    form = SignUpForm(data={
        "code": topic.enrollment_code, "name": "李明", "student_number": number, "email": "li@example.edu",
        "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9",
    })
    signs_up = form.is_valid()  # before the roster creates the account
    report = import_roster(f'李明,"{number}",li@example.edu\n', topic)
    assert signs_up == bool(report.created), number
    if report.errors:
        assert "A student number has 4 to 32 letters or digits." in form.errors["student_number"]
        assert "A student number has 4 to 32 letters or digits." in report.errors[0][1]


def test_a_database_error_half_way_writes_nothing(client, admin_user, topic, monkeypatch):
    from students import roster

    real_create, calls = roster.create_student, []

    def create_then_fail(**fields):
        calls.append(fields)
        if len(calls) == 2:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_create(**fields)

    monkeypatch.setattr(roster, "create_student", create_then_fail)
    client.force_login(admin_user)
    response = upload(client, topic, GOOD_ROW + "张华,2024002,zhang@example.edu\n王芳,2024003,wang@example.edu\n")
    assert response.status_code == 400
    assert "nothing was imported" in response.content.decode()
    assert not StudentProfile.objects.exists() and not Enrollment.objects.exists()
    assert not mail.outbox


def test_a_roster_with_too_many_rows_imports_nothing(client, admin_user, topic):
    client.force_login(admin_user)
    text = "".join(f"学生{index},{2030000 + index},s{index}@example.edu\n" for index in range(2001))
    response = upload(client, topic, text)
    assert response.status_code == 400
    assert "The roster has more than 2000 rows: split it." in response.content.decode()
    assert not StudentProfile.objects.exists()


def test_importing_a_roster_with_bad_rows_twice_changes_nothing_the_second_time(client, admin_user, topic):
    client.force_login(admin_user)
    upload(client, topic, ROSTER + "张\x00,2024009,x@example.edu\n")
    before = (list(get_user_model().objects.order_by("pk").values()), list(Enrollment.objects.values()), len(mail.outbox))
    response = upload(client, topic, ROSTER + "张\x00,2024009,x@example.edu\n")
    after = (list(get_user_model().objects.order_by("pk").values()), list(Enrollment.objects.values()), len(mail.outbox))
    assert after == before
    assert "0 accounts created, 0 existing students enrolled, 2 unchanged, 4 rows with errors." in response.content.decode()


def test_the_roster_command_reports_bad_rows_like_the_page(tmp_path, topic):
    roster = tmp_path / "roster.csv"
    roster.write_text(GOOD_ROW + "张\x00华,2024002,z@example.edu\n王芳," + "9" * 40 + ",w@example.edu\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_roster", str(roster), "--topic", topic.slug, stdout=out, stderr=err)
    assert "1 accounts created, 0 existing students enrolled, 0 unchanged, 2 rows with errors." in out.getvalue()
    assert "line 2: the name contains a control character" in err.getvalue()
    assert "line 3: student number “" in err.getvalue()
    assert numbers() == {"2024001"}
