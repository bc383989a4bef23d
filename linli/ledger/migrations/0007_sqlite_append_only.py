"""On SQLite too, refuse UPDATE and DELETE of ledger rows in the database itself (PostgreSQL has
had it since 0002 and 0005). Account balances and chain heads stay updatable.

SQLite drops a table's triggers when a later migration rebuilds the table: the test
``test_the_database_refuses_to_change_ledger_rows`` fails if one does, and such a migration must
create them again."""

from django.db import migrations

TABLES = (
    "ledger_posting",
    "ledger_transaction",
    "ledger_checkpoint",
    "ledger_checkpoint_account",
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for event in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{event.lower()} BEFORE {event} "
                f"ON {table} BEGIN SELECT RAISE(ABORT, "
                f"'ledger rows are append-only ({event} on {table})'); END"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in TABLES:
        for event in ("update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_keyed_seal")]
    operations = [migrations.RunPython(forwards, backwards)]
