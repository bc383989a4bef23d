"""Backups while the site writes, their restore, and demo mode refusing to generate keys over
encrypted data (issue 11, point 10).

These run real ``manage.py`` processes against their own database files (or PostgreSQL databases)
under a temporary ``LINLI_VAR_DIR``: the online backup and the key guard need a real database
file, not the test run's in-memory one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management.base import CommandError
from django.db import connection

from linli.core import backups, keyguard
from linli.core.privacy import EncryptedTextField

ROOT = Path(__file__).resolve().parents[3]
KEYS = ("SECRET_KEY", "LINLI_FIELD_KEYS", "LINLI_HASH_KEY", "LINLI_LEDGER_KEYS")

# Run inside a site: people with ID and mobile numbers, points through the ledger and an uploaded
# file; then writers keep adding people and points while ``manage.py backup`` runs.
SCENARIO = r"""
import json, sys, threading, datetime
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from linli.accounts.roles import Role
from linli.accounts.services import membership_grant, user_create
from linli.core.privacy import id_check_digit
from linli.people.services import person_create
from linli.places.models import Community, Compound, Grid, Street
from linli.points.services import points_credit

destination = sys.argv[1]
street = Street.objects.create(code="S", name="街道")
community = Community.objects.create(street=street, code="A", name="甲社区")
grid = Grid.objects.create(community=community, code="G", name="网格")
compound = Compound.objects.create(grid=grid, community=community, code="C", name="小区")
admin = user_create(actor=None, username="admin", password="a-long-password-1")
membership_grant(actor=None, user=admin, role=Role.STATION_ADMIN, community_id=community.pk)
serial = iter(range(1, 10**6))

def add_person(tag):
    n = next(serial)
    first17 = f"510107{1930 + n % 60}0101{n % 1000:03d}"
    person = person_create(
        actor=admin, community_id=community.pk, name=f"居民{tag}{n}", gender="male",
        birth_date=datetime.date(1930 + n % 60, 1, 1), compound_id=compound.pk,
        id_number=first17 + id_check_digit(first17), mobile=f"139{n:08d}", address="1栋",
    )
    points_credit(actor=admin, person=person, points=n, kind="points.hours", memo="t",
                  idempotency_key=f"credit-{n}")
    return person

known = {p.pk: p.id_number for p in (add_person("初") for _ in range(5))}
media = settings.MEDIA_ROOT / "receipts" / "r1.jpg"
media.parent.mkdir(parents=True, exist_ok=True)
media.write_bytes(b"\xff\xd8 a receipt")

stop, written, failures = threading.Event(), threading.Semaphore(0), []

def writer():
    try:
        while not stop.is_set():
            add_person("并")
            written.release()
    except Exception as exc:
        failures.append(repr(exc))
        written.release()
    finally:
        connection.close()

threads = [threading.Thread(target=writer) for _ in range(3)]
for thread in threads:
    thread.start()
for _ in range(6):
    written.acquire()  # the writers are writing
call_command("backup", destination)
for _ in range(6):
    written.acquire()  # and went on writing after it
stop.set()
for thread in threads:
    thread.join()
from linli.people.models import Person
print(json.dumps({"known": known, "failures": failures, "people_after": Person.objects.count()}))
"""

READ_BACK = r"""
import json, sys
import django
django.setup()
from django.conf import settings
from linli.core.privacy import keyed_hash
from linli.people.models import Person
known = json.loads(sys.argv[1])
found = {}
for pk, id_number in known.items():
    person = Person.objects.get(pk=int(pk))
    found[pk] = [person.id_number == id_number,
                 Person.objects.filter(id_number_hash=keyed_hash(id_number)).count() == 1]
