from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from linli.core import backups


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` (directory or .tar.gz) into the configured "
        "database and MEDIA_ROOT, then run ledger_verify and compare row counts with the "
        "manifest. Stop the site first. Refuses a database that holds data unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="the backup's directory or .tar.gz")
        parser.add_argument(
            "--force", action="store_true", help="replace a database that already holds data"
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="with --force, do not ask for confirmation",
        )

    def handle(self, *args, source: str, force: bool, interactive: bool, **options):
        with backups.opened(Path(source)) as folder:
            manifest = backups.read_manifest(folder)
            missing = backups.missing_keys(manifest)
            if missing:
                raise CommandError(
                    "The keys of this environment are not the ones the backup was taken with: "
                    f"{', '.join(missing)}. Set the keys you kept apart from the backups "
                    "(docs/deployment.md), then restore again. Nothing was changed."
                )
            if backups.holds_data():
                if not force:
                    raise CommandError(
                        "The database already holds data. Restoring replaces all of it: run "
                        "again with --force if that is what you want. Nothing was changed."
                    )
                if interactive:
                    answer = input(
                        "This REPLACES every record in the configured database with the backup "
                        f"of {manifest['taken_at']}. Type 'yes' to go on: "
                    )
                    if answer.strip().lower() != "yes":
                        raise CommandError("Restore cancelled. Nothing was changed.")
            backups.restore_database(folder, manifest)
            damaged = backups.restore_media(folder, manifest)
        self.stdout.write(
            f"Restored the {manifest['vendor']} database of {manifest['taken_at']} and "
            f"{len(manifest['media']) - len(damaged)} uploaded files."
        )
        problems = [f"uploaded file damaged in the backup: {name}" for name in damaged]
        counts, tips = backups.current_counts()
        for table, expected in sorted(manifest["tables"].items()):
            if counts.get(table) != expected:
                problems.append(f"{table}: {counts.get(table)} rows, the backup has {expected}")
        if tips != manifest["ledger_chain_tips"]:
            problems.append("the ledger's chain tips differ from the manifest")
        self.stdout.write(
            f"Row counts: {len(manifest['tables'])} tables compared with the manifest, "
            f"{sum(counts.values())} rows."
        )
        read, unreadable = backups.encrypted_fields_open()
        problems += [f"cannot decrypt {where}" for where in unreadable[:20]]
        self.stdout.write(f"Encrypted fields: {read} values read back with the keys given.")
        out = StringIO()
        try:
            call_command("ledger_verify", stdout=out, stderr=out)
        except CommandError as exc:
            problems.append(f"{exc}: {out.getvalue().strip()[:2000]}")
        else:
            self.stdout.write(out.getvalue().strip())
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"restore: {len(problems)} problems found")
        self.stdout.write(self.style.SUCCESS("Restore complete: counts match, ledger sound."))
