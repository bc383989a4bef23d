from django.db import migrations

GENESIS = "0" * 64


def create_head(apps, schema_editor):
    ChainHead = apps.get_model("ledger", "ChainHead")
    Transaction = apps.get_model("ledger", "LedgerTransaction")
    last = Transaction.objects.order_by("-id").values_list("hash", flat=True).first()
    ChainHead.objects.get_or_create(name="main", defaults={"last_hash": last or GENESIS})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_immutable_triggers")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
