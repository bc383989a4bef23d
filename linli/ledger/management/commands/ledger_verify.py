from django.core.management.base import BaseCommand, CommandError

from linli.ledger.models import LedgerTransaction, Posting
from linli.ledger.selectors import ledger_problems


class Command(BaseCommand):
    help = "Recompute every balance from the postings and check the hash chain; non-zero on error."

    def handle(self, *args, **options):
        problems = ledger_problems()
        for problem in problems[:100]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"ledger_verify: {len(problems)} problems found")
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger sound: {LedgerTransaction.objects.count()} transactions, "
                f"{Posting.objects.count()} postings."
            )
        )
