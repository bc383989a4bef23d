import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from linli.core.errors import Conflict, PermissionDenied, ValidationFailed
from linli.points import services as points_services
from linli.volunteers import hours, selectors, services, stars
from linli.volunteers.models import ServiceRecord, StarAward, StarRatingRun


def serve(world, volunteer, hours_: str, days_ago: int = 1, team_id=None):
    record = hours.service_record_submit(
        actor=world.station_a,
        volunteer_id=volunteer.pk,
        served_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        hours=Decimal(hours_),
        description="助老服务",
        team_id=team_id,
    )
    return hours.service_record_verify(actor=world.worker_a, record_id=record.pk)


@pytest.fixture
def volunteers(world):
    made = []
    for name in ("甲", "乙", "丙"):
        person = world.person(name=name)
        made.append(
            services.volunteer_register(
                actor=world.worker_a, person_id=person.pk, consent_method="signed"
            )
        )
    return made


@pytest.mark.django_db
class TestStarRating:
    def test_stars_follow_cumulative_hours_for_those_with_30_points_this_year(
        self, world, volunteers, client_for
    ):
        stars.star_policy_set(
            actor=world.station_a,
            community_id=world.a.pk,
            thresholds=[4, 8, 12, 16, 20],
            min_points=30,
        )
        busy, light, idle = volunteers
        for _n in range(5):
            serve(world, busy, "4")  # 20 h → 40 points, five stars
        serve(world, light, "10")  # 10 h → 20 points: short of 30, not rated
        year = timezone.localdate().year
        run = stars.star_rating_run(actor=world.station_a, community_id=world.a.pk, year=year)
        assert (run.eligible, run.awarded) == (1, 1)
        award = StarAward.objects.get()
        assert (award.volunteer, award.stars, award.points_in_year) == (busy, 5, 40)
        assert award.hours_total == 20
        board = selectors.leaderboard(world.worker_a, world.a.pk, year)
        assert [r.volunteer for r in board.rows][:2] == [busy, light]
        assert [r.stars for r in board.rows] == [5, 0, 0] and board.run == run
        page = client_for(world.worker_a).get(f"/volunteers/{busy.pk}/").content.decode()
        assert "★★★★★" in page
        assert "★" not in client_for(world.worker_a).get(f"/volunteers/{idle.pk}/").content.decode()

    def test_the_default_thresholds_are_the_seeds(self, world):
        settings = selectors.star_settings(world.a.pk)
        assert settings.thresholds == (100, 300, 600, 1000, 1500) and settings.min_points == 30
        assert selectors.stars_for(Decimal("299.75"), settings.thresholds) == 1
        assert selectors.stars_for(Decimal("1500"), settings.thresholds) == 5

    def test_reversed_hours_do_not_count(self, world, volunteers):
        stars.star_policy_set(
            actor=world.station_a,
            community_id=world.a.pk,
            thresholds=[1, 2, 3, 4, 5],
            min_points=1,
        )
        record = serve(world, volunteers[0], "3")
        hours.service_record_reverse(actor=world.station_a, record_id=record.pk, reason="重复")
        year = timezone.localdate().year
        run = stars.star_rating_run(actor=world.station_a, community_id=world.a.pk, year=year)
        assert run.awarded == 0 and run.eligible == 0

    def test_a_year_is_rated_once(self, world, volunteers):
        year = timezone.localdate().year
        stars.star_rating_run(actor=world.station_a, community_id=world.a.pk, year=year)
        with pytest.raises(Conflict):
            stars.star_rating_run(actor=world.station_a, community_id=world.a.pk, year=year)
        with pytest.raises(ValidationFailed):
            stars.star_rating_run(actor=world.station_a, community_id=world.a.pk, year=year + 1)

    def test_only_the_station_admin_sets_thresholds_and_runs(self, world):
        for actor in (world.worker_a, world.volunteer_a, world.worker_b):
            with pytest.raises(PermissionDenied):
                stars.star_rating_run(actor=actor, community_id=world.a.pk, year=2025)
            with pytest.raises(PermissionDenied):
                stars.star_policy_set(
                    actor=actor, community_id=world.a.pk, thresholds=[1, 2, 3, 4, 5], min_points=1
                )

    def test_thresholds_must_increase(self, world):
        for bad in ([1, 2, 2, 4, 5], [0, 1, 2, 3, 4], [1, 2, 3], ["1", 2, 3, 4, 5]):
            with pytest.raises(ValidationFailed):
                stars.star_policy_set(
                    actor=world.station_a, community_id=world.a.pk, thresholds=bad, min_points=30
                )

    def test_the_yearly_command_rates_every_community_once(self, world, volunteers):
        out = io.StringIO()
        call_command("star_ratings", "--year", "2025", stdout=out)
        assert StarRatingRun.objects.filter(year=2025).count() == 2
        call_command("star_ratings", "--year", "2025", stdout=out)
        assert StarRatingRun.objects.filter(year=2025).count() == 2
        assert "nothing changed" in out.getvalue()

    def test_team_board_counts_hours_served_for_the_team(self, world, volunteers):
        team = services.team_create(
            actor=world.station_a,
            community_id=world.a.pk,
            name="助老队",
            leader_id=volunteers[0].pk,
        )
        serve(world, volunteers[0], "2", team_id=team.pk)
        serve(world, volunteers[1], "5")
        board = selectors.leaderboard(
            world.worker_a, world.a.pk, timezone.localdate().year, team_id=team.pk
        )
        assert [r.volunteer for r in board.rows] == [volunteers[0]]
        assert board.teams[0].hours_year == 2 and board.teams[0].member_count == 1
        assert ServiceRecord.objects.filter(team=team).count() == 1
        assert points_services.person_points_account(volunteers[1].person).balance == 10
