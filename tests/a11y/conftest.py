"""Every page of the site, filled with realistic data, for the accessibility, validity and phone checks.

`site` builds one topic from the real seed page (38 papers, the Markdown
introduction with its external image), a second topic whose claim deadline
has passed, three more for the catalogue (open with places, open and full,
by preference round), a persona for each state a page can be in, and what the mentor
and arXiv pages show (a pending proposal, a schedule, an import job, a title
match), and preference rounds in each state (open, allocating, a draft,
published). `PAGES` names the pages; `site.pages` says, for each, whom to
log in as and where to go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Browser, Page

from papers import arxiv_jobs
from papers.arxiv_jobs import ImportTarget
from papers.models import ArxivMatch, EnrollmentMode, Entry, Level, PageUpload, Topic, UploadedPage
from papers.reading_lists import import_reading_list, import_text, read_reading_list
from students import claims, rounds
from students.models import (
    Allocation,
    AllocationStage,
    Claim,
    Feedback,
    ReadingProgress,
    ReadingStatus,
    Role,
    Round,
    RoundState,
    StudentProfile,
    Watch,
)
from tests.browser_support import HTMX_IDLE, browser, sign_in, topic_with_papers, unhashed_static_files
from tests.conftest import PASSWORD, enroll, make_entry, make_topic, make_user

__all__ = ["browser", "topic_with_papers", "unhashed_static_files"]

ROOT = Path(__file__).resolve().parents[2]
SEED_PAGE = ROOT / "tests" / "fixtures" / "topic-2.md"
TOPIC_PAGES = ROOT / "tests" / "fixtures" / "topics"
SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 375, "height": 800}
LAPTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class SitePage:
    path: str
    user: AbstractUser | None = None  # None: signed out
    post: dict[str, str] | None = None  # submit the form with these fields (or, empty, the page's last form)
    screenshot: bool = False  # one of the main pages, photographed for the README


# Parametrize ids; the `site` fixture must define exactly these.
PAGES = [
    "login",
    "join",
    "join-errors",
    "join-signed-in",
    "password-reset",
    "password-reset-done",
    "password-reset-confirm",
    "password-reset-complete",
    "home",
    "home-empty",
    "programme",
    "programme-filtered",
    "programme-overview",
    "topic-student",
    "topic-filtered",
    "topic-claimed",
    "topic-pending",
    "topic-mentor",
    "topic-closed",
    "paper-detail",
    "student-page",
    "student-page-pending",
    "student-page-empty",
    "propose",
    "propose-errors",
    "release-confirm",
    "roster",
    "mentor-dashboard",
    "mentor-grid",
    "mentor-proposals",
    "mentor-student",
    "mentor-schedule",
    "mentor-settings",
    "mentor-settings-errors",
    "student-page-watching",
    "arxiv-import",
    "arxiv-import-preview",
    "arxiv-jobs",
    "arxiv-job",
    "arxiv-matches",
    "page-import",
    "page-import-errors",
    "page-import-preview",
    "page-import-done",
    "rounds",
    "rounds-admin",
    "rounds-open-errors",
    "topic-rounds",
    "round-ranking",
    "round-ranking-topics",
    "round-manage-open",
    "round-manage-allocating",
    "round-manage-draft",
    "round-manage-published",
    "round-result",
    "round-result-unplaced",
]


@dataclass
class Site:
    topic: Topic
    closed_topic: Topic
    reader: AbstractUser  # reads, has notes, no slot yet
    presenter: AbstractUser  # a rejected proposal, then a claimed and scheduled paper, feedback
    proposer: AbstractUser  # a pending proposal
    newcomer: AbstractUser  # in no topic
    mentor: AbstractUser
    admin: AbstractUser
    pages: dict[str, SitePage]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every persona is a real account; hashing their passwords properly only slows the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def site(db) -> Site:
    return build_site()


def build_site() -> Site:
    topic = import_reading_list(read_reading_list(SEED_PAGE.name, SEED_PAGE.read_text(encoding="utf-8")), "xinya-2").topic
    info, task = topic.categories.order_by("position")
    # Fixed values, so that the screenshots change only when the pages do.
    topic.enrollment_code = "XY2SPROUT"
    topic.claim_deadline = _at(timezone.now().year + 1, 6, 30, 18, 0)
    topic.number, topic.student_capacity = 2, 12
    topic.save()
    intro = list(topic.entries.intro().select_related("paper").order_by("position"))
    advanced = list(topic.entries.advanced().select_related("paper").order_by("position"))
    _describe(advanced[0])

    closed_topic = make_topic("xinya-3", number=3, title="多模态图像复原", claim_deadline=_at(2025, 3, 1, 18, 0))
    make_entry(closed_topic, "Restormer", level=Level.INTRO)
    make_entry(closed_topic, "PromptIR", categories=("辅助信息", "辅助任务"), position=1)
    _catalogue_topics()

    mentor = make_user("wang", first_name="老师", last_name="王")
    enroll(mentor, topic, Role.MENTOR)
    admin = get_user_model().objects.create_superuser("admin", "admin@example.edu", PASSWORD, first_name="管理员")

    reader = make_user("2024001", first_name="李明")
    enroll(reader, topic)
    enroll(reader, closed_topic)
    _read(reader, intro[0], ReadingStatus.DONE, "**Location context** helps detection:\n\n- concat at the input\n- [code](https://github.com/)")
    _read(reader, intro[1], ReadingStatus.READING)
    Watch.objects.create(user=reader, entry=advanced[0])  # claimed by the presenter below

    presenter = make_user("2024002", first_name="张华")
    enroll(presenter, topic)
    rejected = claims.propose(
        presenter, topic, claims.PaperDetails(title="A Survey of Image Dehazing", url="https://example.org/dehazing-survey"),
        justification="A survey of the field.", categories=[info],
    )
    claims.reject_proposal(rejected, actor=mentor, reason="A survey is not a research paper: choose one method.")
    claim = claims.claim(presenter, advanced[0])
    Claim.objects.filter(pk=claim.pk).update(presentation_at=_at(2026, 6, 18, 14, 30), presentation_order=3)
    _read(presenter, advanced[0], ReadingStatus.DONE, "The depth branch is only used **in training**.")
    Feedback.objects.create(topic=topic, student=presenter, author=mentor, body="Read the **ablation** in section 4 again.")
    Feedback.objects.create(topic=topic, student=presenter, author=mentor, body="Good choice: prepare 15 minutes of slides.")
    Feedback.objects.filter(student=presenter).update(created_at=_at(2026, 5, 20, 10, 0))

    proposer = make_user("2024003", first_name="王芳")
    enroll(proposer, topic)
    claims.propose(
        proposer, topic,
        claims.PaperDetails(
            title="Depth Anything: Unleashing the Power of Large-Scale Unlabeled Data", url="https://arxiv.org/abs/2401.10891",
            arxiv_id="2401.10891", authors=("Lihe Yang", "Bingyi Kang"), venue="CVPR", year=2024,
        ),
        justification="Depth as an auxiliary task, like the list's SKF.", categories=[task],
    )

    newcomer = make_user("2024009", first_name="陈晨")

    listed_arxiv_id = next(entry.paper.arxiv_id for entry in advanced if entry.paper.arxiv_id)
    job = arxiv_jobs.start_import(
        ["2401.00001", "2401.00002"], ImportTarget(topic, Level.ADVANCED, (task,)), admin,
    )
    unlisted = next(entry.paper for entry in advanced if not entry.paper.arxiv_id)
    ArxivMatch.objects.create(paper=unlisted, arxiv_id="2301.00001", title=unlisted.title, metadata={})

    preview_upload = _upload(admin, "24-mot.md", "28-openclaw.md")
    done_upload = _upload(admin, "17-hdr.md")
    import_text("17-hdr.md", (TOPIC_PAGES / "17-hdr.md").read_text(encoding="utf-8"))
    done_upload.pages.update(result="Created topic “超高动态范围与广色域显示适配” (17-hdr).")
    PageUpload.objects.filter(pk=done_upload.pk).update(imported_at=_at(2026, 5, 20, 10, 0))

    slug = topic.slug
    topic_url = topic.get_absolute_url()
    pages = {
        "login": SitePage(reverse("login"), screenshot=True),
        "join": SitePage(reverse("join"), screenshot=True),
        "join-errors": SitePage(reverse("join"), post={}),
        "join-signed-in": SitePage(reverse("join"), newcomer),
        "password-reset": SitePage(reverse("password_reset")),
        "password-reset-done": SitePage(reverse("password_reset_done")),
        "password-reset-confirm": SitePage(reverse("password_reset_confirm", kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(reader.pk)), "token": default_token_generator.make_token(reader),
        })),
        "password-reset-complete": SitePage(reverse("password_reset_complete")),
        "home": SitePage(reverse("home"), reader),
        "home-empty": SitePage(reverse("home"), newcomer),
        "programme": SitePage(reverse("programme"), mentor),
        "programme-filtered": SitePage(f"{reverse('programme')}?q=深度&mode=open&places=on", newcomer),
        "programme-overview": SitePage(reverse("programme_overview"), admin),
        "topic-student": SitePage(topic_url, reader, screenshot=True),
        "topic-filtered": SitePage(f"{topic_url}?category={task.pk}", reader),
        "topic-claimed": SitePage(topic_url, presenter, screenshot=True),
        "topic-pending": SitePage(topic_url, proposer),
        "topic-mentor": SitePage(topic_url, mentor, screenshot=True),
        "topic-closed": SitePage(closed_topic.get_absolute_url(), reader),
        "paper-detail": SitePage(reverse("paper_detail", args=[slug, intro[0].pk]), reader, screenshot=True),
        "student-page": SitePage(reverse("student_page", args=[slug]), presenter, screenshot=True),
        "student-page-pending": SitePage(reverse("student_page", args=[slug]), proposer),
        "student-page-empty": SitePage(reverse("student_page", args=[closed_topic.slug]), reader),
        "propose": SitePage(reverse("propose", args=[slug]), reader, screenshot=True),
        "propose-errors": SitePage(reverse("propose", args=[slug]), reader, post={}),
        "release-confirm": SitePage(reverse("release_paper", args=[slug]), presenter, screenshot=True),
        "roster": SitePage(reverse("roster", args=[slug]), admin),
        "mentor-dashboard": SitePage(reverse("mentor_dashboard", args=[slug]), mentor, screenshot=True),
        "mentor-grid": SitePage(reverse("mentor_grid", args=[slug]), mentor),
        "mentor-proposals": SitePage(reverse("mentor_proposals", args=[slug]), mentor, screenshot=True),
        "mentor-student": SitePage(reverse("mentor_student", args=[slug, presenter.pk]), mentor),
        "mentor-schedule": SitePage(reverse("mentor_schedule", args=[slug]), mentor, screenshot=True),
        "mentor-settings": SitePage(reverse("mentor_settings", args=[slug]), mentor),
        "mentor-settings-errors": SitePage(reverse("mentor_settings", args=[slug]), mentor, post={
            "student_capacity": "0", "claim_capacity": "", "claim_deadline": "0001-01-01T00:00"}),
        "student-page-watching": SitePage(reverse("student_page", args=[slug]), reader),
        "arxiv-import": SitePage(reverse("arxiv_import"), admin),
        # Pasted identifiers are previewed from the catalogue: arXiv is not asked.
        "arxiv-import-preview": SitePage(reverse("arxiv_import"), admin, post={"ids": f"{listed_arxiv_id} 2401.00001"}),
        "arxiv-jobs": SitePage(reverse("arxiv_jobs"), admin),
        "arxiv-job": SitePage(job.get_absolute_url(), admin),
        "arxiv-matches": SitePage(reverse("arxiv_matches"), admin),
        "page-import": SitePage(reverse("page_import"), admin),
        "page-import-errors": SitePage(reverse("page_import"), admin, post={}),
        "page-import-preview": SitePage(preview_upload.get_absolute_url(), admin),
        "page-import-done": SitePage(done_upload.get_absolute_url(), admin),
    }
    pages |= _round_pages(topic, closed_topic, reader, mentor, admin)
    assert list(pages) == PAGES, "PAGES and build_site() must name the same pages"
    return Site(topic, closed_topic, reader, presenter, proposer, newcomer, mentor, admin, pages)


def _catalogue_topics() -> None:
    """The programme's other ways in, for the catalogue: open with places, open and full, by preference round."""
    opened = make_topic(
        "xinya-5", number=5, title="单目深度估计", enrollment_mode=EnrollmentMode.OPEN, student_capacity=3,
        introduction="从**单张图像**估计场景深度：从监督学习到自监督，再到大规模预训练的深度基础模型。",
    )
    make_entry(opened, "MiDaS", level=Level.INTRO)
    make_entry(opened, "DepthAnything", categories=("深度基础模型",), position=1)
    enroll(make_user("2024011", first_name="赵敏"), opened)
    enroll(make_user("liu", first_name="老师", last_name="刘"), opened, Role.MENTOR)
    full = make_topic("xinya-6", number=6, title="多模态融合目标检测", enrollment_mode=EnrollmentMode.OPEN, student_capacity=1)
    make_entry(full, "TransFuser", categories=("融合",))
    enroll(make_user("2024012", first_name="孙悦"), full)
    ranked = make_topic(
        "xinya-7", number=7, title="红外小目标检测", enrollment_mode=EnrollmentMode.PREFERENCE,
        introduction="红外图像中的小目标只有几个像素，缺乏纹理与形状信息。",
    )
    make_entry(ranked, "DNANet", categories=("检测",))


