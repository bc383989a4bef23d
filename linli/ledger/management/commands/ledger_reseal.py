from django.core.management.base import BaseCommand, CommandError

from linli.ledger.reseal import ledger_reseal
from linli.ledger.seal import signing_key


class Command(BaseCommand):
    help = (
        "Re-sign every hash chain under the newest LINLI_LEDGER_KEYS key and write a checkpoint "
        "(ADR 0015): once for a development ledger written before the chain was keyed, or to "
        "retire an old key. Refuses unless the ledger verifies in full first. Posts wait "
        "meanwhile. Anchor files written before no longer match: start a new one."
    )

    def handle(self, *args, **options):
        done, problems = ledger_reseal()
        for problem in problems[:100]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"ledger_reseal: {len(problems)} problems found; nothing changed")
        self.stdout.write(
            self.style.SUCCESS(f"Resealed {done} transactions under ledger key {signing_key().id}.")
        )
