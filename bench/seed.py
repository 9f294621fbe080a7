"""A programme to benchmark against, written with bulk_create in a few seconds.

40 topics of 38 papers (12 intro, 26 advanced in 2 to 4 categories) and 30 students each, with reading
progress, claims, a few proposals, released claims and feedback; then one large topic of 500 papers and
200 students. Call seed() inside a configured Django, on an empty, migrated database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.utils import timezone

from papers.models import Category, Entry, Level, Material, Paper, Topic
from students.models import (
    Claim,
    ClaimAction,
    ClaimEvent,
    ClaimStatus,
    Enrollment,
    Feedback,
    ReadingProgress,
    ReadingStatus,
    Role,
    StudentProfile,
)

TOPICS = 40
PAPERS, INTRO_PAPERS, STUDENTS = 38, 12, 30
LARGE_PAPERS, LARGE_STUDENTS = 500, 200
CATEGORY_NAMES = ["辅助信息", "辅助任务", "数据集", "评测", "高效推理"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["子涵", "雨桐", "浩然", "欣怡", "梓轩", "思源", "一诺", "宇航", "佳琪", "明哲", "若曦", "俊杰"]
VENUES = ["CVPR", "ICCV", "ECCV", "NeurIPS", "ICLR", "ICML", "AAAI", "TPAMI", "ACL", "EMNLP"]
WORDS = (
    "efficient robust multi-scale transformer diffusion contrastive self-supervised video tracking detection "
    "segmentation depth generation retrieval alignment learning representation attention network adaptive "
    "benchmark unified sparse dense temporal spatial fusion knowledge distillation prompt"
).split()
UNUSABLE_PASSWORD = "!bench-unusable"  # noqa: S105 - marks the accounts as having no password at all


@dataclass
class Persona:
    """A logged-in person: a session the load generator sends as a cookie, and a CSRF token for POSTs."""

    user_id: int
    session_key: str
    csrf_secret: str
    csrf_token: str

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session_key}; csrftoken={self.csrf_secret}"


@dataclass
class SeededTopic:
    topic: Topic
    mentor: Persona
    student: Persona  # holds no slot, has read some papers
    free_entries: list[int] = field(default_factory=list)  # advanced entries nobody claimed
    idle_students: list[int] = field(default_factory=list)  # students without a slot


@dataclass
class Programme:
    typical: SeededTopic  # 38 papers, 30 students
    large: SeededTopic  # 500 papers, 200 students
    staff: Persona
    newcomer: Persona  # a student in no topic yet: the catalogue is their home page
    counts: dict[str, int]

    def cycle_students(self, how_many: int) -> list[tuple[Persona, int]]:
        """Students of the typical topic without a slot, each with a free paper of their own to claim."""
        pairs = list(zip(self.typical.idle_students[1:], self.typical.free_entries, strict=False))[:how_many]
        if len(pairs) < how_many:
            raise RuntimeError(f"only {len(pairs)} students and free papers to claim and release with")
        return [(login(user_id), entry_id) for user_id, entry_id in pairs]


def login(user_id: int) -> Persona:
    """A session as django.contrib.auth.login() makes it, stored in the session backend."""
    user = get_user_model().objects.get(pk=user_id)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    secret = _get_new_csrf_string()
    return Persona(user_id=user.pk, session_key=session.session_key, csrf_secret=secret, csrf_token=_mask_cipher_secret(secret))


def seed() -> Programme:
    rng = random.Random(2024)
    now = timezone.now()
    User = get_user_model()
    staff = User.objects.create(
        username="bench-admin", password=UNUSABLE_PASSWORD, is_staff=True, is_superuser=True
    )
    topics = []
    for number in range(1, TOPICS + 2):
        large = number == TOPICS + 1
        topic = Topic(
            slug=f"bench-{number:02d}", number=number, title=f"专题 {number}: " + _phrase(rng, 4),
            introduction="\n\n".join(_phrase(rng, 40) + "." for _ in range(3)),
            claim_deadline=now + timedelta(days=30),
        )
        topic.render_introduction()
        topics.append((topic, large))
    Topic.objects.bulk_create([topic for topic, _ in topics])

    categories, papers, entries, materials = [], [], [], []
    for topic, large in topics:
        names = rng.sample(CATEGORY_NAMES, rng.randint(2, 4))
        categories += [Category(topic=topic, name=name, position=i) for i, name in enumerate(names)]
        materials += [
            Material(topic=topic, title=_phrase(rng, 5), url=f"https://example.org/{topic.slug}/m{i}", position=i)
            for i in range(3)
        ]
        count = LARGE_PAPERS if large else PAPERS
        intro = round(count * INTRO_PAPERS / PAPERS)
        for position in range(count):
            paper = _paper(rng, f"{topic.slug}-{position}", len(papers))
            papers.append(paper)
            entries.append(Entry(
                topic=topic, paper=paper, position=position, level=Level.INTRO if position < intro else Level.ADVANCED
            ))
    Category.objects.bulk_create(categories)
    Material.objects.bulk_create(materials)
    Paper.objects.bulk_create(papers, batch_size=500)
    Entry.objects.bulk_create(entries, batch_size=500)
    by_topic = {}
    for category in categories:
        by_topic.setdefault(category.topic_id, []).append(category)
    Entry.categories.through.objects.bulk_create(
        [
            Entry.categories.through(entry_id=entry.pk, category_id=category.pk)
            for entry in entries if entry.level == Level.ADVANCED
            for category in rng.sample(by_topic[entry.topic_id], rng.choice([1, 1, 2]))
        ],
        batch_size=1000,
    )

    people, profiles, enrollments = [], [], []
    for topic, large in topics:
        for i in range(LARGE_STUDENTS if large else STUDENTS):
            user = User(
                username=f"{topic.slug}-s{i:03d}", password=UNUSABLE_PASSWORD,
                last_name=rng.choice(SURNAMES), first_name=rng.choice(GIVEN), email=f"{topic.slug}-s{i}@example.edu",
            )
            people.append((topic, user))
        mentor = User(username=f"{topic.slug}-mentor", password=UNUSABLE_PASSWORD, last_name="导师", first_name=topic.slug)
        people.append((topic, mentor))
    User.objects.bulk_create([user for _, user in people], batch_size=500)
    for topic, user in people:
        is_mentor = user.username.endswith("-mentor")
        enrollments.append(Enrollment(
            topic=topic, user=user, role=Role.MENTOR if is_mentor else Role.STUDENT,
            last_activity_at=None if is_mentor or rng.random() < 0.1 else now - timedelta(hours=rng.randint(1, 600)),
        ))
        if not is_mentor:
            profiles.append(StudentProfile(user=user, student_number=f"2024{len(profiles):06d}"))
    Enrollment.objects.bulk_create(enrollments, batch_size=500)
    StudentProfile.objects.bulk_create(profiles, batch_size=500)

    topic_entries = {}
    for entry in entries:
        topic_entries.setdefault(entry.topic_id, []).append(entry)
    students = {}
    for topic, user in people:
        if not user.username.endswith("-mentor"):
            students.setdefault(topic.pk, []).append(user)
    progress, claims, released, proposals, feedback = [], [], [], [], []
    seeded = {}
    for topic, _large in topics:
        listed = topic_entries[topic.pk]
        intro = [entry for entry in listed if entry.level == Level.INTRO]
        advanced = [entry for entry in listed if entry.level == Level.ADVANCED]
        free = list(advanced)
        rng.shuffle(free)
        idle = []
        for i, user in enumerate(students[topic.pk]):
            read = rng.sample(intro, rng.randint(0, len(intro))) + rng.sample(advanced, rng.randint(0, min(6, len(advanced))))
            progress += [
                ReadingProgress(student=user, entry=entry, status=rng.choice([ReadingStatus.DONE] * 3 + [ReadingStatus.READING]),
                                notes=_phrase(rng, 12) if rng.random() < 0.2 else "")
                for entry in read
            ]
            # The first student of each topic is the one who browses: no slot yet, so every free paper offers a button.
            if i == 0 or rng.random() < 0.45:
                idle.append(user)
            elif rng.random() < 0.1:
                paper = _paper(rng, f"{topic.slug}-proposal-{i}", len(papers))
                papers.append(paper)
                proposals.append(Claim(topic=topic, student=user, status=ClaimStatus.PROPOSED, proposed_paper=paper,
                                       justification=_phrase(rng, 20)))
            else:
                entry = free.pop()
                claims.append(Claim(topic=topic, student=user, entry=entry, status=ClaimStatus.ACTIVE,
                                    presentation_at=now + timedelta(days=rng.randint(1, 40)) if rng.random() < 0.5 else None))
                if rng.random() < 0.3:
                    released.append(Claim(topic=topic, student=user, entry=rng.choice(advanced), status=ClaimStatus.RELEASED))
            if rng.random() < 0.2:
                feedback.append(Feedback(topic=topic, student=user, body=_phrase(rng, 25)))
        seeded[topic.pk] = (free, idle)
    Paper.objects.bulk_create(papers[len(entries):])
    ReadingProgress.objects.bulk_create(progress, batch_size=1000)
    # Released first: a topic's last claim event is then an open claim's, as in a programme under way.
    Claim.objects.bulk_create(released + claims + proposals, batch_size=500)
    ClaimEvent.objects.bulk_create(
        [
            event
            for claim in released + claims + proposals
            for event in _events(claim)
        ],
        batch_size=1000,
    )
    Feedback.objects.bulk_create(feedback)

    def seeded_topic(topic: Topic) -> SeededTopic:
        free, idle = seeded[topic.pk]
        mentor = next(user for t, user in people if t is topic and user.username.endswith("-mentor"))
        return SeededTopic(
            topic=topic, mentor=login(mentor.pk), student=login(idle[0].pk),
            free_entries=[entry.pk for entry in free], idle_students=[user.pk for user in idle],
        )

    return Programme(
        typical=seeded_topic(topics[0][0]),
        large=seeded_topic(topics[-1][0]),
        staff=login(staff.pk),
        newcomer=login(User.objects.create(username="bench-newcomer", password=UNUSABLE_PASSWORD, first_name="新生").pk),
        counts={
            "topics": len(topics), "papers": len(papers), "students": len(profiles),
            "reading rows": len(progress), "claims": len(released) + len(claims) + len(proposals),
        },
    )


def _events(claim: Claim) -> list[ClaimEvent]:
    if claim.status == ClaimStatus.PROPOSED:
        return [ClaimEvent(claim=claim, actor=claim.student, action=ClaimAction.PROPOSED, to_status=ClaimStatus.PROPOSED)]
    events = [ClaimEvent(claim=claim, actor=claim.student, action=ClaimAction.CLAIMED, to_status=ClaimStatus.ACTIVE,
                         entry=claim.entry)]
    if claim.status == ClaimStatus.RELEASED:
        events.append(ClaimEvent(claim=claim, actor=claim.student, action=ClaimAction.RELEASED,
                                 from_status=ClaimStatus.ACTIVE, to_status=ClaimStatus.RELEASED, entry=claim.entry))
    return events


def _paper(rng: random.Random, key: str, serial: int) -> Paper:
    title = _phrase(rng, rng.randint(6, 12)).title()
    on_arxiv = serial % 5 != 0
    paper = Paper(
        title=title, short_name=title.split()[0][:12] + f"-{serial}" if rng.random() < 0.7 else "",
        arxiv_id=f"24{serial // 10000:02d}.{serial % 10000:05d}" if on_arxiv else None,
        url=None if on_arxiv else f"https://example.org/papers/{key}",
        venue=rng.choice(VENUES), year=rng.randint(2015, 2025),
        authors=[f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}" for _ in range(rng.randint(2, 6))],
        abstract=" ".join(_phrase(rng, 15) + "." for _ in range(8)),
    )
    paper.fill_keys()
    return paper


def _phrase(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))
