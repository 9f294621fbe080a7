from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from papers.importer import import_reading_list
from papers.models import Topic
from papers.reading_list import parse
from students.models import Enrollment, Role, StudentProfile

SEED_PAGE = settings.BASE_DIR / "papers" / "data" / "xinya-topic-2.md"
DEMO_TOPIC = "xinya-2"
# username, password, first name, last name, role, student number
DEMO_ACCOUNTS = [
    ("admin", "admin-demo", "Admin", "", "admin", ""),
    ("mentor", "mentor-demo", "王", "老师", Role.MENTOR, ""),
    ("student1", "student-demo", "李", "明", Role.STUDENT, "2024000001"),
    ("student2", "student-demo", "张", "华", Role.STUDENT, "2024000002"),
    ("student3", "student-demo", "陈", "静", Role.STUDENT, "2024000003"),
]


class Command(BaseCommand):
    help = "Development only: load topic 2's reading list once and create demo accounts with known passwords."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if not settings.DEMO_ACCOUNTS_ALLOWED:
            raise CommandError(_("Demo accounts exist only in development (DEBUG=1); refusing to create them."))
        topic = Topic.objects.filter(slug=DEMO_TOPIC).first()
        if topic is None:
            summary = import_reading_list(parse(SEED_PAGE.read_text(encoding="utf-8")), slug=DEMO_TOPIC)
            topic = summary.topic
            for line in summary.lines():
                self.stdout.write(line)
        else:
            self.stdout.write(_("Topic “%(topic)s” is already loaded; left as it is.") % {"topic": topic.title})

        User = get_user_model()
        for username, password, first, last, role, number in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@example.edu",
                          "is_staff": role == "admin", "is_superuser": role == "admin"},
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            if role in Role.values:
                Enrollment.objects.get_or_create(topic=topic, user=user, defaults={"role": role})
            if number:
                StudentProfile.objects.get_or_create(user=user, defaults={"student_number": number})

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Open http://127.0.0.1:8000 and log in as one of:")))
        for username, password, _first, _last, role, _number in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {password:<14} ({role})")
