from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.ledger.anchors import anchor_append, anchor_problems
from linli.ledger.checkpoints import checkpoint_create
from linli.ledger.models import LedgerTransaction, Posting
from linli.ledger.selectors import latest_checkpoint, ledger_problems


class Command(BaseCommand):
    help = (
        "Recompute every balance from the postings and check the keyed hash chains since the "
        "latest checkpoint (--full: from the first transaction; --checkpoint: full check, then "
        "record a new checkpoint). --anchor FILE also checks the chain heads against a signed "
        "file kept outside the database; --append-anchor then appends today's heads to it "
        "(ADR 0015). Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--full", action="store_true", help="re-derive everything")
        group.add_argument(
            "--checkpoint",
            action="store_true",
            help="re-derive everything, then record a checkpoint (locks posting meanwhile)",
        )
        parser.add_argument(
            "--anchor",
            metavar="FILE",
            help="check the chain heads against this anchor file (must exist unless appending)",
        )
        parser.add_argument(
            "--append-anchor",
            action="store_true",
            help="after a successful verification, append the current heads to the --anchor "
            "file (creating it)",
        )

    def handle(self, *args, full: bool, checkpoint: bool, anchor, append_anchor, **options):
        path = Path(anchor) if anchor else None
        if append_anchor and path is None:
            raise CommandError("--append-anchor needs --anchor FILE")
        if path is not None and not path.exists() and not append_anchor:
            raise CommandError(
                f"anchor file {path} not found (start one with --anchor {path} --append-anchor)"
            )
        if checkpoint:
            made, problems = checkpoint_create()
        else:
            made, problems = None, ledger_problems(full=full)
        anchored = path is not None and path.exists()
        if anchored:
            try:
                problems += anchor_problems(path)
            except OSError as exc:
                raise CommandError(f"cannot read anchor file {path}: {exc}") from exc
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
        if anchored:
            scope += f"; heads agree with {path}"
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger sound ({scope}): {LedgerTransaction.objects.count()} transactions, "
                f"{Posting.objects.count()} postings."
            )
        )
        if made is not None:
            self.stdout.write(
                f"Checkpoint {made.pk} at transaction #{made.upto_id}; digest {made.digest}."
            )
        if append_anchor:
            try:
                record = anchor_append(path)
            except OSError as exc:
                raise CommandError(f"cannot write anchor file {path}: {exc}") from exc
            self.stdout.write(
                f"Anchored {len(record['heads'])} chain heads in {path} "
                "(keep it off the database host)."
            )
