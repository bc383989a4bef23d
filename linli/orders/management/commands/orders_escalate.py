from django.core.management.base import BaseCommand

from linli.orders.escalation import send_escalations


class Command(BaseCommand):
    help = (
        "Escalate overdue service orders (not dispatched in 2 h / 24 h, not accepted by their "
        "due time) to each community's station administrators. Run every 15 minutes; safe to "
        "run again."
    )

    def handle(self, *args, **options):
        sent = send_escalations()
        self.stdout.write(
            self.style.SUCCESS(f"{sum(sent.values())} new escalations in {len(sent)} communities")
        )
