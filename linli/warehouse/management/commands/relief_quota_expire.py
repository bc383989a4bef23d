from django.core.management.base import BaseCommand

from linli.warehouse.services.till import relief_quota_expire


class Command(BaseCommand):
    help = "Expire what is left of past months' relief quotas. Run daily or on the 1st; idempotent."

    def handle(self, *args, **options):
        n = relief_quota_expire()
        self.stdout.write(self.style.SUCCESS(f"{n} relief quotas expired"))
