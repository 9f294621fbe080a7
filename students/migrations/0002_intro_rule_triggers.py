"""The database refuses what the intro rule forbids, whoever writes.

A CHECK constraint cannot look at another table, so two triggers back the
rule that an intro paper is never presented: no claim may point at an
intro entry, and an entry with an active claim cannot become intro.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER claim_entry_must_be_advanced_insert
    BEFORE INSERT ON students_claim
    WHEN NEW.entry_id IS NOT NULL
     AND (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced'
    BEGIN SELECT RAISE(ABORT, 'claim_entry_must_be_advanced: an intro paper cannot be presented'); END
    """,
    """
    CREATE TRIGGER claim_entry_must_be_advanced_update
    BEFORE UPDATE OF entry_id ON students_claim
    WHEN NEW.entry_id IS NOT NULL
     AND (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced'
    BEGIN SELECT RAISE(ABORT, 'claim_entry_must_be_advanced: an intro paper cannot be presented'); END
    """,
    """
    CREATE TRIGGER entry_claimed_stays_advanced
    BEFORE UPDATE OF level ON papers_entry
    WHEN NEW.level <> 'advanced'
     AND EXISTS (SELECT 1 FROM students_claim WHERE entry_id = NEW.id AND status = 'active')
    BEGIN SELECT RAISE(ABORT, 'entry_claimed_stays_advanced: a claimed paper cannot become intro'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS claim_entry_must_be_advanced_insert",
    "DROP TRIGGER IF EXISTS claim_entry_must_be_advanced_update",
    "DROP TRIGGER IF EXISTS entry_claimed_stays_advanced",
]

POSTGRES = [
    """
    CREATE FUNCTION claim_entry_must_be_advanced() RETURNS trigger AS $$
    BEGIN
      IF NEW.entry_id IS NOT NULL
         AND (SELECT level FROM papers_entry WHERE id = NEW.entry_id) <> 'advanced' THEN
        RAISE EXCEPTION 'claim_entry_must_be_advanced: an intro paper cannot be presented'
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER claim_entry_must_be_advanced
    BEFORE INSERT OR UPDATE OF entry_id ON students_claim
    FOR EACH ROW EXECUTE FUNCTION claim_entry_must_be_advanced()
    """,
    """
    CREATE FUNCTION entry_claimed_stays_advanced() RETURNS trigger AS $$
    BEGIN
      IF NEW.level <> 'advanced'
         AND EXISTS (SELECT 1 FROM students_claim WHERE entry_id = NEW.id AND status = 'active') THEN
        RAISE EXCEPTION 'entry_claimed_stays_advanced: a claimed paper cannot become intro'
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER entry_claimed_stays_advanced
    BEFORE UPDATE OF level ON papers_entry
    FOR EACH ROW EXECUTE FUNCTION entry_claimed_stays_advanced()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS entry_claimed_stays_advanced ON papers_entry",
    "DROP FUNCTION IF EXISTS entry_claimed_stays_advanced()",
    "DROP TRIGGER IF EXISTS claim_entry_must_be_advanced ON students_claim",
    "DROP FUNCTION IF EXISTS claim_entry_must_be_advanced()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0001_initial"),
        ("papers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        ),
    ]
