from pathlib import Path

from django.core.management.base import BaseCommand

from linli.core.backups import backup_create, key_sources


class Command(BaseCommand):
    help = (
        "Take a consistent backup while the site runs: the database (SQLite's online backup, or "
        "pg_dump), the uploaded files and a manifest, into a new directory or a .tar.gz. "
        "The keys are NOT included: keep them apart (docs/deployment.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="a new directory, or a file ending in .tar.gz")

    def handle(self, *args, destination: str, **options):
        backup = backup_create(Path(destination))
        manifest = backup.manifest
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {backup.path}: {manifest['vendor']} database "
                f"({len(manifest['tables'])} tables, {rows} rows), "
                f"{len(manifest['media'])} uploaded files, "
                f"{len(manifest['ledger_chain_tips'])} ledger chain tips."
            )
        )
        self.stdout.write(
            "The backup holds no keys. Without these it cannot be read; keep them stored apart "
            "from the backups (a secret manager or a sealed offline copy), never beside them:"
        )
        for name, source in key_sources().items():
            self.stdout.write(f"  {name}  (now from {source})")
