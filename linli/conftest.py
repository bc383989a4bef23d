"""Personas and places reused by every test: two communities A and B of one street, a worker
and a station admin of each, a street admin, a volunteer, a resident and an outsider."""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.accounts.services import api_token_issue, membership_grant, user_create
from linli.core.privacy import id_check_digit
from linli.people import services as people_services
from linli.people.models import Person
from linli.places.models import Community, Compound, Grid, Street

PASSWORD = "a-long-test-password"
_sequence = itertools.count(1)


def make_id_number(birth_date: datetime.date, *, male: bool = True, region: str = "510107") -> str:
    """A valid GB 11643 ID number for the birth date (unique within the test run)."""
    seq = (next(_sequence) % 499) * 2 + (1 if male else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def years_ago(years: int, days: int = 10) -> datetime.date:
    today = datetime.date.today()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@dataclass
class World:
    street: Street
    a: Community
    b: Community
    grid_a: Grid
    compound_a: Compound
    grid_b: Grid
    compound_b: Compound
    worker_a: User
    worker_b: User
    station_a: User
    street_admin: User
    volunteer_a: User
    resident_a: User
    outsider: User

    def person(self, actor: User | None = None, community: Community | None = None, **fields):
        community = community or self.a
        actor = actor or (self.worker_a if community == self.a else self.worker_b)
        compound = self.compound_a if community == self.a else self.compound_b
        birth = fields.pop("birth_date", years_ago(50))
        male = fields.get("gender", "male") == "male"
        defaults = {
            "name": "测试居民",
            "gender": "male",
            "birth_date": birth,
            "id_number": make_id_number(birth, male=male),
            "mobile": f"139{next(_sequence):08d}",
            "compound_id": compound.pk,
            "address": "1栋1单元101",
        }
        defaults.update(fields)
        return people_services.person_create(actor=actor, community_id=community.pk, **defaults)


def _user(username: str, role: str | None = None, **where) -> User:
    user = user_create(actor=None, username=username, password=PASSWORD, display_name=username)
    if role:
        membership_grant(actor=None, user=user, role=role, **where)
    return user


def pytest_configure(config):
    from django.conf import settings

    # Fast hashing in tests only; production keeps Django's PBKDF2 default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to the test's own folder (never var/media)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db) -> World:
    street = Street.objects.create(code="S1", name="测试街道")
    a = Community.objects.create(street=street, code="A", name="甲社区")
    b = Community.objects.create(street=street, code="B", name="乙社区")
    grid_a = Grid.objects.create(community=a, code="A-G1", name="第1网格")
    grid_b = Grid.objects.create(community=b, code="B-G1", name="第1网格")
    compound_a = Compound.objects.create(grid=grid_a, community=a, code="A-C1", name="甲小区")
    compound_b = Compound.objects.create(grid=grid_b, community=b, code="B-C1", name="乙小区")
    return World(
        street=street,
        a=a,
        b=b,
        grid_a=grid_a,
        compound_a=compound_a,
        grid_b=grid_b,
        compound_b=compound_b,
        worker_a=_user("worker_a", Role.SOCIAL_WORKER, community_id=a.pk),
        worker_b=_user("worker_b", Role.SOCIAL_WORKER, community_id=b.pk),
        station_a=_user("station_a", Role.STATION_ADMIN, community_id=a.pk),
        street_admin=_user("street_admin", Role.STREET_ADMIN, street_id=street.pk),
        volunteer_a=_user("volunteer_a", Role.VOLUNTEER, community_id=a.pk),
        resident_a=_user("resident_a", Role.RESIDENT, community_id=a.pk),
        outsider=_user("outsider"),
    )


@pytest.fixture
def person_a(world) -> Person:
    return world.person(name="张三丰", mobile="13912345678")


@pytest.fixture
def person_b(world) -> Person:
    return world.person(community=world.b, name="李四")


@pytest.fixture
def english(settings):
    """For tests that read English messages (zh-Hans is the default; it is checked elsewhere)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def client_for():
    """``client_for(user)``: a logged-in browser client."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    """``api_for(user)``: a client sending the user's bearer token."""

    def make(user: User) -> Client:
        return Client(headers={"Authorization": f"Bearer {api_token_issue(actor=user)}"})

    return make
