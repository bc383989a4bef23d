"""Warehouse benchmark (`make bench`): each figure printed beside a baseline from the same run.

1. Stock on hand (``warehouse.selectors.stock_on_hand``, every row of it) for 5,000 items at 20
   locations after BENCH_MOVEMENTS stock movements (default 1,000,000 — each a ledger transaction
   moving a lot between two accounts), against a bare ``SELECT account_id, SUM(quantity) FROM
   ledger_posting GROUP BY account_id`` over the same postings. Target: at most 2x the bare sum.
2. Till settlements per second (``warehouse.services.till.sale_settle``: points, goods, receipt)
   with 8 concurrent tills on PostgreSQL — each till in its own community — against
   ``ledger.post`` of the very same legs by 8 workers. Printed with the one-community figure
   (8 tills in one supermarket share its hash chain, ADR 0008). On SQLite: 1 till.

Runs in a scratch database (PostgreSQL ``<name>_bench`` when DATABASE_URL points there, else a
scratch SQLite file). Never touches the real database.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger_bench import (  # noqa: E402
    recreate_postgres,
    scratch_database,
    settle,
    setup_django,
)

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
MOVEMENTS = int(os.environ.get("BENCH_MOVEMENTS", "1000000"))
ITEMS, LOCATIONS = 5000, 20


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _community(code: str):
    from linli.places.models import Community, Street

    street, _ = Street.objects.get_or_create(code="WBENCH", defaults={"name": "bench"})
    return Community.objects.get_or_create(street=street, code=code, defaults={"name": code})[0]


def _staff(username: str, community_id: int):
    from linli.accounts.roles import Role
    from linli.accounts.services import membership_grant, user_create

    user = user_create(actor=None, username=username, password="bench-password-123")
    membership_grant(actor=None, user=user, role=Role.SOCIAL_WORKER, community_id=community_id)
    return user


# --- 1. stock on hand ---------------------------------------------------------------------------


def fill_stock(community_id: int) -> int:
    """5,000 items (one lot each) at 20 locations, then MOVEMENTS transactions of two postings:
    goods donated into a location, or moved from one location to another. Written in bulk (the
    figure measured is the read); balances are set to the sums of their postings."""
    from django.db import connection, transaction

    from linli.ledger.models import Account
    from linli.warehouse.models import Item, Location, Lot, StockHolding

    locations = Location.objects.bulk_create(
        Location(community_id=community_id, name=f"库位{n}", kind="warehouse")
        for n in range(LOCATIONS)
    )
    items = Item.objects.bulk_create(
        Item(
            community_id=community_id,
            name=f"物资{n}",
            category="food",
            unit="件",
            fair_value_fen=100 + n % 900,
        )
        for n in range(ITEMS)
    )
    lots = Lot.objects.bulk_create(Lot(item=item) for item in items)
    donated = Account.objects.bulk_create(
        Account(
            key=f"community:{community_id}/warehouse/donated",
            commodity=f"LOT:{lot.pk}",
            community_id=community_id,
            may_go_negative=True,
        )
        for lot in lots
    )
    holding_accounts = Account.objects.bulk_create(
        Account(
            key=f"community:{community_id}/location:{loc.pk}/stock",
            commodity=f"LOT:{lot.pk}",
            community_id=community_id,
        )
        for lot in lots
        for loc in locations
    )
    StockHolding.objects.bulk_create(
        StockHolding(location=loc, lot=lot, account=holding_accounts[i * LOCATIONS + j])
        for i, lot in enumerate(lots)
        for j, loc in enumerate(locations)
    )
    balances: dict[int, Decimal] = {}
    ids = [a.pk for a in holding_accounts]
    batch_tx, batch_postings, written = [], [], 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_transaction")
        next_id = cursor.fetchone()[0] + 1
    for n in range(MOVEMENTS):
        i = n % ITEMS
        loc = (n // ITEMS) % LOCATIONS
        target = ids[i * LOCATIONS + loc]
        if n < ITEMS * LOCATIONS or n % 3:  # donation into a location
            source, quantity = donated[i].pk, Decimal(5)
        else:  # a move from the neighbouring location (which holds at least 5)
            source, quantity = ids[i * LOCATIONS + (loc + 1) % LOCATIONS], Decimal(1)
        if source != donated[i].pk and balances.get(source, 0) < quantity:
            source, quantity = donated[i].pk, Decimal(5)
        tx_id = next_id + n
        batch_tx.append((tx_id, "bench.stock", f"h{tx_id}"))
        batch_postings += [
            (tx_id, source, f"LOT:{lots[i].pk}", -quantity),
            (tx_id, target, f"LOT:{lots[i].pk}", quantity),
        ]
        balances[source] = balances.get(source, Decimal(0)) - quantity
        balances[target] = balances.get(target, Decimal(0)) + quantity
        if len(batch_tx) == 20000 or n == MOVEMENTS - 1:
            _write(batch_tx, batch_postings)
            written += len(batch_tx)
            batch_tx, batch_postings = [], []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE ledger_account SET balance = %s WHERE id = %s",
            [(str(v), pk) for pk, v in balances.items()],
        )
        if connection.vendor == "postgresql":  # ids were given explicitly: move the sequence on
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('ledger_transaction', 'id'), "
                "(SELECT MAX(id) FROM ledger_transaction))"
            )
    return written


def _write(transactions, postings) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now()
    if connection.vendor == "postgresql":  # COPY: the bulk load is not what is measured
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.copy(
                "COPY ledger_transaction (id, kind, memo, created_at, content_hash, prev_hash, "
                "hash) FROM STDIN"
            ) as copy:
                for pk, kind, h in transactions:
                    copy.write_row((pk, kind, "", now, "", "", h))
            with cursor.copy(
                "COPY ledger_posting (transaction_id, account_id, commodity, quantity) FROM STDIN"
            ) as copy:
                for row in postings:
                    copy.write_row(row)
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO ledger_transaction (id, kind, memo, created_at, content_hash, prev_hash, "
            "hash) VALUES (%s, %s, '', %s, '', '', %s)",
            [(pk, kind, now, h) for pk, kind, h in transactions],
        )
        cursor.executemany(
            "INSERT INTO ledger_posting (transaction_id, account_id, commodity, quantity) "
            "VALUES (%s, %s, %s, %s)",
            [(t, a, c, str(q)) for t, a, c, q in postings],
        )


def stock_vs_group_by() -> None:
    from django.db import connection

    from linli.warehouse import selectors

    community = _community("WBENCH-STOCK")
    user = _staff("bench-stock", community.pk)
    started = time.perf_counter()
    written = fill_stock(community.pk)
    took = time.perf_counter() - started
    print(f"  filled {written:,} movements ({2 * written:,} postings) in {took:.1f} s")
    settle()

    def selector():
        return len(selectors.stock_on_hand(user, community_id=community.pk))

    def bare():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT account_id, SUM(quantity) FROM ledger_posting GROUP BY account_id"
            )
            return len(cursor.fetchall())

    selector(), bare()  # warm the caches alike
    rows, took = min((_timed(selector) for _ in range(3)), key=lambda r: r[1])
    sums, base = min((_timed(bare) for _ in range(3)), key=lambda r: r[1])
    print(
        f"  stock on hand, {rows:,} rows ({ITEMS:,} items x {LOCATIONS} locations): "
        f"{took:6.3f} s   bare GROUP BY over postings ({sums:,} sums): {base:6.3f} s   "
        f"ratio {took / base:5.2f} (target <= 2.00)"
    )


# --- 2. till settlements per second -------------------------------------------------------------


def till_setup(n: int) -> dict:
    """A community with a supermarket shelf well stocked, a cashier, a customer with points."""
    from linli.people import services as people_services
    from linli.points.services import points_credit
    from linli.warehouse.services import catalogue, inbound

    community = _community(f"WBENCH-TILL-{n}")
    cashier = _staff(f"bench-cashier-{n}", community.pk)
    shelf = catalogue.location_create(
        actor=cashier, community_id=community.pk, name="货架", kind="supermarket"
    )
    item = catalogue.item_create(
        actor=cashier,
        community_id=community.pk,
        name="挂面",
        category="food",
        unit="把",
        fair_value_fen=800,
        points_price=1,
    )
    inbound.donation_receive(
        actor=cashier,
        community_id=community.pk,
        location_id=shelf.pk,
        donor_kind="anonymous",
        lines=[inbound.LineIn(item_id=item.pk, quantity=90000)],
    )
    person = people_services.person_create(
        actor=cashier, community_id=community.pk, name=f"顾客{n}"
    )
    points_credit(
        actor=cashier,
        person=person,
        points=10**8,
        kind="bench",
        memo="",
        idempotency_key=f"bench-till-{n}",
    )
    return {
        "community": community.pk,
        "cashier": cashier.pk,
        "shelf": shelf.pk,
        "item": item.pk,
        "person": person.pk,
    }


def _till_worker(args) -> int:
    url, setup, deadline = args
    setup_django(url)
    from linli.accounts.models import User
    from linli.warehouse.services import till
    from linli.warehouse.services.outbound import OutLine

    cashier = User.objects.get(pk=setup["cashier"])
    done = 0
    while time.time() < deadline:
        till.sale_settle(
            actor=cashier,
            community_id=setup["community"],
            location_id=setup["shelf"],
            person_id=setup["person"],
            lines=[OutLine(item_id=setup["item"], quantity=1)],
        )
        done += 1
    return done


def _post_worker(args) -> int:
    """The same legs as a sale, posted straight through ``ledger.post``."""
    url, setup, deadline = args
    setup_django(url)
    from linli.ledger.services import Leg, post
    from linli.people.models import Person
    from linli.points.services import person_points_account, redeemed_points_account
    from linli.warehouse.models import StockHolding
    from linli.warehouse.services.stock import community_account

    person = Person.objects.get(pk=setup["person"])
    holding = StockHolding.objects.select_related("lot", "account").get(
        location_id=setup["shelf"], lot__item_id=setup["item"]
    )
    legs = [
        Leg(person_points_account(person), -1),
        Leg(redeemed_points_account(setup["community"]), 1),
        Leg(holding.account, -1),
        Leg(community_account(setup["community"], holding.lot, "sold"), 1),
    ]
    done = 0
    while time.time() < deadline:
        post(actor=None, kind="bench.sale", legs=legs, community_id=setup["community"])
        done += 1
    return done


def rate(url: str, fn, setups: list[dict], workers: int) -> float:
    context = multiprocessing.get_context("spawn")
    deadline = time.time() + SECONDS + 2
    with context.Pool(workers) as pool:
        started = time.time()
        counts = pool.map(fn, [(url, setups[w % len(setups)], deadline) for w in range(workers)])
        elapsed = time.time() - started
    return sum(counts) / elapsed


def tills(url: str, vendor: str) -> None:
    workers = 8 if vendor == "postgresql" else 1
    setups = [till_setup(n) for n in range(workers)]
    from django.db import connections

    connections.close_all()
    sales = rate(url, _till_worker, setups, workers)
    posts = rate(url, _post_worker, setups, workers)
    print(
        f"  till settlements/s with {workers} till(s), one community each: sale_settle "
        f"{sales:7.0f}   ledger.post of the same legs {posts:7.0f}   ratio {sales / posts:5.2f}"
    )
    if vendor == "postgresql":
        sales = rate(url, _till_worker, setups[:1], 8)
        posts = rate(url, _post_worker, setups[:1], 8)
        print(
            f"  (8 tills in one community: sale_settle {sales:7.0f}   ledger.post {posts:7.0f}   "
            f"ratio {sales / posts:5.2f})"
        )


def main() -> None:
    url, vendor = scratch_database()
    if vendor == "postgresql":
        recreate_postgres(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"Warehouse benchmark on {vendor} ({SECONDS:g} s per rate, {os.cpu_count()} cores)")
    stock_vs_group_by()
    tills(url, vendor)
    if vendor == "postgresql":
        from urllib.parse import urlparse, urlunparse

        import psycopg
        from django.db import connections

        connections.close_all()
        parts = urlparse(url)
        with psycopg.connect(urlunparse(parts._replace(path="/postgres")), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}"')


if __name__ == "__main__":
    main()
