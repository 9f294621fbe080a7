"""Each topic's own categories in place of the two fixed kinds; materials; papers known by link and title.

Topic 2's kinds become its categories 辅助信息 and 辅助任务, by data: every
entry keeps its paper, level, claims and progress. The database then refuses
a category on an intro entry, or one of another topic, whoever writes.
"""

import django.db.models.deletion
from django.db import migrations, models

from papers.identity import title_key, url_key

# The names topic 2's page gives its two kinds.
KIND_CATEGORIES = {"is_auxiliary_information": "辅助信息", "is_auxiliary_task": "辅助任务"}


def fill_paper_keys(apps, schema_editor):
    Paper = apps.get_model("papers", "Paper")
    taken = set()
    for paper in Paper.objects.order_by("pk"):
        paper.url = paper.url or None
        paper.title_key = title_key(paper.title)
        key = url_key(paper.url)
        # Two old rows may be one link written two ways: the later keeps its link but is not found by it.
        if paper.arxiv_id is None and key in taken:
            key = ""
        if paper.arxiv_id is None and key:
            taken.add(key)
        paper.url_key = key
        paper.save(update_fields=["url", "url_key", "title_key"])


def kinds_to_categories(apps, schema_editor):
    Category = apps.get_model("papers", "Category")
    Entry = apps.get_model("papers", "Entry")
    ImportJob = apps.get_model("papers", "ImportJob")

    def category(topic_id, flag):
        position = list(KIND_CATEGORIES).index(flag) + 1
        return Category.objects.get_or_create(topic_id=topic_id, name=KIND_CATEGORIES[flag], defaults={"position": position})[0]

    for flag in KIND_CATEGORIES:
        for entry in Entry.objects.filter(**{flag: True}, level="advanced"):
            entry.categories.add(category(entry.topic_id, flag))
        for job in ImportJob.objects.filter(**{flag: True}).exclude(topic=None):
            job.categories.add(category(job.topic_id, flag))


def categories_to_kinds(apps, schema_editor):
    Entry = apps.get_model("papers", "Entry")
    ImportJob = apps.get_model("papers", "ImportJob")
    for flag, name in KIND_CATEGORIES.items():
        Entry.objects.filter(categories__name=name).update(**{flag: True})
        ImportJob.objects.filter(categories__name=name).update(**{flag: True})
    # The old rule: every advanced entry had a kind.
    Entry.objects.filter(level="advanced", is_auxiliary_information=False, is_auxiliary_task=False).update(
        is_auxiliary_information=True
    )


