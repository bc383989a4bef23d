"""``manage.py star_ratings [--year YYYY]``: the yearly star rating of every community not yet
rated for that year (default: last year). Idempotent; cron runs it in January."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from linli.volunteers.stars import star_rating_run_all


class Command(BaseCommand):
    help = "Award the year's volunteer stars in every community not yet rated (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=timezone.localdate().year - 1)

    def handle(self, *args, year: int, **options):
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError("Choose this year or an earlier one.")
        runs = star_rating_run_all(year)
        for run in runs:
            self.stdout.write(
                f"{run.community}: {run.awarded} of {run.eligible} eligible volunteers"
                " awarded stars"
            )
        if not runs:
            self.stdout.write(f"Every community is already rated for {year}; nothing changed.")
