import pytest

from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.ledger.testing import assert_ledger_consistent
from linli.people import services as people_services
from linli.points import donations, selectors, services
from linli.points.models import PointsDonation, PoolGrant
from linli.points.tests.helpers import give, login_for


def balance(person) -> int:
    return int(services.person_points_account(person).balance)


@pytest.fixture
def needy(world):
    person = world.person(name="孤老", mobile="13800001111")
    people_services.person_tag_add(actor=world.worker_a, person_id=person.pk, tag="lives_alone")
    return person


@pytest.mark.django_db
class TestDonation:
    def test_a_resident_gives_points_to_the_pool(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 20)
        gift = donations.points_donate(actor=me, points=15, to="pool", message="帮助困难老人")
        assert gift.to_pool and gift.community == world.a
        assert balance(person_a) == 5
        assert services.pool_points_account(world.a.pk).balance == 15
        assert_ledger_consistent()

    def test_a_resident_gives_points_to_someone_found_by_mobile(self, world, person_a, needy):
        me = login_for(person_a, "me")
        give(world, person_a, 20)
        donations.points_donate(actor=me, points=8, to="person", recipient_mobile="138 0000 1111")
        assert (balance(person_a), balance(needy)) == (12, 8)
        with pytest.raises(ValidationFailed) as caught:
            donations.points_donate(actor=me, points=1, to="person", recipient_mobile="13700000000")
        assert "recipient_mobile" in caught.value.fields
        assert_ledger_consistent()

    def test_a_mobile_number_is_looked_up_only_in_the_givers_community(self, world, person_a):
        world.person(community=world.b, mobile="13600002222")
        me = login_for(person_a, "me")
        give(world, person_a, 5)
        # More than one has: the same answer whether or not the number is registered anywhere.
        for mobile in ("13600002222", "13600002223"):
            with pytest.raises(Conflict, match="5"):
                donations.points_donate(actor=me, points=50, to="person", recipient_mobile=mobile)
        # Another community's resident is not found, exactly as an unregistered number.
        with pytest.raises(ValidationFailed) as caught:
            donations.points_donate(actor=me, points=1, to="person", recipient_mobile="13600002222")
        assert "recipient_mobile" in caught.value.fields
        assert not PointsDonation.objects.exists() and balance(person_a) == 5
        assert_ledger_consistent()

    def test_no_gift_to_oneself_and_no_more_than_one_has(self, world, person_a):
        me = login_for(person_a, "me")
        give(world, person_a, 5)
        with pytest.raises(ValidationFailed):
            donations.points_donate(actor=me, points=1, to="person", recipient_mobile="13912345678")
        with pytest.raises(Conflict, match="5"):
            donations.points_donate(actor=me, points=6, to="pool")
        with pytest.raises(ValidationFailed):
            donations.points_donate(actor=me, points=0, to="pool")
        assert not PointsDonation.objects.exists() and balance(person_a) == 5
        assert_ledger_consistent()

    def test_the_station_gives_for_a_resident_to_a_needy_household(self, world, person_a, needy):
        household = people_services.household_create(
            actor=world.worker_a, community_id=world.a.pk, address="2栋101", head_id=needy.pk
        )
        plain = people_services.household_create(
            actor=world.worker_a, community_id=world.a.pk, address="3栋101", head_id=person_a.pk
        )
        give(world, person_a, 10)
        donations.points_donate(
            actor=world.worker_a,
            giver_id=person_a.pk,
            points=4,
            to="household",
            household_id=household.pk,
        )
        assert balance(needy) == 4
        with pytest.raises(Conflict):  # a household without anyone in need
            donations.points_donate(
                actor=world.worker_a,
                giver_id=needy.pk,
                points=1,
                to="household",
                household_id=plain.pk,
            )
        assert_ledger_consistent()

    def test_other_communities_residents_are_out_of_reach_for_staff(self, world, person_b):
        give(world, person_b, 10)
        with pytest.raises(NotFound):
            donations.points_donate(actor=world.worker_a, giver_id=person_b.pk, points=1, to="pool")

    def test_a_login_without_a_resident_cannot_give(self, world):
        with pytest.raises(PermissionDenied):
            donations.points_donate(actor=world.volunteer_a, points=1, to="pool")


@pytest.mark.django_db
class TestPool:
    def test_the_station_grants_pool_points_to_a_resident_in_need(self, world, person_a, needy):
        me = login_for(person_a, "me")
        give(world, person_a, 30)
        donations.points_donate(actor=me, points=30, to="pool")
        grant = donations.pool_grant(
            actor=world.worker_a,
            community_id=world.a.pk,
            recipient_id=needy.pk,
            points=20,
            purpose="elderly_care",
            note="冬季取暖",
        )
        assert balance(needy) == 20 and grant.transaction.kind == "points.pool.grant"
        summary = selectors.pool_summary(world.a)
        assert (summary.balance, summary.donated, summary.granted) == (10, 30, 20)
        assert summary.donors == 1 and summary.months[-1] == {
            "month": summary.months[-1]["month"],
            "in": 30,
            "out": 20,
        }
        assert_ledger_consistent()

    def test_grants_go_only_to_people_in_need_and_within_the_pool(self, world, person_a, needy):
        with pytest.raises(Conflict):  # the pool is empty
            donations.pool_grant(
                actor=world.worker_a,
                community_id=world.a.pk,
                recipient_id=needy.pk,
                points=1,
                purpose="other",
            )
        give(world, person_a, 10)
        donations.points_donate(actor=login_for(person_a, "me"), points=10, to="pool")
        with pytest.raises(Conflict):  # person_a carries no tag and is 50
            donations.pool_grant(
                actor=world.worker_a,
                community_id=world.a.pk,
                recipient_id=person_a.pk,
                points=1,
                purpose="other",
            )
        with pytest.raises(ValidationFailed):
            donations.pool_grant(
                actor=world.worker_a,
                community_id=world.a.pk,
                recipient_id=needy.pk,
                points=1,
                purpose="nonsense",
            )
        assert not PoolGrant.objects.exists()

    def test_only_the_communitys_staff_grant(self, world, needy):
        for actor in (world.volunteer_a, world.worker_b, world.street_admin):
            with pytest.raises(PermissionDenied):
                donations.pool_grant(
                    actor=actor,
                    community_id=world.a.pk,
                    recipient_id=needy.pk,
                    points=1,
                    purpose="other",
                )
