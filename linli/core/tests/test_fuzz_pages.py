"""The pages' own fuzzing, beside schemathesis for the API: every URL pattern of the site, as each
role, with real ids of community A and hostile ones in the path, hostile values in every query
parameter the view reads, and hostile values POSTed to every form — never a 5xx.

One small world (not ``seed_demo``) per test; failures are collected and reported together."""

from __future__ import annotations

import datetime
import inspect
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from linli.accounts.roles import Role
from linli.accounts.services import membership_grant, user_create
from linli.conftest import PASSWORD
from linli.orders.tests.conftest import desk  # noqa: F401 (a fixture)
from linli.people import services as people_services
from linli.points.tests.helpers import give, reward
from linli.volunteers import hours
from linli.warehouse.services import counts
from linli.warehouse.tests.helpers import Shop

HUGE = "99999999999999999999999"
# Into every query parameter at once: Unicode digits that pass str.isdigit(), full-width digits,
# a number past 64 bits, a negative, nothing, a NUL, a very long string, an SQL-ish string.
HOSTILE = ["²", "１２", HUGE, "-1", "", "\x00", "9" * 4000, "' OR 1=1--"]
# Into each parameter the view reads, one at a time.
HOSTILE_ONE = ["²", HUGE]
# Into the path: an id past 64 bits.
HOSTILE_IDS = [HUGE]
# Into every field of a form at once, then into each field alone (the others keep their values).
HOSTILE_FORM = ["²", HUGE, "-1", "\x00", "x" * 5000]
HOSTILE_FIELD = [HUGE]

COMMON_PARAMS = [
    "page",
    "q",
    "community",
    "team",
    "year",
    "quarter",
    "month",
    "days",
    "status",
    "person",
    "kind",
    "skill",
    "grid",
    "worker",
    "category",
    "location",
    "item",
    "household",
    "need",
    "tag",
    "date",
    "start",
    "end",
    "order",
    "from",
    "to",
    "report",
    "format",
    "visitor",
    "rule",
    "field",
    "actor",
    "verb",
    "recipient_kind",
    "donor_kind",
    "pay_with",
    "show",
    "mine",
    "overdue",
    "next",
]
# How a view reads a query parameter: request.GET.get("x"), request.GET["x"], query_int(request,
# "x"), query_id(request, "x"), _int(request, "x"), _int(request.GET.get("x")).
READS = re.compile(
    r"""(?:GET(?:\.get|\.getlist)?\(?\[?|query_i(?:nt|d)\(request,\s*|_int\(request,\s*)["'](\w+)["']"""
)

SKIP = ("admin/", "api/", "i18n/setlang/", "accounts/logout/", "static/", "media/")


def _patterns(resolver=None, prefix=""):
    """(route, callback) for every page pattern of the site."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern) and not route.startswith(SKIP):
            yield route, entry.callback


def _params_read(view) -> set[str]:
    """The query parameters a view reads, found in its source."""
    try:
        source = inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        source = ""
    return set(READS.findall(source))


class FormFields(HTMLParser):
    """The POST forms of a page: [(action, {name: value})], each field with the page's value (a
    select's selected option, else its first non-empty one)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = (a.get("action") or "", {})
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form[1]
        if tag == "option" and self._select:
            if "selected" in a or not fields.get(self._select):
                fields[self._select] = a.get("value") or ""
        elif not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file", "image"):
            checked = a.get("type") not in ("checkbox", "radio") or "checked" in a
            if checked or a["name"] not in fields:
                fields[a["name"]] = (a.get("value") or "") if checked else ""
        elif tag == "select":
            self._select = a["name"]
            fields.setdefault(a["name"], "")
        elif tag == "textarea":
            fields[a["name"]] = "text"

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


