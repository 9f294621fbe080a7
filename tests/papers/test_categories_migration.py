"""papers 0003 and students 0003: topic 2's two fixed kinds become its categories; nothing else changes."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("papers", "0002_arxiv_jobs_matches_recent_papers"), ("students", "0002_intro_rule_triggers")]


def migrate(targets=None):
    """To `targets`, or to the latest migrations of every app, as the rest of the suite expects."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_kinds_become_the_topics_categories_and_every_entry_claim_and_note_stays():
    old = migrate(BEFORE)
    Topic, Paper, Entry = (old.get_model("papers", name) for name in ("Topic", "Paper", "Entry"))
    User = old.get_model("auth", "User")
    Claim, ReadingProgress = old.get_model("students", "Claim"), old.get_model("students", "ReadingProgress")
    topic = Topic.objects.create(slug="xinya-2", title="辅助信息/辅助任务驱动的视觉感知", enrollment_code="OLDCODE1")
    intro = Entry.objects.create(topic=topic, level="intro", position=1, paper=Paper.objects.create(
        title="Improving image classification with location context", url="https://arxiv.org/abs/1505.03873", arxiv_id="1505.03873"))
    dmm = Entry.objects.create(topic=topic, level="advanced", position=2, is_auxiliary_information=True, is_auxiliary_task=True,
                               paper=Paper.objects.create(title="DMM", url="https://arxiv.org/abs/2407.08132", arxiv_id="2407.08132"))
    skf = Entry.objects.create(topic=topic, level="advanced", position=3, is_auxiliary_task=True, paper=Paper.objects.create(
        title="Learning semantic-aware knowledge guidance", url="https://ieeexplore.ieee.org/document/1/"))
    student = User.objects.create(username="li")
    Claim.objects.create(topic=topic, student=student, entry=dmm, status="active")
    proposed = Paper.objects.create(title="Depth Anything", url="https://arxiv.org/abs/2401.10891", arxiv_id="2401.10891")
    other = User.objects.create(username="zhang")
    Claim.objects.create(topic=topic, student=other, status="proposed", proposed_paper=proposed, proposed_auxiliary_information=True)
    ReadingProgress.objects.create(student=student, entry=intro, status="done", notes="location matters")

    new = migrate()
    Category, Entry, Paper = (new.get_model("papers", name) for name in ("Category", "Entry", "Paper"))
    Claim, ReadingProgress = new.get_model("students", "Claim"), new.get_model("students", "ReadingProgress")
    info, task = Category.objects.filter(topic_id=topic.pk).order_by("position")
    assert (info.name, task.name) == ("辅助信息", "辅助任务")
    assert {category.pk for category in Entry.objects.get(pk=dmm.pk).categories.all()} == {info.pk, task.pk}
    assert [category.pk for category in Entry.objects.get(pk=skf.pk).categories.all()] == [task.pk]
    assert not Entry.objects.get(pk=intro.pk).categories.exists()
    assert Claim.objects.get(student_id=student.pk).entry_id == dmm.pk
    assert [c.pk for c in Claim.objects.get(student_id=other.pk).proposed_categories.all()] == [info.pk]
    assert ReadingProgress.objects.get().notes == "location matters"
    assert Paper.objects.get(pk=skf.paper_id).url_key == "ieeexplore.ieee.org/document/1"

    # The database now refuses an intro entry in a category, and an active claim on an intro entry.
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.get(pk=intro.pk).categories.add(info)
    claim = Claim.objects.get(student_id=student.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=dmm.pk).update(level="intro")
    Claim.objects.filter(pk=claim.pk).update(status="released")
    Entry.objects.get(pk=dmm.pk).categories.clear()
    Entry.objects.filter(pk=dmm.pk).update(level="intro")
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status="active")
