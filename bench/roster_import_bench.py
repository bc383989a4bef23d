"""Roster import benchmark: how long one write transaction holds the lock, and what another
community's writer sees meanwhile (issue 11, point 7).

Imports BENCH_ROWS rows (default 5,000) twice in the same run, while a second process registers
residents in another community every 50 ms and times each write:
- baseline: the whole roster in one transaction (what the import did before chunking);
- chunked: ``LINLI_IMPORT_CHUNK_ROWS`` rows per transaction (the default, 100).
Prints the longest transaction, the writer's slowest write and its failures for each.
Target: chunked, the longest transaction stays under about a second and the writer never fails.

Runs on a scratch SQLite file (the embedded default), or on PostgreSQL when DATABASE_URL points
there (in a scratch database ``<name>_bench`` that it creates and drops).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
ROWS = int(os.environ.get("BENCH_ROWS", "5000"))

from ledger_bench import recreate_postgres, scratch_database, setup_django  # noqa: E402


def _writer(url: str, community_id: int, user_id: int, stop, out) -> None:
    setup_django(url)
    from django.db import DatabaseError

    from linli.accounts.models import User
    from linli.people.services import person_create

    user = User.objects.get(pk=user_id)
    person_create(actor=user, community_id=community_id, name="预热", gender="male")  # warm up
    slowest, failures, writes, n = 0.0, 0, 0, 0
    while not stop.is_set():
        n += 1
        started = time.perf_counter()
        try:
            person_create(actor=user, community_id=community_id, name=f"对照{n}", gender="male")
            writes += 1
        except DatabaseError:
            failures += 1
        slowest = max(slowest, time.perf_counter() - started)
        time.sleep(0.05)
    out.send((writes, failures, slowest))


def _roster() -> bytes:
    import datetime

    from openpyxl import Workbook

    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "身份证号", "手机号", "网格", "小区", "楼栋门牌", "标签"])
    born = datetime.date(1950, 1, 1)
    for n in range(ROWS):
        day = born + datetime.timedelta(days=n // 400)
        first17 = f"510107{day:%Y%m%d}{n % 400 * 2 + 1:03d}"
        check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
        sheet.append([f"居民{n}", "男", first17 + check, "", "", "", f"{n}号", "独居"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(label: str, chunk_rows: int, url: str, community, other, user) -> None:
    """Import the roster into ``community`` while a writer registers people in ``other``."""
    from django.conf import settings
    from django.db import connections

    from linli.people import roster_import

    settings.LINLI_IMPORT_CHUNK_ROWS = chunk_rows
    settings.LINLI_IMPORT_MAX_ROWS = max(ROWS, settings.LINLI_IMPORT_MAX_ROWS)
    batch = roster_import.roster_upload(
        actor=user, community_id=community.pk, file_name="bench.xlsx", data=_roster()
    )
    durations = []
    real = roster_import._apply_chunk

    def timed(actor, batch_id):
        started = time.perf_counter()
        try:
            return real(actor, batch_id)
        finally:
            durations.append(time.perf_counter() - started)

    roster_import._apply_chunk = timed
    connections.close_all()
    receive, send = multiprocessing.Pipe(duplex=False)
    stop = multiprocessing.Event()
    writer = multiprocessing.Process(target=_writer, args=(url, other.pk, user.pk, stop, send))
    writer.start()
    time.sleep(1.0)
    started = time.perf_counter()
    try:
        roster_import.roster_apply(actor=user, batch_id=batch.pk, update_existing=False)
    finally:
        roster_import._apply_chunk = real
        elapsed = time.perf_counter() - started
        stop.set()
        writes, failures, slowest = receive.recv()
        writer.join()
    print(
        f"{label:<26} {len(durations):>5} transactions, {elapsed:6.1f} s in all, longest "
        f"{max(durations):6.2f} s | other community: {writes} writes, {failures} failed, "
        f"slowest {slowest:5.2f} s"
    )


def main() -> None:
    url, vendor = scratch_database()
    if vendor == "postgresql":
        recreate_postgres(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from linli.accounts.roles import Role
    from linli.accounts.services import membership_grant, user_create
    from linli.places.models import Community, Street

    street = Street.objects.create(code="BENCH", name="bench")
    communities = [
        Community.objects.create(street=street, code=f"B{n}", name=f"bench {n}") for n in range(3)
    ]
    user = user_create(actor=None, username="bench", password="bench-password-1", display_name="b")
    for community in communities:
        membership_grant(actor=None, user=user, role=Role.STATION_ADMIN, community_id=community.pk)
    default_chunk = int(os.environ.get("LINLI_IMPORT_CHUNK_ROWS", "100"))
    print(f"roster import on {vendor}, {ROWS} rows; a writer in another community every 50 ms")
    run("baseline: one transaction", ROWS + 1, url, communities[0], communities[2], user)
    run(f"chunked: {default_chunk} rows", default_chunk, url, communities[1], communities[2], user)


if __name__ == "__main__":
    main()
