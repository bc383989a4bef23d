"""Django's ``flush``, able to empty the ledger on SQLite too.

On PostgreSQL ``flush`` truncates, which row triggers do not see. On SQLite it deletes, and the
append-only triggers (migration 0007) and the accounts' (0008) would refuse: they are lifted for
the flush, inside one transaction, and stand again after it (``reseal.append_only_lifted``)."""

from django.core.management.commands import flush
from django.db import connections

from linli.ledger.reseal import append_only_lifted


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        if connections[database].vendor != "sqlite":
            return super().handle(**options)
        with append_only_lifted(using=database):
            return super().handle(**options)
