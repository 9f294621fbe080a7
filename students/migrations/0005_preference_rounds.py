"""Preference rounds: rounds, students' rankings, allocations; the claim history's "allocated" action.

A CHECK constraint cannot look at another table, so triggers back the rule that a ranking or an
allocation names what its round offers: a paper only in a round of papers, only an advanced paper
of the round's topic (an intro paper is never ranked, allocated or presented), and a topic only in
a round of topics. students.rounds checks the same first, with a message for people.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MESSAGE = "round_choice_matches_round: only an advanced paper of the topic of the round, or a topic in a round of topics"
TABLES = ["students_preference", "students_allocation"]

# True when the row names something its round does not offer.
SQLITE_WRONG_CHOICE = """
    (NEW.entry_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM papers_entry AS entry JOIN students_round AS choice_round ON choice_round.id = NEW.round_id
        WHERE entry.id = NEW.entry_id AND entry.level = 'advanced'
          AND choice_round.level = 'papers' AND entry.topic_id = choice_round.topic_id))
    OR (NEW.topic_id IS NOT NULL AND (SELECT level FROM students_round WHERE id = NEW.round_id) <> 'topics')
"""

SQLITE = [
    f"""
    CREATE TRIGGER {table}_matches_round_{event.lower()}
    BEFORE {event} ON {table}
    WHEN {SQLITE_WRONG_CHOICE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """
    for table in TABLES
    for event in ("INSERT", "UPDATE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_matches_round_{event.lower()}" for table in TABLES for event in ("INSERT", "UPDATE")
]

POSTGRES = [
    f"""
    CREATE FUNCTION round_choice_matches_round() RETURNS trigger AS $$
    BEGIN
      IF (NEW.entry_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM papers_entry AS entry JOIN students_round AS choice_round ON choice_round.id = NEW.round_id
            WHERE entry.id = NEW.entry_id AND entry.level = 'advanced'
              AND choice_round.level = 'papers' AND entry.topic_id = choice_round.topic_id))
         OR (NEW.topic_id IS NOT NULL AND (SELECT level FROM students_round WHERE id = NEW.round_id) <> 'topics') THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    *[
        f"""
        CREATE TRIGGER {table}_matches_round
        BEFORE INSERT OR UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION round_choice_matches_round()
        """
        for table in TABLES
    ],
]
POSTGRES_REVERSE = [
    *[f"DROP TRIGGER IF EXISTS {table}_matches_round ON {table}" for table in TABLES],
    "DROP FUNCTION IF EXISTS round_choice_matches_round()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('papers', '0006_stored_introduction'),
        ('students', '0004_roster_invitations'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='claimevent',
            name='action',
            field=models.CharField(choices=[('claimed', 'claimed'), ('released', 'released'), ('switched', 'switched'), ('proposed', 'proposed'), ('approved', 'approved'), ('rejected', 'rejected'), ('assigned', 'assigned by a mentor'), ('moved', 'moved by a mentor'), ('scheduled', 'scheduled'), ('presented', 'marked presented'), ('allocated', 'allocated by a round')], max_length=16, verbose_name='action'),
        ),
        migrations.CreateModel(
            name='Round',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.CharField(choices=[('topics', 'Topics of the programme'), ('papers', 'Papers of a topic')], max_length=16, verbose_name='what is ranked')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('deadline', models.DateTimeField(help_text='Students change their ranking until then.', verbose_name='ranking deadline')),
                ('state', models.CharField(choices=[('open', 'Open'), ('allocating', 'Allocating'), ('draft', 'Draft'), ('published', 'Published'), ('cancelled', 'Cancelled')], default='open', max_length=16, verbose_name='state')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='opened')),
                ('allocation_stage', models.CharField(blank=True, choices=[('queued', 'Waiting for the background worker'), ('reading', 'Reading the rankings'), ('solving', 'Finding the best allocation'), ('saving', 'Saving the draft'), ('done', 'Done'), ('failed', 'Failed')], max_length=16, verbose_name='allocation stage')),
                ('task_result_id', models.CharField(blank=True, max_length=64, verbose_name='background task')),
                ('allocation_error', models.TextField(blank=True, verbose_name='allocation error')),
                ('allocated_at', models.DateTimeField(blank=True, null=True, verbose_name='allocated')),
                ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='published')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='opened by')),
                ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='published by')),
                ('topic', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='preference_rounds', to='papers.topic', verbose_name='topic')),
            ],
            options={
                'verbose_name': 'preference round',
                'verbose_name_plural': 'preference rounds',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Preference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rank', models.PositiveSmallIntegerField(verbose_name='rank')),
                ('ranked_at', models.DateTimeField(auto_now=True, verbose_name='ranked')),
                ('entry', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='papers.entry')),
                ('student', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('topic', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='papers.topic')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='preferences', to='students.round')),
            ],
            options={
                'verbose_name': 'preference',
                'verbose_name_plural': 'preferences',
                'ordering': ['round', 'student', 'rank'],
            },
        ),
        migrations.CreateModel(
            name='Allocation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rank', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='rank')),
                ('refusal', models.CharField(blank=True, max_length=500, verbose_name='refused because')),
                ('claim', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='students.claim')),
                ('entry', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='papers.entry')),
                ('moved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='moved by')),
                ('student', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('topic', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='papers.topic')),
                ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='allocations', to='students.round')),
            ],
            options={
                'verbose_name': 'allocation',
                'verbose_name_plural': 'allocations',
                'ordering': ['round', 'student'],
            },
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.CheckConstraint(condition=models.Q(('level__in', ['topics', 'papers'])), name='round_level_valid'),
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['open', 'allocating', 'draft', 'published', 'cancelled'])), name='round_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.CheckConstraint(condition=models.Q(('allocation_stage__in', ['queued', 'reading', 'solving', 'saving', 'done', 'failed', ''])), name='round_allocation_stage_valid'),
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('level', 'papers'), ('topic__isnull', False)), models.Q(('level', 'topics'), ('topic__isnull', True)), _connector='OR'), name='round_paper_round_has_topic'),
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'published'), _negated=True), ('published_at__isnull', False), _connector='OR'), name='round_published_has_time'),
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['open', 'allocating', 'draft'])), fields=('topic',), name='round_one_unfinished_per_topic'),
        ),
        migrations.AddConstraint(
            model_name='round',
            constraint=models.UniqueConstraint(condition=models.Q(('level', 'topics'), ('state__in', ['open', 'allocating', 'draft'])), fields=('level',), name='round_one_unfinished_topic_round'),
        ),
        migrations.AddIndex(
            model_name='preference',
            index=models.Index(fields=['round', 'rank'], name='preference_round_rank_idx'),
        ),
        migrations.AddConstraint(
            model_name='preference',
            constraint=models.UniqueConstraint(fields=('round', 'student', 'rank'), name='preference_unique_rank'),
        ),
        migrations.AddConstraint(
            model_name='preference',
            constraint=models.UniqueConstraint(condition=models.Q(('topic__isnull', False)), fields=('round', 'student', 'topic'), name='preference_unique_topic'),
        ),
        migrations.AddConstraint(
            model_name='preference',
            constraint=models.UniqueConstraint(condition=models.Q(('entry__isnull', False)), fields=('round', 'student', 'entry'), name='preference_unique_entry'),
        ),
        migrations.AddConstraint(
            model_name='preference',
            constraint=models.CheckConstraint(condition=models.Q(('rank__gte', 1), ('rank__lte', 5)), name='preference_rank_1_to_5'),
        ),
        migrations.AddConstraint(
            model_name='preference',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('entry__isnull', True), ('topic__isnull', False)), models.Q(('entry__isnull', False), ('topic__isnull', True)), _connector='OR'), name='preference_one_choice'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.UniqueConstraint(fields=('round', 'student'), name='allocation_one_place_per_student'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.CheckConstraint(condition=models.Q(('topic__isnull', True), ('entry__isnull', True), _connector='OR'), name='allocation_topic_or_entry'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.CheckConstraint(condition=models.Q(('rank__isnull', True), models.Q(('rank__gte', 1), ('rank__lte', 5)), _connector='OR'), name='allocation_rank_1_to_5'),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.CheckConstraint(condition=models.Q(('rank__isnull', True), ('topic__isnull', False), ('entry__isnull', False), _connector='OR'), name='allocation_rank_needs_a_place'),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