media = (settings.MEDIA_ROOT / "receipts" / "r1.jpg").read_bytes()
print(json.dumps({"found": found, "media": media.decode("latin-1")}))
"""


def site_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", *KEYS}}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="linli.settings", LINLI_VAR_DIR=str(var_dir))
    env.pop("LINLI_MEDIA_ROOT", None)
    env.update(extra)
    return env


def run(env, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
    )


def manage(env, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run(env, "manage.py", *args, stdin=stdin)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def keys_of(var_dir: Path) -> dict[str, str]:
    """The keys the operator kept apart from the backup (demo mode: the files under var/)."""
    return {k: (var_dir / k.lower()).read_text() for k in KEYS if (var_dir / k.lower()).exists()}


def backup_while_writing(env, destination: Path, *, migrate: bool = False) -> dict:
    if migrate:
        ok(manage(env, "migrate", "--noinput", "-v", "0"))
    result = json.loads(ok(run(env, "-c", SCENARIO, str(destination))).splitlines()[-1])
    assert result["failures"] == []
    return result


def restored_correctly(env, scenario: dict, manifest: dict, restore_output: str) -> None:
    assert "Ledger sound" in restore_output
    assert "counts match" in restore_output
    back = json.loads(ok(run(env, "-c", READ_BACK, json.dumps(scenario["known"]))).splitlines()[-1])
    assert all(a and b for a, b in back["found"].values()), back  # decrypt, and the hash finds
    assert back["media"] == "\xff\xd8 a receipt"
    # The backup is a moment between the first people and the last: writers went on meanwhile.
    assert 5 + 6 <= manifest["tables"]["people_person"] < scenario["people_after"]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated, empty SQLite site (database and demo keys), made once and copied per test."""
    var_dir = tmp_path_factory.mktemp("migrated")
    ok(manage(site_env(var_dir), "migrate", "--noinput", "-v", "0"))
    return var_dir


@pytest.fixture
def sqlite_site(tmp_path, migrated):
    var_dir = tmp_path / "site"
    shutil.copytree(migrated, var_dir)
    return site_env(var_dir), var_dir


class TestBackupAndRestoreOnSQLite:
    def test_a_backup_taken_during_writes_restores_sound_with_equal_counts_and_readable_fields(
        self, sqlite_site, tmp_path
    ):
        env, var_dir = sqlite_site
        archive = tmp_path / "backups" / "linli.tar.gz"
        scenario = backup_while_writing(env, archive)
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            manifest = json.load(tar.extractfile("linli-backup/manifest.json"))
        assert "linli-backup/database.sqlite3" in names
        assert "linli-backup/media/receipts/r1.jpg" in names
        assert not any(k.lower() in name for name in names for k in KEYS)  # no keys inside
        assert manifest["vendor"] == "sqlite"
        assert manifest["media"]["receipts/r1.jpg"]
        assert manifest["ledger_chain_tips"]
        assert set(manifest["keys"]) >= {"SECRET_KEY", "LINLI_FIELD_KEYS", "LINLI_HASH_KEY"}

        fresh = site_env(tmp_path / "restored", **keys_of(var_dir))
        out = ok(manage(fresh, "restore", str(archive)))
        restored_correctly(fresh, scenario, manifest, out)

    def test_the_backup_names_the_keys_to_keep_apart_and_leaves_them_out(
        self, sqlite_site, tmp_path
    ):
        env, var_dir = sqlite_site
        out = ok(manage(env, "backup", str(tmp_path / "b")))
        for name in ("SECRET_KEY", "LINLI_FIELD_KEYS", "LINLI_HASH_KEY"):
            assert name in out
        assert "holds no keys" in out
        stored = "".join(p.read_text(errors="ignore") for p in (tmp_path / "b").rglob("*.json"))
        for value in keys_of(var_dir).values():
            assert value.strip() not in stored
        assert manage(env, "backup", str(tmp_path / "b")).returncode != 0  # never overwrites

    def test_restore_refuses_a_database_with_data_unless_forced_and_confirmed(
        self, sqlite_site, tmp_path
    ):
        env, var_dir = sqlite_site
        scenario = backup_while_writing(env, tmp_path / "b")
        # Into the same site, which holds data (more than the backup: the writers went on).
        refused = manage(env, "restore", str(tmp_path / "b"))
        assert refused.returncode != 0 and "already holds data" in refused.stderr
        cancelled = manage(env, "restore", str(tmp_path / "b"), "--force", stdin="no\n")
        assert cancelled.returncode != 0 and "cancelled" in cancelled.stderr
        out = ok(manage(env, "restore", str(tmp_path / "b"), "--force", stdin="yes\n"))
        manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
        restored_correctly(env, scenario, manifest, out)

    def test_restore_refuses_keys_other_than_the_backups(self, sqlite_site, tmp_path):
        env, var_dir = sqlite_site
        ok(manage(env, "backup", str(tmp_path / "b")))
        # A fresh demo site generates its own keys: not the ones the backup needs.
        fresh = site_env(tmp_path / "other")
        refused = manage(fresh, "restore", str(tmp_path / "b"))
        assert refused.returncode != 0
        assert "LINLI_FIELD_KEYS" in refused.stderr and "Nothing was changed" in refused.stderr

    def test_a_damaged_backup_is_refused(self, sqlite_site, tmp_path):
        env, var_dir = sqlite_site
        ok(manage(env, "backup", str(tmp_path / "b")))
        with (tmp_path / "b" / "database.sqlite3").open("ab") as file:
            file.write(b"tampered")
        refused = manage(site_env(tmp_path / "x", **keys_of(var_dir)), "restore", f"{tmp_path}/b")
        assert refused.returncode != 0 and "damaged" in refused.stderr


