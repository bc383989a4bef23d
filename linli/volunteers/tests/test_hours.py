import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.accounts.models import User
from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.ledger.models import Account, LedgerTransaction
from linli.ledger.services import Leg, account_get_or_create, post
from linli.ledger.testing import assert_ledger_consistent
from linli.points import services as points_services
from linli.volunteers import hours, services


def today():
    return timezone.localdate()


@pytest.fixture
def setup(world, person_a):
    user = User.objects.create_user("vol", password="x")
    volunteer = services.volunteer_register(
        actor=world.worker_a, person_id=person_a.pk, consent_method="signed", user_id=user.pk
    )
    return {"user": user, "volunteer": volunteer, "person": person_a}


def submit(actor, volunteer, h="3", **kwargs):
    defaults = {"served_on": today(), "hours": Decimal(h), "description": "陪老人就医"}
    defaults.update(kwargs)
    return hours.service_record_submit(actor=actor, volunteer_id=volunteer.pk, **defaults)


def balance(person) -> Decimal:
    return points_services.person_points_account(person).balance


@pytest.mark.django_db
class TestServiceHours:
    def test_verified_hours_credit_points_once_through_the_ledger(self, world, setup):
        record = submit(setup["user"], setup["volunteer"], "3")
        verified = hours.service_record_verify(actor=world.station_a, record_id=record.pk)
        assert verified.status == "verified" and verified.points == 6  # 3 h × 2 points
        assert balance(setup["person"]) == 6
        with pytest.raises(Conflict):
            hours.service_record_verify(actor=world.station_a, record_id=record.pk)
        assert LedgerTransaction.objects.filter(kind="points.hours").count() == 1
        assert [e.to_status for e in record.events.all()] == ["submitted", "verified"]
        assert_ledger_consistent()

    def test_the_rule_of_the_day_served_applies(self, world, setup):
        points_services.earning_rule_set(
            actor=world.station_a,
            community_id=world.a.pk,
            kind="per_hour",
            points=5,
            starts_on=today() + datetime.timedelta(days=3),
        )
        record = submit(setup["user"], setup["volunteer"], "1.5")
        assert hours.service_record_verify(actor=world.station_a, record_id=record.pk).points == 3
        assert_ledger_consistent()

    def test_nobody_verifies_their_own_hours(self, world, setup):
        setup["volunteer"].user = world.station_a
        setup["volunteer"].save(update_fields=["user"])
        record = submit(world.station_a, setup["volunteer"])
        with pytest.raises(PermissionDenied):
            hours.service_record_verify(actor=world.station_a, record_id=record.pk)
        assert balance(setup["person"]) == 0

    def test_a_team_leader_verifies_the_team_s_hours(self, world, setup):
        leader_user = User.objects.create_user("leader", password="x")
        leader = services.volunteer_register(
            actor=world.worker_a,
            person_id=world.person(name="队长").pk,
            consent_method="signed",
            user_id=leader_user.pk,
        )
        team = services.team_create(
            actor=world.station_a, community_id=world.a.pk, name="队", leader_id=leader.pk
        )
        request = services.team_join_request(
            actor=setup["user"], team_id=team.pk, volunteer_id=setup["volunteer"].pk
        )
        services.team_join_decide(actor=leader_user, membership_id=request.pk, approve=True)
        record = submit(setup["user"], setup["volunteer"], "2", team_id=team.pk)
        assert hours.service_record_verify(actor=leader_user, record_id=record.pk).points == 4
        other = submit(setup["user"], setup["volunteer"], "2")  # not a team record
        with pytest.raises(NotFound):
            hours.service_record_verify(actor=leader_user, record_id=other.pk)

    def test_rejection_needs_a_reason_and_credits_nothing(self, world, setup):
        record = submit(setup["user"], setup["volunteer"])
        with pytest.raises(ValidationFailed):
            hours.service_record_reject(actor=world.worker_a, record_id=record.pk, reason=" ")
        hours.service_record_reject(actor=world.worker_a, record_id=record.pk, reason="重复提交")
        with pytest.raises(Conflict):
            hours.service_record_verify(actor=world.worker_a, record_id=record.pk)
        assert balance(setup["person"]) == 0

    def test_a_verified_record_is_corrected_only_by_reversal(self, world, setup):
        record = submit(setup["user"], setup["volunteer"], "2")
        hours.service_record_verify(actor=world.worker_a, record_id=record.pk)
        hours.service_record_reverse(actor=world.station_a, record_id=record.pk, reason="填错日期")
        assert balance(setup["person"]) == 0
        with pytest.raises(Conflict):
            hours.service_record_reverse(actor=world.station_a, record_id=record.pk, reason="x")
        assert_ledger_consistent()

    def test_a_reversal_fails_cleanly_when_the_points_are_spent(self, world, setup):
        record = submit(setup["user"], setup["volunteer"], "2")
        hours.service_record_verify(actor=world.worker_a, record_id=record.pk)
        mall = account_get_or_create(key="mall", commodity="PTS")
        post(
            actor=None,
            kind="test.spend",
            legs=[Leg(points_services.person_points_account(setup["person"]), -4), Leg(mall, 4)],
        )
        from linli.ledger.services import InsufficientBalance

        with pytest.raises(InsufficientBalance):
            hours.service_record_reverse(actor=world.station_a, record_id=record.pk, reason="x")
        record.refresh_from_db()
        assert record.status == "verified"
        assert_ledger_consistent()

    def test_bad_input_and_strangers(self, world, setup):
        for kwargs in (
            {"hours": Decimal("0")},
            {"hours": Decimal("25")},
            {"hours": Decimal("1.1")},
            {"served_on": today() + datetime.timedelta(days=1)},
            {"description": ""},
        ):
            with pytest.raises(ValidationFailed):
                submit(setup["user"], setup["volunteer"], **kwargs)
        for stranger in (world.worker_b, world.volunteer_a, world.outsider):
            with pytest.raises(NotFound):
                submit(stranger, setup["volunteer"])
        record = submit(setup["user"], setup["volunteer"])
        with pytest.raises(NotFound):
            hours.service_record_verify(actor=world.worker_b, record_id=record.pk)
        with pytest.raises(PermissionDenied):
            hours.service_record_verify(actor=world.street_admin, record_id=record.pk)
        assert not Account.objects.filter(key__startswith="person:").exclude(balance=0).exists()