def _round_pages(topic: Topic, closed_topic: Topic, reader: AbstractUser, mentor: AbstractUser, admin: AbstractUser) -> dict[str, SitePage]:
    """Preference rounds in every state: open (topics, and the seed topic's papers), allocating, a draft, published."""
    year = timezone.now().year
    advanced = list(topic.entries.advanced().order_by("position"))
    papers_round = rounds.open_paper_round(topic, title="2026 春季汇报文献志愿", deadline=_at(year + 1, 5, 31, 18, 0), actor=mentor)
    rounds.save_ranking(papers_round, reader, advanced[1:4])
    for index, entry in enumerate(advanced[1:4]):
        rival = make_user(f"20240{40 + index}", first_name=f"同学{index}")
        enroll(rival, topic)
        rounds.save_ranking(papers_round, rival, [entry, advanced[1]][: 1 + index % 2])

    make_topic("xinya-8", number=8, title="视觉目标跟踪", enrollment_mode=EnrollmentMode.PREFERENCE, student_capacity=2)
    topics_round = rounds.open_topic_round(title="2026 秋季专题志愿", deadline=_at(year + 1, 8, 31, 18, 0), actor=admin)
    applicant = make_user("2024020", first_name="周杰")
    StudentProfile.objects.create(user=applicant, student_number="2024020")
    rounds.save_ranking(topics_round, applicant, list(rounds.rankable(topics_round)[:2]))

    allocating = rounds.open_paper_round(closed_topic, title="多模态复原文献志愿", deadline=_at(year + 1, 1, 10, 18, 0), actor=admin)
    Round.objects.filter(pk=allocating.pk).update(
        deadline=_at(year - 1, 1, 10, 18, 0), state=RoundState.ALLOCATING, allocation_stage=AllocationStage.SOLVING,
    )

    tracking = make_topic("xinya-9", number=9, title="视频目标分割", claim_capacity=1)
    enroll(mentor, tracking, Role.MENTOR)
    make_entry(tracking, "XMem", level=Level.INTRO)
    papers = [make_entry(tracking, name, categories=("半监督",), position=index) for index, name in
              enumerate(["SAM2", "Cutie", "DEVA", "STCN"], start=1)]
    students = [make_user(f"20240{50 + index}", first_name=name) for index, name in enumerate(["吴桐", "郑爽", "冯瑶", "陈立", "褚然", "卫青"])]
    for student in students:
        enroll(student, tracking)
    first = rounds.open_paper_round(tracking, title="第一轮文献志愿", deadline=_at(year + 1, 3, 1, 18, 0), actor=mentor)
    rounds.save_ranking(first, students[0], [papers[0], papers[1]])
    rounds.save_ranking(first, students[1], [papers[0]])
    rounds.save_ranking(first, students[2], [papers[0]])
    _allocate(first, mentor)
    rounds.publish(first, actor=mentor)
    results = {row.student_id: row for row in Allocation.objects.filter(round=first)}
    placed = next(student for student in students[:3] if results[student.pk].place_id)
    unplaced = next(student for student in students[:3] if not results[student.pk].place_id)
    Round.objects.filter(pk=first.pk).update(published_at=_at(year - 1, 3, 2, 9, 0))

    second = rounds.open_paper_round(tracking, title="第二轮文献志愿", deadline=_at(year + 1, 4, 1, 18, 0), actor=mentor)
    for student in [unplaced, *students[3:]]:
        rounds.save_ranking(second, student, [papers[2], papers[3]])
    _allocate(second, mentor)
    moved = Allocation.objects.filter(round=second, rank=2).first()
    if moved is not None:
        rounds.move(second, moved.student, None, actor=mentor)

    return {
        "rounds": SitePage(reverse("rounds"), applicant),
        "rounds-admin": SitePage(reverse("rounds"), admin),
        "rounds-open-errors": SitePage(reverse("rounds"), admin, post={}),
        "topic-rounds": SitePage(reverse("topic_rounds", args=[topic.slug]), mentor),
        "round-ranking": SitePage(papers_round.get_absolute_url(), reader),
        "round-ranking-topics": SitePage(topics_round.get_absolute_url(), applicant),
        "round-manage-open": SitePage(reverse("round_manage", args=[papers_round.pk]), mentor),
        "round-manage-allocating": SitePage(reverse("round_manage", args=[allocating.pk]), admin),
        "round-manage-draft": SitePage(reverse("round_manage", args=[second.pk]), mentor),
        "round-manage-published": SitePage(reverse("round_manage", args=[first.pk]), mentor),
        "round-result": SitePage(first.get_absolute_url(), placed),
        "round-result-unplaced": SitePage(first.get_absolute_url(), unplaced),
    }


