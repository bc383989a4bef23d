"""Ledger accounts are immutable in the database except their cached balance (ADR 0015).

The content hashes name a posting's account by id only: swapping two accounts' keys (or moving
one to another community, or letting it go negative) moved value without touching a sealed row,
and ``ledger_verify`` could not see it. Both databases now refuse an UPDATE that changes any
column but ``balance``, and any DELETE. ``post`` sets only ``balance``: on both databases the
UPDATE trigger is ``UPDATE OF`` the other columns, so it does not even fire on the posting path.

SQLite drops a table's triggers when a later migration rebuilds the table: the test
``test_the_database_refuses_to_change_an_account`` fails if one does, and such a migration must
create them again."""

from django.db import migrations

# Every column of ``ledger_account`` except ``balance``.
FROZEN = ("id", "key", "commodity", "name", "community_id", "may_go_negative", "created_at")
COLUMNS = ", ".join(f'"{c}"' for c in FROZEN)
MESSAGE = "ledger accounts are immutable except their balance"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ledger_account_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ({", ".join(f'NEW."{c}"' for c in FROZEN)})
            IS NOT DISTINCT FROM ({", ".join(f'OLD."{c}"' for c in FROZEN)}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE} (%% on %%)', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""
PG_TRIGGER = (
    f"CREATE TRIGGER ledger_account_immutable BEFORE UPDATE OF {COLUMNS} OR DELETE "
    "ON ledger_account FOR EACH ROW EXECUTE FUNCTION ledger_account_refuse_change()"
)

SQLITE_CHANGED = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in FROZEN)
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS ledger_account_immutable BEFORE UPDATE OF {COLUMNS} "
    f"ON ledger_account WHEN {SQLITE_CHANGED} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} (UPDATE on ledger_account)'); END",
    "CREATE TRIGGER IF NOT EXISTS ledger_account_no_delete BEFORE DELETE ON ledger_account "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE} (DELETE on ledger_account)'); END",
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        schema_editor.execute(PG_TRIGGER)
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_account_immutable ON ledger_account")
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_account_refuse_change()")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_account_immutable")
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_account_no_delete")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_sqlite_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