TRIGGERS = {
    "sqlite": [
        """
        CREATE TRIGGER entry_category_same_topic_advanced
        BEFORE INSERT ON papers_entry_categories
        WHEN (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced'
          OR (SELECT topic_id FROM papers_entry WHERE id = NEW.entry_id)
             <> (SELECT topic_id FROM papers_category WHERE id = NEW.category_id)
        BEGIN SELECT RAISE(ABORT, 'entry_category_same_topic_advanced: categories are the topic''s own, for advanced papers'); END
        """,
        """
        CREATE TRIGGER entry_category_same_topic_advanced_update
        BEFORE UPDATE ON papers_entry_categories
        WHEN (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced'
          OR (SELECT topic_id FROM papers_entry WHERE id = NEW.entry_id)
             <> (SELECT topic_id FROM papers_category WHERE id = NEW.category_id)
        BEGIN SELECT RAISE(ABORT, 'entry_category_same_topic_advanced: categories are the topic''s own, for advanced papers'); END
        """,
        """
        CREATE TRIGGER entry_with_categories_stays_advanced
        BEFORE UPDATE ON papers_entry
        WHEN NEW.level <> 'advanced'
         AND EXISTS (SELECT 1 FROM papers_entry_categories WHERE entry_id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'entry_with_categories_stays_advanced: an intro paper has no categories'); END
        """,
    ],
    "postgresql": [
        """
        CREATE FUNCTION entry_category_same_topic_advanced() RETURNS trigger AS $$
        BEGIN
          IF (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced'
             OR (SELECT topic_id FROM papers_entry WHERE id = NEW.entry_id)
                <> (SELECT topic_id FROM papers_category WHERE id = NEW.category_id) THEN
            RAISE EXCEPTION 'entry_category_same_topic_advanced: categories are the topic''s own, for advanced papers'
              USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER entry_category_same_topic_advanced
        BEFORE INSERT OR UPDATE ON papers_entry_categories
        FOR EACH ROW EXECUTE FUNCTION entry_category_same_topic_advanced()
        """,
        """
        CREATE FUNCTION entry_with_categories_stays_advanced() RETURNS trigger AS $$
        BEGIN
          IF NEW.level <> 'advanced'
             AND EXISTS (SELECT 1 FROM papers_entry_categories WHERE entry_id = NEW.id) THEN
            RAISE EXCEPTION 'entry_with_categories_stays_advanced: an intro paper has no categories'
              USING ERRCODE = 'check_violation';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql
        """,
        """
        CREATE TRIGGER entry_with_categories_stays_advanced
        BEFORE UPDATE ON papers_entry
        FOR EACH ROW EXECUTE FUNCTION entry_with_categories_stays_advanced()
        """,
    ],
}
TRIGGERS_REVERSE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS entry_category_same_topic_advanced",
        "DROP TRIGGER IF EXISTS entry_category_same_topic_advanced_update",
        "DROP TRIGGER IF EXISTS entry_with_categories_stays_advanced",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS entry_with_categories_stays_advanced ON papers_entry",
        "DROP FUNCTION IF EXISTS entry_with_categories_stays_advanced()",
        "DROP TRIGGER IF EXISTS entry_category_same_topic_advanced ON papers_entry_categories",
        "DROP FUNCTION IF EXISTS entry_category_same_topic_advanced()",
    ],
}


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0002_arxiv_jobs_matches_recent_papers'),
    ]

    operations = [
        migrations.CreateModel(
            name='Category',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('position', models.PositiveIntegerField(default=0, verbose_name='position')),
            ],
            options={
                'verbose_name': 'category',
                'verbose_name_plural': 'categories',
                'ordering': ['topic', 'position', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Material',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=500, verbose_name='title')),
                ('url', models.URLField(blank=True, max_length=1000, null=True, verbose_name='link')),
                ('note', models.CharField(blank=True, max_length=1000, verbose_name='note')),
                ('section', models.CharField(blank=True, max_length=200, verbose_name='section')),
                ('position', models.PositiveIntegerField(default=0, verbose_name='position')),
            ],
            options={
                'verbose_name': 'material',
                'verbose_name_plural': 'materials',
                'ordering': ['topic', 'position', 'pk'],
            },
        ),
        migrations.AlterModelOptions(
            name='topic',
            options={'ordering': [models.OrderBy(models.F('number'), nulls_last=True), 'slug'], 'verbose_name': 'topic', 'verbose_name_plural': 'topics'},
        ),
        migrations.RemoveConstraint(
            model_name='entry',
            name='entry_kinds_match_level',
        ),
        migrations.RemoveConstraint(
            model_name='paper',
            name='paper_unique_url_without_arxiv_id',
        ),
        migrations.AddField(
            model_name='entry',
            name='source',
            field=models.CharField(choices=[('page', 'the topic page'), ('arxiv', 'an arXiv import'), ('proposal', 'an approved proposal'), ('admin', 'the admin')], default='page', max_length=16, verbose_name='added from'),
        ),
        migrations.AddField(
            model_name='paper',
            name='title_key',
            field=models.CharField(blank=True, editable=False, max_length=500),
        ),
        migrations.AddField(
            model_name='paper',
            name='url_key',
            field=models.CharField(blank=True, editable=False, max_length=1000),
        ),
        migrations.AddField(
            model_name='topic',
            name='import_choices',
            field=models.JSONField(blank=True, default=dict, verbose_name='import choices'),
        ),
        migrations.AddField(
            model_name='topic',
            name='number',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='number'),
        ),
        migrations.AddField(
            model_name='topic',
            name='source_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='imported from'),
        ),
        migrations.AlterField(
            model_name='paper',
            name='url',
            field=models.URLField(blank=True, max_length=1000, null=True, verbose_name='link'),
        ),
        migrations.AddIndex(
            model_name='paper',
            index=models.Index(fields=['url_key'], name='paper_url_key_idx'),
        ),
        migrations.AddIndex(
            model_name='paper',
            index=models.Index(fields=['title_key'], name='paper_title_key_idx'),
        ),
        migrations.AddConstraint(
            model_name='paper',
            constraint=models.CheckConstraint(condition=models.Q(('url', ''), _negated=True), name='paper_url_null_not_empty'),
        ),
        migrations.AddField(
            model_name='category',
            name='topic',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='categories', to='papers.topic'),
        ),
        migrations.AddField(
            model_name='entry',
            name='categories',
            field=models.ManyToManyField(blank=True, related_name='entries', to='papers.category', verbose_name='categories'),
        ),
        migrations.AddField(
            model_name='importjob',
            name='categories',
            field=models.ManyToManyField(blank=True, related_name='+', to='papers.category', verbose_name='categories'),
        ),
        migrations.AddConstraint(
            model_name='entry',
            constraint=models.CheckConstraint(condition=models.Q(('source__in', ['page', 'arxiv', 'proposal', 'admin'])), name='entry_source_valid'),
        ),
        migrations.AddField(
            model_name='material',
            name='topic',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='materials', to='papers.topic'),
        ),
        migrations.AddConstraint(
            model_name='category',
            constraint=models.UniqueConstraint(fields=('topic', 'name'), name='category_unique_name_per_topic'),
        ),
        migrations.AddConstraint(
            model_name='category',
            constraint=models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='category_name_not_empty'),
        ),
        migrations.AddConstraint(
            model_name='material',
            constraint=models.CheckConstraint(condition=models.Q(('url', ''), _negated=True), name='material_url_null_not_empty'),
        ),
        migrations.RunPython(fill_paper_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='paper',
            constraint=models.UniqueConstraint(condition=models.Q(('arxiv_id__isnull', True), models.Q(('url_key', ''), _negated=True)), fields=('url_key',), name='paper_unique_link_without_arxiv_id'),
        ),
        migrations.RunPython(kinds_to_categories, categories_to_kinds),
        migrations.RemoveField(
            model_name='entry',
            name='is_auxiliary_information',
        ),
        migrations.RemoveField(
            model_name='entry',
            name='is_auxiliary_task',
        ),
        migrations.RemoveField(
            model_name='importjob',
            name='is_auxiliary_information',
        ),
        migrations.RemoveField(
            model_name='importjob',
            name='is_auxiliary_task',
        ),
        migrations.RunPython(_run(TRIGGERS), _run(TRIGGERS_REVERSE)),
    ]