def _allocate(round_: Round, actor: AbstractUser) -> None:
    Round.objects.filter(pk=round_.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    rounds.start_allocation(round_, actor=actor)
    rounds.run_allocation(round_.pk)


def _at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def _upload(admin: AbstractUser, *names: str) -> PageUpload:
    upload = PageUpload.objects.create(created_by=admin)
    for position, name in enumerate(names, start=1):
        UploadedPage.objects.create(
            upload=upload, position=position, name=name, slug=name.removesuffix(".md"),
            text=(TOPIC_PAGES / name).read_text(encoding="utf-8"),
        )
    return upload


def _describe(entry: Entry) -> None:
    paper = entry.paper
    paper.authors = ["Ke Wang", "Yuxin Zhang", "Hao Li"]
    paper.abstract = "Depth cues injected at the input make detection in haze and at night more robust."
    paper.save()


def _read(student: AbstractUser, entry: Entry, status: str, notes: str = "") -> None:
    ReadingProgress.objects.create(student=student, entry=entry, status=status, notes=notes)


# The browser side


@pytest.fixture
def open_page(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """Opens a site page as its persona, in Chinese by default, with no request leaving the live server."""
    contexts = []

    def open_(spec: SitePage, *, viewport: dict = LAPTOP, locale: str = "zh-CN") -> Page:
        phone = viewport["width"] < 600
        # axe-core goes in as an inline script, which the site's Content-Security-Policy refuses;
        # tests/security/test_csp_in_browser.py opens every page under the policy.
        context = browser.new_context(locale=locale, viewport=viewport, is_mobile=phone, has_touch=phone, bypass_csp=True)
        contexts.append(context)
        context.set_default_timeout(10_000)
        context.route(re.compile(rf"^(?!{re.escape(live_server.url)}/)"), lambda route: route.abort())
        if spec.user is not None:
            sign_in(context, spec.user, live_server.url)
        page = context.new_page()
        visit(page, live_server.url, spec)
        return page

    yield open_
    for context in contexts:
        context.close()


def visit(page: Page, base_url: str, spec: SitePage) -> None:
    page.goto(base_url + spec.path)
    if spec.post is not None:
        submit(page, spec.post)
    assert page.evaluate("typeof htmx") == "object", "htmx did not load"


def submit(page: Page, fields: dict[str, str]) -> None:
    """Fills `fields` in and submits their form, by htmx or by a page load, whichever the form does."""
    for name, value in fields.items():
        page.locator(f"main [name='{name}']").fill(value)
    form = page.locator(f"main form:has([name='{next(iter(fields))}'])" if fields else "main form").last
    button = form.locator("button[type=submit]").last
    if form.get_attribute("hx-post") is None:
        with page.expect_navigation():
            button.click()
    else:
        with page.expect_response(lambda response: response.request.method == "POST"):
            button.click()
        page.wait_for_function(HTMX_IDLE)


def in_english(page: Page, base_url: str, spec: SitePage) -> None:
    """The same page again, in English, whose words are longer than the Chinese ones."""
    # The cookie the language switcher sets; it outranks the browser's Accept-Language.
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base_url}])
    visit(page, base_url, spec)
    assert page.evaluate("document.documentElement.lang") == "en"


# The checkers, installed by `npm ci` from package.json

NODE_MODULES = ROOT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"


def installed(tool: Path) -> Path:
    if not tool.exists():
        pytest.fail(
            f"{tool.relative_to(ROOT)} is missing: run `npm ci --no-audit --no-fund --ignore-scripts` in {ROOT} "
            "(package.json pins axe-core and vnu-jar; `make test` does it).",
            pytrace=False,
        )
    return tool
