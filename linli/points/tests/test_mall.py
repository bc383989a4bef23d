import datetime

import pytest
from django.utils import timezone

from linli.accounts.models import Membership
from linli.accounts.roles import Role
from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.ledger.models import LedgerTransaction
from linli.ledger.testing import assert_ledger_consistent
from linli.points import mall, services
from linli.points.models import Redemption, Reward
from linli.points.tests.helpers import give, login_for, reward


def balance(person) -> int:
    return int(services.person_points_account(person).balance)


def frozen(person) -> int:
    return int(services.person_frozen_account(person).balance)


@pytest.mark.django_db
class TestRewards:
    def test_station_puts_a_reward_on_offer(self, world):
        item = reward(world, monthly_limit=2)
        assert item.community == world.a and item.stock == 5 and item.is_active

    def test_bad_input_is_refused_with_field_errors_and_nothing_written(self, world):
        with pytest.raises(ValidationFailed) as caught:
            reward(world, name="", price=0, stock=-1, valid_until=datetime.date(2000, 1, 1))
        assert {"name", "price", "stock", "valid_until"} <= set(caught.value.fields)
        assert not Reward.objects.exists()

    def test_a_volunteer_cannot_open_a_reward(self, world):
        with pytest.raises(PermissionDenied):
            mall.reward_create(
                actor=world.volunteer_a, community_id=world.a.pk, name="x", provider_name="y"
            )

    def test_another_communitys_worker_cannot_edit_it(self, world):
        item = reward(world)
        with pytest.raises(NotFound):
            mall.reward_update(actor=world.worker_b, reward_id=item.pk, price=1)
        assert Reward.objects.get(pk=item.pk).price == 10

    def test_the_provider_must_be_a_partner_of_the_community(self, world):
        with pytest.raises(ValidationFailed):
            reward(world, provider_user_id=world.volunteer_a.pk)
        Membership.objects.create(user=world.outsider, role=Role.PARTNER, community=world.a)
        assert reward(world, provider_user_id=world.outsider.pk).provider_user == world.outsider


@pytest.mark.django_db
class TestRedemption:
    def test_redeeming_freezes_points_then_pickup_spends_them(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 25)
        item = reward(world)
        redemption = mall.redemption_create(actor=me, reward_id=item.pk)
        assert redemption.status == "frozen" and len(redemption.code) == 8
        assert (balance(person_a), frozen(person_a)) == (15, 10)
        assert Reward.objects.get(pk=item.pk).stock == 4
        assert_ledger_consistent()
        done = mall.redemption_fulfil(actor=world.worker_a, code=redemption.code.lower())
        assert done.status == "fulfilled"
        assert (balance(person_a), frozen(person_a)) == (15, 0)
        assert services.redeemed_points_account(world.a.pk).balance == 10
        assert [e.to_status for e in done.events.all()] == ["frozen", "fulfilled"]
        with pytest.raises(Conflict):
            mall.redemption_fulfil(actor=world.worker_a, code=redemption.code)
        assert_ledger_consistent()

    def test_cancelling_gives_the_points_and_the_voucher_back(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 10)
        item = reward(world)
        redemption = mall.redemption_create(actor=me, reward_id=item.pk)
        with pytest.raises(ValidationFailed):  # the station must say why
            mall.redemption_cancel(actor=world.worker_a, redemption_id=redemption.pk)
        mall.redemption_cancel(actor=me, redemption_id=redemption.pk)
        assert (balance(person_a), frozen(person_a)) == (10, 0)
        assert Reward.objects.get(pk=item.pk).stock == 5
        with pytest.raises(Conflict):
            mall.redemption_fulfil(actor=world.worker_a, code=redemption.code)
        assert_ledger_consistent()

    def test_not_enough_points_is_a_clear_refusal_and_nothing_moves(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 9)
        item = reward(world)
        with pytest.raises(Conflict, match="10"):
            mall.redemption_create(actor=me, reward_id=item.pk)
        assert not Redemption.objects.exists()
        assert Reward.objects.get(pk=item.pk).stock == 5
        assert LedgerTransaction.objects.filter(kind="points.redeem.freeze").count() == 0
        assert_ledger_consistent()

    def test_sold_out_expired_and_withdrawn_rewards_cannot_be_redeemed(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 100)
        today = timezone.localdate()
        for item in [
            reward(world, stock=0),
            reward(world, valid_from=today + datetime.timedelta(days=1)),
            reward(
                world,
                valid_until=today - datetime.timedelta(days=1),
                valid_from=today.replace(year=today.year - 1),
            ),
            reward(world, is_active=False),
        ]:
            with pytest.raises(Conflict):
                mall.redemption_create(actor=me, reward_id=item.pk)
        assert balance(person_a) == 100

    def test_the_monthly_limit_counts_redemptions_not_cancelled(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 100)
        item = reward(world, monthly_limit=1)
        first = mall.redemption_create(actor=me, reward_id=item.pk)
        with pytest.raises(Conflict, match="1"):
            mall.redemption_create(actor=me, reward_id=item.pk)
        mall.redemption_cancel(actor=me, redemption_id=first.pk)
        mall.redemption_create(actor=me, reward_id=item.pk)
        assert balance(person_a) == 90

    def test_points_earned_in_one_community_buy_in_anothers_mall(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        item = reward(world, community=world.b, name="理发券")
        redemption = mall.redemption_create(actor=me, reward_id=item.pk)
        assert redemption.community == world.b
        assert redemption.freeze.community_id == world.b.pk
        with pytest.raises(NotFound):  # community A's worker does not run B's mall
            mall.redemption_fulfil(actor=world.worker_a, code=redemption.code)
        mall.redemption_fulfil(actor=world.worker_b, code=redemption.code)
        assert services.redeemed_points_account(world.b.pk).balance == 10
        assert_ledger_consistent()

    def test_the_partner_confirms_pickups_of_its_own_rewards(self, world, person_a):
        Membership.objects.create(user=world.outsider, role=Role.PARTNER, community=world.a)
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        own = reward(world, provider_user_id=world.outsider.pk)
        other = reward(world, name="洗车券")
        mine = mall.redemption_create(actor=me, reward_id=own.pk)
        theirs = mall.redemption_create(actor=me, reward_id=other.pk)
        with pytest.raises(NotFound):
            mall.redemption_fulfil(actor=world.outsider, code=theirs.code)
        assert mall.redemption_fulfil(actor=world.outsider, code=mine.code).status == "fulfilled"

    def test_a_login_without_a_resident_cannot_redeem(self, world):
        item = reward(world)
        with pytest.raises(PermissionDenied):
            mall.redemption_create(actor=world.volunteer_a, reward_id=item.pk)

    def test_staff_redeem_for_their_residents_only(self, world, person_a, person_b):
        give(world, person_a, 10)
        item = reward(world)
        assert mall.redemption_create(
            actor=world.worker_a, reward_id=item.pk, person_id=person_a.pk
        )
        with pytest.raises(NotFound):
            mall.redemption_create(actor=world.worker_a, reward_id=item.pk, person_id=person_b.pk)

    def test_another_resident_cannot_cancel_my_redemption(self, world, person_a):
        me = login_for(person_a, "me")
        other = login_for(world.person(name="邻居"), "other")
        give(world, person_a, 10)
        redemption = mall.redemption_create(actor=me, reward_id=reward(world).pk)
        with pytest.raises(NotFound):
            mall.redemption_cancel(actor=other, redemption_id=redemption.pk, reason="x")
