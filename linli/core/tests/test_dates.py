"""Dates are bounded: a birth date from 1900 and not in the future; a service date not before
LINLI_EARLIEST_SERVICE_DATE and not absurdly far ahead — a field error, never a stored absurdity."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.dates import birth_date_problem, service_date_problem
from linli.core.errors import ValidationFailed
from linli.orders.tests.conftest import desk  # noqa: F401 (a fixture)
from linli.people import services as people_services
from linli.points.tests.helpers import reward
from linli.volunteers import hours
from linli.warehouse.services import inbound

LONG_AGO = datetime.date(1999, 12, 31)
FAR_AHEAD = datetime.date(2999, 1, 1)


def fields_of(call) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return caught.value.fields


class TestBounds:
    def test_birth_dates_run_from_1900_to_today(self):
        assert birth_date_problem(datetime.date(1899, 12, 31))
        assert birth_date_problem(datetime.date(1900, 1, 1)) is None
        assert birth_date_problem(timezone.localdate() + datetime.timedelta(days=1))

    def test_service_dates_start_at_the_setting(self, settings):
        assert service_date_problem(LONG_AGO)
        assert service_date_problem(datetime.date(2000, 1, 1)) is None
        settings.LINLI_EARLIEST_SERVICE_DATE = datetime.date(2020, 6, 1)
        assert service_date_problem(datetime.date(2020, 5, 31))
        assert service_date_problem(datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC))

    def test_service_dates_reach_ahead_only_as_far_as_allowed(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        assert service_date_problem(tomorrow)
        assert service_date_problem(tomorrow, ahead=datetime.timedelta(days=2)) is None


class TestServices:
    def test_a_birth_date_before_1900_is_refused(self, world):
        fields = fields_of(lambda: world.person(birth_date=datetime.date(1850, 1, 1)))
        assert "birth_date" in fields

    def test_hours_served_before_the_earliest_date_are_refused(self, world, desk):  # noqa: F811
        fields = fields_of(
            lambda: hours.service_record_submit(
                actor=world.station_a,
                volunteer_id=desk.volunteer.pk,
                served_on=LONG_AGO,
                hours=Decimal("1"),
                description="陪伴",
            )
        )
        assert "served_on" in fields

    def test_a_tag_or_a_consent_dated_long_ago_is_refused(self, world, person_a):
        fields = fields_of(
            lambda: people_services.person_tag_add(
                actor=world.worker_a, person_id=person_a.pk, tag="disabled", start_date=LONG_AGO
            )
        )
        assert "start_date" in fields
        fields = fields_of(
            lambda: people_services.consent_record(
                actor=world.worker_a,
                person_id=person_a.pk,
                purpose="registry",
                method="signed",
                given_on=LONG_AGO,
            )
        )
        assert "given_on" in fields

    def test_an_order_wanted_centuries_ahead_is_refused(self, desk):  # noqa: F811
        wanted = timezone.make_aware(datetime.datetime(2999, 1, 1, 9))
        assert "wanted_at" in fields_of(lambda: desk.order(wanted_at=wanted))

    def test_a_reward_valid_until_the_year_2999_is_refused(self, world):
        assert "valid_until" in fields_of(lambda: reward(world, valid_until=FAR_AHEAD))

    def test_a_pledge_available_from_long_ago_is_refused(self, world, person_a):
        fields = fields_of(
            lambda: inbound.pledge_create(
                actor=world.worker_a,
                community_id=world.a.pk,
                pledger_kind="business",
                pledger_name="王师傅水电",
                service="水电维修",
                available_from=LONG_AGO,
            )
        )
        assert "available_from" in fields


def test_the_page_shows_the_birth_date_error(world, client_for, english):
    response = client_for(world.worker_a).post(
        "/residents/new/",
        {
            "community": world.a.pk,
            "name": "张三",
            "gender": "male",
            "birth_date": "1850-01-01",
            "address": "1栋",
        },
    )
    assert response.status_code in (200, 422)
    assert "1900" in str(response.context["form"].errors["birth_date"])
