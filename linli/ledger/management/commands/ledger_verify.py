from django.core.management.base import BaseCommand, CommandError

from linli.ledger.checkpoints import checkpoint_create
from linli.ledger.models import LedgerTransaction, Posting
from linli.ledger.selectors import latest_checkpoint, ledger_problems


class Command(BaseCommand):
    help = (
        "Recompute every balance from the postings and check the hash chains since the latest "
        "checkpoint (--full: from the first transaction; --checkpoint: full check, then record a "
        "new checkpoint). Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--full", action="store_true", help="re-derive everything")
        group.add_argument(
            "--checkpoint",
            action="store_true",
            help="re-derive everything, then record a checkpoint (locks posting meanwhile)",
        )

    def handle(self, *args, full: bool, checkpoint: bool, **options):
        if checkpoint:
            made, problems = checkpoint_create()
        else:
            made, problems = None, ledger_problems(full=full)
        for problem in problems[:100]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"ledger_verify: {len(problems)} problems found")
        since = latest_checkpoint()
        scope = (
            "in full"
            if full or checkpoint or since is None
            else f"in full after checkpoint ≤ #{since.upto_id}, by sums before it"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger sound ({scope}): {LedgerTransaction.objects.count()} transactions, "
                f"{Posting.objects.count()} postings."
            )
        )
        if made is not None:
            self.stdout.write(
                f"Checkpoint {made.pk} at transaction #{made.upto_id}; digest {made.digest} "
                "(keep a copy outside the database)."
            )
