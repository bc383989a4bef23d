"""Write-load benchmark (`make bench`): 24 concurrent writers against a real HTTP server.

Each writer is a staff member of one of four communities who, for ``--seconds`` (default 60), in
turn records a need (``POST /api/v1/needs``, bearer token), records a visit with the need it found
on the visit page (``POST /visits/record/``, session cookie and CSRF token, as a phone does) and
redeems a points-mall reward for a resident (``POST /api/v1/points/rewards/<id>/redeem``: a ledger
transaction). Everything goes through HTTP, so the middleware, the sessions and the services are
all included. Printed per run: writes per second, latency median and p95, the count of 5xx
answers (target: 0) and how many of them were 503 (the database stayed busy past the busy timeout:
the client is told to retry), and anything else that was not a success.

The server is Django's own threaded WSGI server (``django.core.servers.basehttp``, what
``runserver`` uses; one thread per client connection, HTTP keep-alive), started in a subprocess
with ``DEBUG=1`` as ``make run`` does. No new server dependency: on SQLite the contention that
matters is between database connections, which a thread per request reproduces (and the GIL makes
it worse than a pre-fork server would, so the figure is a conservative one).

Runs first on a scratch SQLite file with the default settings (WAL, ``BEGIN IMMEDIATE``, busy
timeout ``LINLI_SQLITE_TIMEOUT``), then on PostgreSQL when ``--postgres URL`` or ``DATABASE_URL``
names one: in a scratch database ``<name>_bench`` that it creates and drops (skipped, with a
message, when the server cannot be reached). Set-up (database, users, people, points, the reward)
happens before the clock starts; the writers wait at a barrier. ``--runs`` (default 3) repeats
the measurement; each run is printed, then the median and the spread.

    .venv/bin/python bench/write_load_bench.py [--seconds 60] [--runs 3] [--writers 24]
        [--postgres postgres://postgres@127.0.0.1:5432/linli] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COMMUNITIES = 4
PEOPLE_PER_COMMUNITY = 30


# --- the server (a subprocess) -------------------------------------------------------------------


def serve(port: int) -> None:
    """Serve the site on 127.0.0.1:``port`` with Django's threaded WSGI server, quietly."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

    class Server(ThreadedWSGIServer):
        request_queue_size = 128  # 24 clients connect at once (a production server's backlog)

    server = Server(("127.0.0.1", port), Quiet)
    server.set_app(get_wsgi_application())
    server.serve_forever()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server did not start:\n{process.stderr.read()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not answer /healthz within 60 s")


def stop_server(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        _out, err = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate()
    return err or ""


# --- set-up, before the clock starts ------------------------------------------------------------


@dataclass
class Writer:
    community_id: int
    token: str
    session: str
    people: list[int]
    reward_id: int


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    if "DATABASE_URL" not in env:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def prepare(writers: int) -> list[Writer]:
    """Communities, one worker login per writer (a bearer token and a session), residents with
    points and a reward in each community's mall."""
    import datetime

    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from linli.accounts.roles import Role
    from linli.accounts.services import api_token_issue, membership_grant, user_create
    from linli.people.services import person_create
    from linli.places.models import Community, Compound, Grid, Street
    from linli.points import mall
    from linli.points.services import points_credit

    call_command("migrate", verbosity=0)
    street = Street.objects.create(code="WB", name="压测街道")
    today = timezone.localdate()
    per_community = []
    for n in range(COMMUNITIES):
        community = Community.objects.create(street=street, code=f"WB{n}", name=f"压测社区{n}")
        grid = Grid.objects.create(community=community, code=f"WB{n}-G", name="第1网格")
        compound = Compound.objects.create(
            grid=grid, community=community, code=f"WB{n}-C", name="压测小区"
        )
        admin = user_create(actor=None, username=f"wb-admin-{n}", password=secrets.token_hex())
        membership_grant(actor=None, user=admin, role=Role.STATION_ADMIN, community_id=community.pk)
        people = []
        for p in range(PEOPLE_PER_COMMUNITY):
            birth = datetime.date(1940 + p, 1 + p % 12, 1 + p % 28)
            person = person_create(
                actor=admin,
                community_id=community.pk,
                name=f"压测居民{n}-{p}",
                gender="male",
                birth_date=birth,
                compound_id=compound.pk,
                address=f"{p}栋",
            )
            points_credit(
                actor=admin,
                person=person,
                points=10**7,
                kind="points.hours",
                memo="bench",
                idempotency_key=f"bench-{person.pk}",
            )
            people.append(person.pk)
        reward = mall.reward_create(
            actor=admin,
            community_id=community.pk,
            name="压测早餐券",
            provider_name="压测包子铺",
            kind="voucher",
            price=1,
            stock=100000,
            valid_from=today - datetime.timedelta(days=1),
            valid_until=today + datetime.timedelta(days=30),
        )
        per_community.append((community.pk, people, reward.pk))
    result = []
    for w in range(writers):
        community_id, people, reward_id = per_community[w % COMMUNITIES]
        user = user_create(actor=None, username=f"wb-worker-{w}", password=secrets.token_hex())
        membership_grant(actor=None, user=user, role=Role.SOCIAL_WORKER, community_id=community_id)
        client = Client()
        client.force_login(user)
        result.append(
            Writer(
                community_id=community_id,
                token=api_token_issue(actor=user),
                session=client.cookies["sessionid"].value,
                people=people,
                reward_id=reward_id,
            )
        )
    from django.db import connections

    connections.close_all()
    return result


# --- the writers -----------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    ok: int = 0
    server_errors: int = 0
    busy: int = 0
    other: int = 0
    samples: list[str] = field(default_factory=list)


def write_loop(port: int, writer: Writer, barrier: threading.Barrier, seconds: float, tally):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    csrf = secrets.token_hex(16)
    cookie = f"sessionid={writer.session}; csrftoken={csrf}"
    api = {"Authorization": f"Bearer {writer.token}", "Content-Type": "application/json"}
    n = 0
    conn.connect()
    barrier.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        person = writer.people[n % len(writer.people)]
        step = n % 3
        if step == 0:
            method, path, headers = "POST", "/api/v1/needs", api
            body = json.dumps(
                {
                    "person_id": person,
                    "category": "meal",
                    "urgency": "this_week",
                    "source": "phone",
                    "description": f"压测需求 {n}",
                }
            )
        elif step == 1:
            method = "POST"
            path = f"/visits/record/?community={writer.community_id}"
            headers = {
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": csrf,
            }
            body = urlencode(
                {
                    "csrfmiddlewaretoken": csrf,
                    "person": person,
                    "kind": "home",
                    "visited_at": time.strftime("%Y-%m-%dT%H:%M"),
                    "minutes": 30,
                    "wellbeing": 4,
                    "conditions": "",
                    "findings": f"压测探访 {n}",
                    "need_0_category": "cleaning",
                    "need_0_urgency": "this_week",
                    "need_0_description": "打扫",
                }
            )
        else:
            method = "POST"
            path = f"/api/v1/points/rewards/{writer.reward_id}/redeem"
            headers = api
            body = json.dumps({"person_id": person})
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body.encode(), headers=headers)
            response = conn.getresponse()
            content = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            status, content = 599, str(exc).encode()
        tally.latencies.append(time.perf_counter() - started)
        expected = 302 if step == 1 else 201
        if status == expected:
            tally.ok += 1
        elif status == 503:
            tally.busy += 1
        elif status >= 500:
            tally.server_errors += 1
        else:
            tally.other += 1
        if status != expected and len(tally.samples) < 2:
            tally.samples.append(f"{status} {path}: {content[:300]!r}")
        n += 1
    conn.close()


@dataclass
class Run:
    writes_per_s: float
    median_ms: float
    p95_ms: float
    server_errors: int
    busy: int
    other: int
    samples: list[str]


def measure(port: int, writers: list[Writer], seconds: float) -> Run:
    tallies = [Tally() for _ in writers]
    barrier = threading.Barrier(len(writers) + 1)
    threads = [
        threading.Thread(target=write_loop, args=(port, w, barrier, seconds, t))
        for w, t in zip(writers, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for t in tallies for x in t.latencies)
    return Run(
        writes_per_s=sum(t.ok for t in tallies) / elapsed,
        median_ms=1000 * statistics.median(latencies),
        p95_ms=1000 * latencies[int(0.95 * (len(latencies) - 1))],
        server_errors=sum(t.server_errors for t in tallies),
        busy=sum(t.busy for t in tallies),
        other=sum(t.other for t in tallies),
        samples=[s for t in tallies for s in t.samples][:3],
    )


def describe(run: Run) -> str:
    return (
        f"{run.writes_per_s:7.1f} writes/s   median {run.median_ms:6.0f} ms   "
        f"p95 {run.p95_ms:6.0f} ms   5xx {run.server_errors + run.busy} (target 0; "
        f"of which 503 busy {run.busy})   other {run.other}"
    )


# --- one database ------------------------------------------------------------------------------


def bench_one(vendor: str, env: dict[str, str], args) -> list[Run]:
    """Prepare in a child process (one Django per database), serve, measure ``args.runs`` times."""
    prep = subprocess.run(
        [sys.executable, __file__, "--prepare", str(args.writers)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if prep.returncode:
        raise SystemExit(f"set-up failed:\n{prep.stderr[-3000:]}")
    writers = [Writer(**w) for w in json.loads(prep.stdout.splitlines()[-1])]
    process, port = start_server(env)
    runs = []
    try:
        for number in range(1, args.runs + 1):
            run = measure(port, writers, args.seconds)
            runs.append(run)
            print(f"  {vendor:10} run {number}: {describe(run)}", flush=True)
            for sample in run.samples:
                print(f"      e.g. {sample}")
    finally:
        log = stop_server(process)
    errors = [line for line in log.splitlines() if "Error" in line or "locked" in line]
    if errors:
        saved = Path(env["LINLI_VAR_DIR"]) / "server.log"
        saved.write_text(log)
        print(f"  ({len(errors)} error lines in the server's log {saved}, e.g. {errors[-1][:200]})")
    else:
        shutil.rmtree(env["LINLI_VAR_DIR"], ignore_errors=True)
    return runs


def summary(vendor: str, runs: list[Run]) -> None:
    if len(runs) < 2:
        return
    rates = [r.writes_per_s for r in runs]
    p95s = [r.p95_ms for r in runs]
    medians = [r.median_ms for r in runs]
    print(
        f"  {vendor:10} median of {len(runs)}: {statistics.median(rates):7.1f} writes/s "
        f"(spread {min(rates):.1f}–{max(rates):.1f})   median {statistics.median(medians):.0f} ms"
        f"   p95 {statistics.median(p95s):.0f} ms (spread {min(p95s):.0f}–{max(p95s):.0f})   "
        f"5xx {sum(r.server_errors + r.busy for r in runs)} in all "
        f"(503 busy {sum(r.busy for r in runs)})"
    )


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="linli.settings")
    env["LINLI_VAR_DIR"] = tempfile.mkdtemp(prefix="linli-write-bench-")
    return env


def postgres_scratch(url: str) -> str | None:
    """Create ``<name>_bench`` and return its URL; None (with a message) when unreachable."""
    try:
        import psycopg
    except ImportError:
        print("  postgresql: skipped (psycopg is not installed)")
        return None
    parts = urlparse(url)
    name = (parts.path.lstrip("/") or "linli") + "_bench"
    admin = urlunparse(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"  postgresql: skipped ({url} cannot be reached: {str(exc).strip()[:120]})")
        return None
    return urlunparse(parts._replace(path="/" + name))


def postgres_drop(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    admin = urlunparse(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writers", type=int, default=24)
    parser.add_argument("--postgres", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    if args.prepare:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
        import django

        django.setup()
        writers = prepare(args.prepare)
        print(json.dumps([w.__dict__ for w in writers]))
        return
    timeout = os.environ.get("LINLI_SQLITE_TIMEOUT", "20 (the default)")
    print(
        f"Write-load benchmark: {args.writers} writers (needs by API, visits by the page, "
        f"mall redemptions by API), {args.seconds:g} s per run, {args.runs} run(s), "
        f"{os.cpu_count()} cores; SQLite busy timeout {timeout} s"
    )
    results = {"sqlite": bench_one("sqlite", base_env(), args)}
    if not args.sqlite_only and args.postgres.startswith("postgres"):
        url = postgres_scratch(args.postgres)
        if url:
            env = base_env()
            env["DATABASE_URL"] = url
            try:
                results["postgresql"] = bench_one("postgresql", env, args)
            finally:
                postgres_drop(url)
    elif not args.sqlite_only:
        print("  postgresql: skipped (give --postgres URL or DATABASE_URL)")
    for vendor, runs in results.items():
        summary(vendor, runs)


if __name__ == "__main__":
    main()