@pytest.fixture
def town(world, desk):  # noqa: F811 - the orders desk: volunteers, a team, a resident's login
    """Community A with a record of most kinds, made by the real services: ({path parameter: id},
    {role: user})."""
    from linli.orders.services import needs as need_services
    from linli.points import mall
    from linli.visits import services as visit_services

    w = world
    shop = Shop(world)
    person = desk.resident
    pharmacist = _user("pharmacist_a", Role.PHARMACIST, w.a)
    partner = _user("partner_a", Role.PARTNER, w.a)
    tag = people_services.person_tag_add(actor=w.worker_a, person_id=person.pk, tag="disabled")
    consent = people_services.consent_record(
        actor=w.worker_a, person_id=person.pk, purpose="registry", method="signed"
    )
    household = people_services.household_create(
        actor=w.worker_a, community_id=w.a.pk, address="1栋", head_id=person.pk
    )
    give(w, person, 100)
    prize = reward(w)
    redemption = mall.redemption_create(actor=w.resident_a, reward_id=prize.pk)
    record = hours.service_record_submit(
        actor=w.station_a,
        volunteer_id=desk.volunteer.pk,
        served_on=timezone.localdate(),
        hours=Decimal("2"),
        description="陪伴",
    )
    donation = shop.receive(shop.rice, 10, timezone.localdate() + datetime.timedelta(days=200))
    shop.receive(shop.coat, 5)
    distribution = shop.give(shop.coat, 1, person_id=person.pk)
    shop.move(shop.coat, 1, shop.store, shop.shelf)
    count = counts.count_start(actor=w.worker_a, location_id=shop.reserve.pk)
    order = desk.done()
    need = need_services.need_create(
        actor=w.worker_a,
        category="repair",
        urgency="this_week",
        source="visit",
        description="灯坏了",
        person_id=person.pk,
    )
    visit = visit_services.visit_record(
        actor=w.worker_a,
        person_id=person.pk,
        kind="home",
        visited_at=timezone.now() - datetime.timedelta(hours=1),
        minutes=30,
        wellbeing=4,
    )
    ids = {
        "community_id": w.a.pk,
        "person_id": person.pk,
        "household_id": household.pk,
        "tag_id": tag.pk,
        "consent_id": consent.pk,
        "volunteer_id": desk.volunteer.pk,
        "record_id": record.pk,
        "team_id": desk.team.pk,
        "reward_id": prize.pk,
        "redemption_id": redemption.pk,
        "item_id": shop.rice.pk,
        "location_id": shop.store.pk,
        "donation_id": donation.pk,
        "distribution_id": distribution.pk,
        "count_id": count.pk,
        "order_id": order.pk,
        "need_id": need.pk,
        "visit_id": visit.pk,
    }  # any other id: 1 (the first row of its table, when there is one)
    users = {
        "anonymous": None,
        "resident": w.resident_a,
        "volunteer": w.volunteer_a,
        "social_worker": w.worker_a,
        "station_admin": w.station_a,
        "street_admin": w.street_admin,
        "pharmacist": pharmacist,
        "partner": partner,
    }
    return ids, users


def _user(username, role, community):
    user = user_create(actor=None, username=username, password=PASSWORD)
    membership_grant(actor=None, user=user, role=role, community_id=community.pk)
    return user


# Non-integer path parameters: the page's own word (an order's or a count's action) and a token.
WORDS = {"action": "accept", "token": "x", "code": "x"}


def _fill(route: str, ids: dict, *, hostile: str | None = None) -> str:
    """The route with each parameter filled: a real id (or ``hostile``) for ints."""

    def one(match):
        kind, name = match.group(1), match.group(2)
        if kind == "int":
            return hostile if hostile is not None else str(ids.get(name, 1))
        return WORDS.get(name, "x")

    return "/" + re.sub(r"<(\w+):(\w+)>", one, route)


class Failures(list):
    """Requests that crashed or answered 5xx, each as one readable line."""

    sent = 0

    def check(self, client, method, url, data=None):
        self.sent += 1
        try:
            response = getattr(client, method)(url, data or {})
        except Exception as exc:  # noqa: BLE001 - every crash is reported, not just the first
            self.append(f"{method.upper()} {url} {_short(data)} → {type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 500:
            self.append(f"{method.upper()} {url} {_short(data)} → {response.status_code}")
        return response


def _short(data) -> str:
    return urlencode({k: v if len(v) < 12 else v[:12] + "…" for k, v in (data or {}).items()})


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


ROLES = [
    "anonymous",
    "resident",
    "volunteer",
    "social_worker",
    "station_admin",
    "street_admin",
    "pharmacist",
    "partner",
]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_answers_5xx_to_hostile_ids_or_query_values(town, role, english):
    ids, users = town
    client = _client(users[role])
    failures = Failures()
    for route, view in _patterns():
        url = _fill(route, ids)
        response = failures.check(client, "get", url)
        if "<int:" in route:
            for bad in HOSTILE_IDS:
                failures.check(client, "get", _fill(route, ids, hostile=bad))
        if response is None or response.status_code != 200:
            continue  # not this role's page (or not a page): hostile values never reach its code
        for value in HOSTILE:
            failures.check(client, "get", url, dict.fromkeys(COMMON_PARAMS, value))
        for name in _params_read(view):
            for value in HOSTILE_ONE:
                failures.check(client, "get", url, {name: value})
    print(f"{role}: {failures.sent} requests")
    assert not failures, "\n".join(failures)


# Formset rows after the first repeat the first's fields.
LATER_ROW = re.compile(r"-[1-9][0-9]*-")


@pytest.mark.parametrize("role", ["station_admin", "volunteer", "resident"])
def test_no_form_answers_5xx_to_hostile_values(town, role, english):
    ids, users = town
    client = _client(users[role])
    failures = Failures()
    seen = set()  # a form on many pages (the top bar's) is fuzzed once
    for route, _view in _patterns():
        url = _fill(route, ids)
        response = failures.check(client, "get", url)
        if response is None or response.status_code != 200:
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = FormFields()
        parser.feed(response.content.decode())
        for action, fields in parser.forms:
            target = urlsplit(action).path or url
            if target.lstrip("/").startswith(SKIP) or "logout" in target:
                continue
            fields.pop("csrfmiddlewaretoken", None)
            if (target, *sorted(fields)) in seen:
                continue
            seen.add((target, *sorted(fields)))
            for value in HOSTILE_FORM:
                failures.check(client, "post", target, dict.fromkeys(fields, value))
            for name in fields:
                if LATER_ROW.search(name):
                    continue
                for value in HOSTILE_FIELD:
                    failures.check(client, "post", target, {**fields, name: value})
    print(f"{role}: {failures.sent} requests")
    assert not failures, "\n".join(failures)
