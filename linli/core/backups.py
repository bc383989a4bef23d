"""Backups that can be taken while the site runs, and their restore (``manage.py backup`` /
``manage.py restore``; docs/deployment.md, "Backups and restore").

A backup is a directory (or the same directory as a ``.tar.gz``) holding
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while writers go on) or
  ``database.pgdump`` (``pg_dump`` custom format, from an exported snapshot);
- ``media/``: the uploaded files;
- ``manifest.json``: when, which database, the row count of every table and the ledger's chain
  tips *as of the copied database* (read from the copy itself, or inside the snapshot pg_dump
  used), every file with its SHA-256, and a fingerprint of each key (never the key).

The keys (settings named ``*_KEY`` / ``*_KEYS``) are deliberately left out: a backup that carries
its own keys makes every copy of it (the NAS, the off-site disk, the cloud bucket) as good as the
plaintext of every ID and mobile number. Backups and keys are stored apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
# Tables that a freshly migrated, never used database already fills.
SCAFFOLDING = {"django_migrations", "django_content_type", "auth_permission"}


# --- keys -------------------------------------------------------------------------------------


def key_settings() -> list[str]:
    """Every setting that holds a key: SECRET_KEY, LINLI_FIELD_KEYS, LINLI_HASH_KEY, …"""
    return sorted(
        name
        for name in dir(settings)
        if name.isupper()
        and name.endswith(("_KEY", "_KEYS"))
        and _is_key(getattr(settings, name, None))
    )


def _is_key(value) -> bool:
    """A secret string, or a list of them (``DEMO_KEYS`` is a flag, not a key)."""
    if isinstance(value, str):
        return bool(value)
    return (
        isinstance(value, list | tuple) and bool(value) and all(isinstance(v, str) for v in value)
    )


def _key_values(name: str) -> list[str]:
    value = getattr(settings, name)
    if isinstance(value, str):
        value = value.split(",") if name.endswith("_KEYS") else [value]
    return [str(v).strip() for v in value if str(v).strip()]


def fingerprint(key: str) -> str:
    """Names a key without revealing it: the first 16 hex digits of an HMAC under the key."""
    return hmac.new(key.encode(), b"linli key fingerprint", hashlib.sha256).hexdigest()[:16]


def key_fingerprints() -> dict[str, list[str]]:
    return {name: [fingerprint(k) for k in _key_values(name)] for name in key_settings()}


def key_sources() -> dict[str, str]:
    """Where each key comes from now: the environment, or (demo mode) a file under var/."""
    sources = {}
    for name in key_settings():
        path = Path(settings.VAR_DIR) / name.lower()
        if os.environ.get(name):
            sources[name] = f"the environment variable {name}"
        elif path.exists():
            sources[name] = f"the file {path}"
        else:
            sources[name] = "the settings"
    return sources


def missing_keys(manifest: dict) -> list[str]:
    """Keys the backup was taken with that this environment lacks (SECRET_KEY only logs users
    out, so it is not required)."""
    now = key_fingerprints()
    missing = []
    for name, prints in manifest.get("keys", {}).items():
        if name == "SECRET_KEY":
            continue
        if not set(prints) <= set(now.get(name, [])):
            missing.append(name)
    return missing


# --- counting -------------------------------------------------------------------------------


def _counts_sqlite(conn: sqlite3.Connection) -> tuple[dict[str, int], dict[str, str]]:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    tips = {}
    if "ledger_chainhead" in tables:
        tips = dict(conn.execute("SELECT name, last_hash FROM ledger_chainhead ORDER BY name"))
    return counts, tips


def _counts_cursor(cursor, tables: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    tips = {}
    if "ledger_chainhead" in tables:
        cursor.execute("SELECT name, last_hash FROM ledger_chainhead ORDER BY name")
        tips = dict(cursor.fetchall())
    return counts, tips


def current_counts() -> tuple[dict[str, int], dict[str, str]]:
    with connection.cursor() as cursor:
        return _counts_cursor(cursor, connection.introspection.table_names(cursor))


def holds_data() -> bool:
    counts, _tips = current_counts()
    return any(n for table, n in counts.items() if table not in SCAFFOLDING)


# --- files ----------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_media(source: Path, target: Path) -> dict[str, str]:
    """Copy every file under ``source`` to ``target``; {relative path: sha256 of the copy}."""
    files = {}
    if not source.exists():
        return files
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(source)
        copy = target / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
        files[relative.as_posix()] = sha256(copy)
    return files


# --- PostgreSQL tools -----------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise CommandError(
            f"{name} was not found. Install the PostgreSQL client tools of the server's major "
            "version (Debian: apt-get install postgresql-client) and make sure it is on PATH."
        )
    return tool


def _pg_args_env() -> tuple[list[str], dict[str, str]]:
    params = connection.settings_dict
    args = ["--dbname", params["NAME"]]
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", params["USER"]]
    env = dict(os.environ)
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise CommandError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


# --- backup ---------------------------------------------------------------------------------


def _backup_sqlite(folder: Path) -> tuple[dict[str, int], dict[str, str]]:
    source = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=60)
    target = sqlite3.connect(str(folder / SQLITE_FILE))
    try:
        # The whole database in one step, i.e. one read transaction: a consistent copy. In WAL
        # mode writers go on meanwhile (a reader never blocks them).
        source.backup(target)
        return _counts_sqlite(target)
    finally:
        target.close()
        source.close()


def _backup_postgres(folder: Path) -> tuple[dict[str, int], dict[str, str]]:
    """pg_dump from a snapshot that this connection exports and counts in: the counts and the
    chain tips in the manifest are exactly those of the dump."""
    pg_dump = _pg_tool("pg_dump")
    args, env = _pg_args_env()
    with connections["default"].cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = connection.introspection.table_names(cursor)
            counts, tips = _counts_cursor(cursor, tables)
            _run(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-owner"]
                + ["--file", str(folder / PG_FILE)]
                + args,
                env,
            )
        finally:
            cursor.execute("ROLLBACK")
    return counts, tips


@dataclass
class Backup:
    path: Path
    manifest: dict


def backup_create(destination: Path) -> Backup:
    """Take the backup into ``destination`` (a new directory, or a ``.tar.gz`` file)."""
    archive = destination.name.endswith((".tar.gz", ".tgz"))
    if destination.exists() and (archive or any(destination.iterdir())):
        raise CommandError(f"{destination} already exists: give a new name.")
    with contextlib.ExitStack() as stack:
        if archive:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "linli-backup"
        else:
            folder = destination
        folder.mkdir(parents=True, exist_ok=True)
        taken_at = timezone.now()
        if connection.vendor == "sqlite":
            counts, tips = _backup_sqlite(folder)
            database_file = SQLITE_FILE
        elif connection.vendor == "postgresql":
            counts, tips = _backup_postgres(folder)
            database_file = PG_FILE
        else:  # pragma: no cover - only the two supported databases
            raise CommandError(f"Backups of {connection.vendor} are not supported.")
        media = copy_media(Path(settings.MEDIA_ROOT), folder / "media")
        manifest = {
            "format": FORMAT,
            "taken_at": taken_at.isoformat(),
            "vendor": connection.vendor,
            "database_file": database_file,
            "database_sha256": sha256(folder / database_file),
            "tables": counts,
            "ledger_chain_tips": tips,
            "media": media,
            "keys": key_fingerprints(),
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        if archive:
            destination.parent.mkdir(parents=True, exist_ok=True)
            partial = destination.with_name(destination.name + ".partial")
            with tarfile.open(partial, "w:gz") as tar:
                tar.add(folder, arcname=folder.name)
            partial.replace(destination)
    return Backup(destination, manifest)


# --- restore --------------------------------------------------------------------------------


@contextlib.contextmanager
def opened(source: Path) -> Iterator[Path]:
    """The backup's directory (a ``.tar.gz`` is unpacked into a temporary one)."""
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise CommandError(f"{source} does not exist.")
    with tempfile.TemporaryDirectory() as scratch:
        try:
            with tarfile.open(source, "r:gz") as tar:
                tar.extractall(scratch, filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise CommandError(f"{source} is not a readable backup archive: {exc}") from exc
        found = [p.parent for p in Path(scratch).rglob(MANIFEST)]
        if len(found) != 1:
            raise CommandError(f"{source} holds no single {MANIFEST}: not a Linli backup.")
        yield found[0]


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"{folder / MANIFEST} cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise CommandError(f"Unknown backup format {manifest.get('format')!r}.")
    database = folder / manifest["database_file"]
    if not database.is_file() or sha256(database) != manifest["database_sha256"]:
        raise CommandError(f"{database} is missing or damaged (its SHA-256 does not match).")
    return manifest


def restore_database(folder: Path, manifest: dict) -> None:
    if manifest["vendor"] != connection.vendor:
        raise CommandError(
            f"This is a {manifest['vendor']} backup; the configured database is "
            f"{connection.vendor}. Restore it into the same kind of database."
        )
    connections.close_all()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(str(folder / SQLITE_FILE))
        target = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=60)
        try:
            source.backup(target)  # page by page into the live file (WAL and all)
        finally:
            target.close()
            source.close()
    else:
        pg_restore = _pg_tool("pg_restore")
        args, env = _pg_args_env()
        _run(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
            + args
            + [str(folder / PG_FILE)],
            env,
        )
    connections.close_all()


def restore_media(folder: Path, manifest: dict) -> list[str]:
    """Copy the files back into MEDIA_ROOT; the names of those whose content does not match."""
    damaged = []
    root = Path(settings.MEDIA_ROOT).resolve()
    for relative, digest in manifest["media"].items():
        source = folder / "media" / relative
        target = (root / relative).resolve()
        if not target.is_relative_to(root):
            raise CommandError(f"The manifest names a file outside the media folder: {relative}")
        if not source.is_file() or sha256(source) != digest:
            damaged.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return damaged


def encrypted_fields_open(limit: int = 50) -> tuple[int, list[str]]:
    """Read back up to ``limit`` stored values of every encrypted field with the keys given:
    (values read, problems)."""
    from django.apps import apps

    from linli.core.privacy import EncryptedTextField

    read, problems = 0, []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, EncryptedTextField):
                continue
            rows = model._base_manager.exclude(**{field.attname: ""}).values_list("pk", flat=True)
            for pk in rows[:limit]:
                try:
                    model._base_manager.filter(pk=pk).values_list(field.attname, flat=True)[0]
                    read += 1
                except RuntimeError:
                    problems.append(f"{model._meta.label}.{field.name} #{pk}")
    return read, problems
