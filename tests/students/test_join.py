import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from students.models import Enrollment, Role, StudentProfile
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def sign_up(client, topic, **overrides):
    data = {
        "code": topic.enrollment_code, "name": "李明", "student_number": "2024001", "email": "li@example.edu",
        "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9", **overrides,
    }
    return client.post(reverse("join"), data)


def test_new_student_signs_up_with_the_code_and_lands_on_the_topic(client, topic):
    response = sign_up(client, topic)
    assert response.status_code == 302
    assert response.url == topic.get_absolute_url()
    user = get_user_model().objects.get(username="2024001")
    assert (user.first_name, user.email) == ("李明", "li@example.edu")
    assert StudentProfile.objects.get(user=user).student_number == "2024001"
    assert Enrollment.objects.get(user=user, topic=topic).role == Role.STUDENT
    assert client.get(topic.get_absolute_url()).status_code == 200  # logged in


def test_code_is_case_insensitive(client, topic):
    assert sign_up(client, topic, code=f"  {topic.enrollment_code.lower()} ").status_code == 302


def test_wrong_code_is_refused_and_creates_no_account(client, topic):
    response = sign_up(client, topic, code="NOPE1234")
    assert response.status_code == 400
    assert "No topic has this enrollment code" in response.content.decode()
    assert not get_user_model().objects.exists()


def test_taken_student_number_is_refused(client, topic):
    sign_up(client, topic)
    client.logout()
    response = sign_up(client, topic, email="other@example.edu")
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_weak_or_mismatched_passwords_are_refused(client, topic):
    assert sign_up(client, topic, password1="123", password2="123").status_code == 400
    assert sign_up(client, topic, password2="something-else-9").status_code == 400
    assert not get_user_model().objects.exists()


def test_logged_in_user_joins_with_just_the_code(client, topic):
    user = make_user("existing")
    client.force_login(user)
    response = client.post(reverse("join"), {"code": topic.enrollment_code})
    assert response.status_code == 302
    assert Enrollment.objects.filter(user=user, topic=topic, role=Role.STUDENT).exists()


def test_joining_twice_changes_nothing_and_a_mentor_stays_a_mentor(client, topic, mentor):
    client.force_login(mentor)
    client.post(reverse("join"), {"code": topic.enrollment_code})
    assert Enrollment.objects.get(user=mentor, topic=topic).role == Role.MENTOR


def test_student_logs_in_with_their_student_number(client, topic):
    sign_up(client, topic)
    client.logout()
    response = client.post(reverse("login"), {"username": "2024001", "password": "a-long-passphrase-9"})
    assert response.status_code == 302


def test_join_page_prefills_the_code_from_a_shared_link(client, topic):
    html = client.get(reverse("join") + f"?code={topic.enrollment_code}").content.decode()
    assert f'value="{topic.enrollment_code}"' in html


@pytest.mark.parametrize("overrides", [
    {"email": "l" * 243 + "@example.edu"},  # 255 characters: more than an account holds
    {"name": "李" * 151},
    {"student_number": "9" * 40},
    {"name": "李\x00明"},
])
def test_sign_up_refuses_what_an_account_cannot_hold_and_creates_nothing(client, topic, overrides):
    response = sign_up(client, topic, **overrides)
    assert response.status_code == 400
    assert not get_user_model().objects.exists()


# The joining rules: places, the programme's limit, open topics.


def test_a_full_topic_refuses_a_code_join_and_creates_no_account(client, topic, db):
    from django.contrib.auth import get_user_model

    from papers.models import Topic
    from tests.conftest import enroll, make_user

    Topic.objects.filter(pk=topic.pk).update(student_capacity=1)
    enroll(make_user("first"), topic)
    response = client.post(reverse("join"), {
        "code": topic.enrollment_code, "name": "李明", "student_number": "2024123456", "email": "li@example.edu",
        "password1": "a long enough passphrase", "password2": "a long enough passphrase",
    })
    assert response.status_code == 409
    assert "is full: all 1 places are taken" in response.content.decode()
    assert not get_user_model().objects.filter(username="2024123456").exists()


def test_a_student_in_as_many_topics_as_the_programme_allows_cannot_join_another(client, student, topic, db):
    from tests.conftest import make_topic

    other = make_topic("other")
    client.force_login(student)
    response = client.post(reverse("join"), {"code": other.enrollment_code})
    assert response.status_code == 409
    assert "as many as the programme allows" in response.content.decode()
    assert not other.enrollments.exists()


def test_joining_twice_is_not_refused_by_the_limit(client, student, topic):
    client.force_login(student)
    response = client.post(reverse("join"), {"code": topic.enrollment_code}, follow=True)
    assert "You are already in" in response.content.decode()
