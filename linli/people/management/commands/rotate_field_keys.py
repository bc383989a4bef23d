"""Re-encrypt every encrypted field under the newest key of ``LINLI_FIELD_KEYS``.

Prepend the new key (``NEW,OLD``), restart, run this command, then drop the old key.
Reading decrypts with any listed key; writing encrypts with the first, so a rewrite rotates.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from linli.accounts.models import User
from linli.people.models import ImportBatch, Person

ENCRYPTED = [(Person, ["id_number", "mobile"]), (User, ["mobile"]), (ImportBatch, ["rows"])]


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields under the newest LINLI_FIELD_KEYS key."

    def handle(self, *args, **options):
        for model, fields in ENCRYPTED:
            rewritten = 0
            rows = model.objects.only("pk", *fields).order_by("pk").iterator(chunk_size=500)
            for instance in rows:
                values = {f: getattr(instance, f) for f in fields if getattr(instance, f)}
                if values:
                    with transaction.atomic():
                        model.objects.filter(pk=instance.pk).update(**values)
                    rewritten += 1
            self.stdout.write(f"{model._meta.label}: {rewritten} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS("All encrypted fields now use the newest key."))