def test_a_manifest_cannot_send_files_outside_the_media_folder(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "b" / "media").mkdir(parents=True)
    with pytest.raises(CommandError, match="outside the media folder"):
        backups.restore_media(tmp_path / "b", {"media": {"../../evil.py": "0" * 64}})
    assert not (tmp_path / "evil.py").exists()


class TestDemoKeysAreNeverRegeneratedOverData:
    def test_the_site_refuses_to_start_when_a_key_file_is_missing_but_encrypted_rows_exist(
        self, sqlite_site, tmp_path
    ):
        env, var_dir = sqlite_site
        backup_while_writing(env, tmp_path / "b")
        for name in ("LINLI_FIELD_KEYS", "LINLI_HASH_KEY"):
            kept = (var_dir / name.lower()).read_text()
            (var_dir / name.lower()).unlink()
            result = manage(env, "check")
            assert result.returncode != 0
            assert f"{name} is missing" in result.stderr
            assert str(var_dir / name.lower()) in result.stderr  # where the key should be
            assert not (var_dir / name.lower()).exists()  # and no new key was generated
            (var_dir / name.lower()).write_text(kept)
        ok(manage(env, "check"))

    def test_a_database_that_cannot_be_asked_is_not_given_new_keys(self, tmp_path):
        env = site_env(tmp_path / "site", DATABASE_URL="postgres://nobody@127.0.0.1:1/linli")
        result = manage(env, "check")
        assert result.returncode != 0 and "could not be checked" in result.stderr
        assert not (tmp_path / "site" / "linli_field_keys").exists()

    def test_a_database_without_encrypted_rows_still_gets_its_demo_keys(self, sqlite_site):
        env, var_dir = sqlite_site
        (var_dir / "linli_field_keys").unlink()
        ok(manage(env, "check"))
        assert (var_dir / "linli_field_keys").exists()

    def test_the_guard_knows_every_encrypted_column_and_its_keyed_hash(self):
        encrypted, hashes = set(), set()
        for model in apps.get_models():
            names = {f.name for f in model._meta.concrete_fields}
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedTextField):
                    encrypted.add((model._meta.db_table, field.column))
                    if f"{field.name}_hash" in names:
                        hash_field = model._meta.get_field(f"{field.name}_hash")
                        hashes.add((model._meta.db_table, hash_field.column))
        assert encrypted == set(keyguard.PROTECTED["LINLI_FIELD_KEYS"])
        assert hashes == set(keyguard.PROTECTED["LINLI_HASH_KEY"])


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump needs PostgreSQL")
@pytest.mark.django_db
def test_a_postgresql_backup_taken_during_writes_restores_into_another_database(tmp_path):
    import psycopg

    params = connection.settings_dict
    base = params["NAME"].removeprefix("test_")
    source, target = f"{base}_backup", f"{base}_restore"
    server = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        for name in (source, target):
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    url = f"postgres://{auth}@{server['host']}:{server['port']}/"
    try:
        env = site_env(tmp_path / "site", DATABASE_URL=url + source)
        archive = tmp_path / "pg.tar.gz"
        scenario = backup_while_writing(env, archive, migrate=True)
        with tarfile.open(archive) as tar:
            manifest = json.load(tar.extractfile("linli-backup/manifest.json"))
            assert "linli-backup/database.pgdump" in tar.getnames()
        fresh = site_env(
            tmp_path / "restored", DATABASE_URL=url + target, **keys_of(tmp_path / "site")
        )
        out = ok(manage(fresh, "restore", str(archive)))
        restored_correctly(fresh, scenario, manifest, out)
        # Demo mode on PostgreSQL too: no new key over the restored encrypted rows.
        refused = manage(site_env(tmp_path / "no-keys", DATABASE_URL=url + target), "check")
        assert refused.returncode != 0 and "LINLI_FIELD_KEYS is missing" in refused.stderr
        # A database not created yet holds nothing: the demo keys are generated.
        ok(manage(site_env(tmp_path / "new", DATABASE_URL=url + f"{base}_not_created"), "check"))
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            for name in (source, target):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
