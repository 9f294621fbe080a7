from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from papers.models import EnrollmentMode, Topic
from papers.reading_lists import import_file, slug_for_file
from students.models import Enrollment, Role, StudentProfile

TOPIC_PAGES = settings.BASE_DIR / "papers" / "data" / "topics"
# The demo mentor mentors these two; the demo students read the first.
DEMO_TOPICS = ["02-auxiliary", "24-mot"]
# Open for joining from the catalogue when first loaded, so that a student in no topic (student4) can try it.
OPEN_TOPIC, OPEN_PLACES = "24-mot", 12
# username, password, first name, last name, role, student number
DEMO_ACCOUNTS = [
    ("admin", "admin-demo", "Admin", "", "admin", ""),
    ("mentor", "mentor-demo", "王", "老师", Role.MENTOR, ""),
    ("student1", "student-demo", "李", "明", Role.STUDENT, "2024000001"),
    ("student2", "student-demo", "张", "华", Role.STUDENT, "2024000002"),
    ("student3", "student-demo", "陈", "静", Role.STUDENT, "2024000003"),
    ("student4", "student-demo", "刘", "洋", "student, no topic yet", "2024000004"),
]


class Command(BaseCommand):
    help = "Development only: load the programme's topic pages once and create demo accounts with known passwords."

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_ACCOUNTS_ALLOWED:
            raise CommandError(_("Demo accounts exist only in development (DEBUG=1); refusing to create them."))
        loaded = self._load_topics()
        if OPEN_TOPIC in loaded:
            Topic.objects.filter(slug=OPEN_TOPIC).update(enrollment_mode=EnrollmentMode.OPEN, student_capacity=OPEN_PLACES)
        with transaction.atomic():
            self._create_accounts()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Open http://127.0.0.1:8000 and log in as one of:")))
        for username, password, _first, _last, role, _number in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {password:<14} ({role})")

    def _load_topics(self) -> set[str]:
        """The slugs of the topics loaded now; those already there are left as they are."""
        pages = sorted(TOPIC_PAGES.glob("*.md"))
        known = set(Topic.objects.values_list("slug", flat=True))
        loaded = set()
        for page in pages:
            if slug_for_file(page.name) in known:
                continue
            outcome = import_file(page.name, page.read_bytes())
            if outcome.error:
                raise CommandError(outcome.error)
            loaded.add(slug_for_file(page.name))
        self.stdout.write(
            _("Topics: %(loaded)d loaded, %(kept)d already there and left as they are.")
            % {"loaded": len(loaded), "kept": len(pages) - len(loaded)}
        )
        return loaded

    def _create_accounts(self) -> None:
        topics = [Topic.objects.get(slug=slug) for slug in DEMO_TOPICS]
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
            for topic in topics if role == Role.MENTOR else topics[:1] if role == Role.STUDENT else []:
                Enrollment.objects.get_or_create(topic=topic, user=user, defaults={"role": role})
            if number:
                StudentProfile.objects.get_or_create(user=user, defaults={"student_number": number})
