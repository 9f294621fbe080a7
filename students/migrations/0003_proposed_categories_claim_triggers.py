"""Proposals name the topic's categories; the database refuses an active claim on an intro entry, whatever changes.

The triggers of 0002 fired only on inserts and on changes of entry_id: setting
a released claim on a (since intro) entry back to active passed. Now any
insert or update that leaves an active claim on an entry that is not advanced
is refused, and an entry with an active claim cannot become intro. On SQLite,
papers 0003 rebuilt papers_entry, which dropped the trigger on it: all are
made again here.
"""

from django.db import migrations, models

KIND_CATEGORIES = {"proposed_auxiliary_information": "辅助信息", "proposed_auxiliary_task": "辅助任务"}


def kinds_to_categories(apps, schema_editor):
    Category = apps.get_model("papers", "Category")
    Claim = apps.get_model("students", "Claim")
    for position, (flag, name) in enumerate(KIND_CATEGORIES.items(), start=1):
        for claim in Claim.objects.filter(**{flag: True}):
            category, _created = Category.objects.get_or_create(
                topic_id=claim.topic_id, name=name, defaults={"position": position}
            )
            claim.proposed_categories.add(category)


def categories_to_kinds(apps, schema_editor):
    Claim = apps.get_model("students", "Claim")
    for flag, name in KIND_CATEGORIES.items():
        Claim.objects.filter(proposed_categories__name=name).update(**{flag: True})


ACTIVE_ON_INTRO = "claim_active_on_advanced_only: an intro paper cannot be presented"
CLAIMED_STAYS = "entry_claimed_stays_advanced: a claimed paper cannot become intro"

SQLITE = [
    "DROP TRIGGER IF EXISTS claim_entry_must_be_advanced_insert",
    "DROP TRIGGER IF EXISTS claim_entry_must_be_advanced_update",
    "DROP TRIGGER IF EXISTS entry_claimed_stays_advanced",
    f"""
    CREATE TRIGGER claim_active_on_advanced_only_insert
    BEFORE INSERT ON students_claim
    WHEN NEW.entry_id IS NOT NULL
     AND (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced'
    BEGIN SELECT RAISE(ABORT, '{ACTIVE_ON_INTRO}'); END
    """,
    f"""
    CREATE TRIGGER claim_active_on_advanced_only_update
    BEFORE UPDATE ON students_claim
    WHEN NEW.entry_id IS NOT NULL AND NEW.status = 'active'
     AND (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced'
    BEGIN SELECT RAISE(ABORT, '{ACTIVE_ON_INTRO}'); END
    """,
    f"""
    CREATE TRIGGER entry_claimed_stays_advanced
    BEFORE UPDATE ON papers_entry
    WHEN NEW.level <> 'advanced'
     AND EXISTS (SELECT 1 FROM students_claim WHERE entry_id = NEW.id AND status = 'active')
    BEGIN SELECT RAISE(ABORT, '{CLAIMED_STAYS}'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS claim_active_on_advanced_only_insert",
    "DROP TRIGGER IF EXISTS claim_active_on_advanced_only_update",
    "DROP TRIGGER IF EXISTS entry_claimed_stays_advanced",
]

POSTGRES = [
    "DROP TRIGGER IF EXISTS claim_entry_must_be_advanced ON students_claim",
    "DROP FUNCTION IF EXISTS claim_entry_must_be_advanced()",
    "DROP TRIGGER IF EXISTS entry_claimed_stays_advanced ON papers_entry",
    "DROP FUNCTION IF EXISTS entry_claimed_stays_advanced()",
    f"""
    CREATE FUNCTION claim_active_on_advanced_only() RETURNS trigger AS $$
    BEGIN
      -- A new claim never points at an intro entry; an update never leaves an active one there.
      IF NEW.entry_id IS NOT NULL
         AND (TG_OP = 'INSERT' OR NEW.status = 'active')
         AND (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced' THEN
        RAISE EXCEPTION '{ACTIVE_ON_INTRO}' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER claim_active_on_advanced_only
    BEFORE INSERT OR UPDATE ON students_claim
    FOR EACH ROW EXECUTE FUNCTION claim_active_on_advanced_only()
    """,
    f"""
    CREATE FUNCTION entry_claimed_stays_advanced() RETURNS trigger AS $$
    BEGIN
      IF NEW.level <> 'advanced'
         AND EXISTS (SELECT 1 FROM students_claim WHERE entry_id = NEW.id AND status = 'active') THEN
        RAISE EXCEPTION '{CLAIMED_STAYS}' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER entry_claimed_stays_advanced
    BEFORE UPDATE ON papers_entry
    FOR EACH ROW EXECUTE FUNCTION entry_claimed_stays_advanced()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS entry_claimed_stays_advanced ON papers_entry",
    "DROP FUNCTION IF EXISTS entry_claimed_stays_advanced()",
    "DROP TRIGGER IF EXISTS claim_active_on_advanced_only ON students_claim",
    "DROP FUNCTION IF EXISTS claim_active_on_advanced_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0003_topic_categories_materials"),
        ("students", "0002_intro_rule_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="proposed_categories",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="papers.category", verbose_name="proposed categories"
            ),
        ),
        migrations.RunPython(kinds_to_categories, categories_to_kinds),
        migrations.RemoveField(model_name="claim", name="proposed_auxiliary_information"),
        migrations.RemoveField(model_name="claim", name="proposed_auxiliary_task"),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
