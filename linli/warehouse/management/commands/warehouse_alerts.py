from django.core.management.base import BaseCommand

from linli.warehouse.alerts import send_warehouse_alerts
from linli.warehouse.selectors import EXPIRY_WARNING_DAYS


class Command(BaseCommand):
    help = (
        "Send each community's station its stock alerts (below minimum, emergency reserve low, "
        "lots expiring soon). Run daily; safe to run again the same day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=EXPIRY_WARNING_DAYS)

    def handle(self, *args, days: int, **options):
        sent = send_warehouse_alerts(days=max(1, min(days, 365)))
        for code, count in sent.items():
            self.stdout.write(f"{code}: {count} new notifications")
        self.stdout.write(self.style.SUCCESS(f"{len(sent)} communities with alerts"))
