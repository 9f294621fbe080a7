"""import_arxiv: the import page's job, from the shell, with a progress bar and the same summary."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.management.commands.import_arxiv import ProgressBar
from papers.models import Entry, ImportJob, Paper
from tests.conftest import make_category
from tests.papers.test_arxiv_fakes import FakeArxiv, fake_arxiv  # noqa: F401

pytestmark = pytest.mark.django_db


def import_arxiv(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_arxiv", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def categories(topic):
    return make_category(topic, "辅助信息"), make_category(topic, "辅助任务")


def test_command_imports_onto_the_topic_with_a_progress_bar_and_a_summary(topic, categories, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001", "2401.00002")

    out, err = import_arxiv(
        "https://arxiv.org/abs/2401.00001v2", "arXiv:2401.00002",
        "--topic", topic.slug, "--level", "advanced", "--category", "辅助任务", "--category", "辅助信息",
    )

    assert err.splitlines() == [f"[{'.' * 30}] 0/2   0%", f"[{'#' * 30}] 2/2 100%"]
    assert out.splitlines() == [
        "Created: 2 · updated: 0 · unchanged: 0 · failed: 0.",
        f"Added to “{topic.title}”: 2; the others were already on its list and were left as they are.",
    ]
    entry = Entry.objects.get(topic=topic, paper__arxiv_id="2401.00001")
    assert entry.category_names == ["辅助信息", "辅助任务"]


def test_command_names_the_failed_ids_and_exits_with_an_error(topic, fake_arxiv: FakeArxiv):
    fake_arxiv.know("2401.00001")
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 of 2 papers failed \(job #\d+\)"):
        call_command("import_arxiv", "2401.00001", "2401.00002", "--topic", topic.slug, "--level", "intro", stdout=out, stderr=StringIO())

    assert "  ✗ 2401.00002: arXiv has no paper with the identifier 2401.00002." in out.getvalue()
    assert Paper.objects.filter(arxiv_id="2401.00001").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2401.00001", "nonsense", "--level", "advanced", "--category", "辅助任务"], "“nonsense” is not an arXiv identifier"),
        (["2401.00001", "--level", "intro", "--category", "辅助任务"], "categories are for advanced papers only"),
        (["2401.00001", "--level", "advanced", "--category", "vibes"], "has no category vibes; its categories: 辅助信息, 辅助任务"),
    ],
)
def test_bad_input_is_refused_before_anything_is_created(topic, categories, fake_arxiv: FakeArxiv, args, message):
    with pytest.raises(CommandError, match=message):
        import_arxiv(*args, "--topic", topic.slug)
    assert not ImportJob.objects.exists() and not fake_arxiv.queries


def test_unknown_topic_is_refused(db, fake_arxiv: FakeArxiv):
    with pytest.raises(CommandError, match="No topic has the slug “nope”."):
        import_arxiv("2401.00001", "--topic", "nope", "--level", "intro")
    assert not ImportJob.objects.exists()


def test_progress_bar_redraws_in_place_on_a_terminal():
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    from django.core.management.base import OutputWrapper

    stream = Terminal()
    bar = ProgressBar(OutputWrapper(stream))
    bar(1, 4)
    bar(4, 4)
    bar.close()

    assert stream.getvalue() == f"\r[{'#' * 7}{'.' * 23}] 1/4  25%\r[{'#' * 30}] 4/4 100%\n"
