import datetime
import json

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, PermissionDenied, ValidationFailed
from linli.core.models import AuditEvent
from linli.points import selectors, services
from linli.points.models import EarningRule


def today():
    return timezone.localdate()


@pytest.mark.django_db
class TestEarningRules:
    def test_defaults_are_the_seeds_standard(self, world):
        assert selectors.points_for(world.a.pk, "per_hour") == 2
        assert selectors.points_for(world.a.pk, "per_item") == 2
        assert selectors.points_for(world.a.pk, "per_attendance") == 1

    def test_a_change_applies_from_its_start_date_only(self, world):
        later = today() + datetime.timedelta(days=10)
        services.earning_rule_set(
            actor=world.station_a,
            community_id=world.a.pk,
            kind="per_hour",
            points=3,
            starts_on=later,
        )
        assert selectors.points_for(world.a.pk, "per_hour") == 2
        assert selectors.points_for(world.a.pk, "per_hour", later) == 3
        assert selectors.points_for(world.a.pk, "per_hour", later - datetime.timedelta(days=1)) == 2
        assert selectors.points_for(world.b.pk, "per_hour", later) == 2  # other community
        assert AuditEvent.objects.filter(verb="earning_rule.set").count() == 1

    def test_it_cannot_be_backdated_or_nonsense(self, world):
        for kwargs in (
            {"kind": "per_hour", "points": 3, "starts_on": today() - datetime.timedelta(days=1)},
            {"kind": "per_hour", "points": -1},
            {"kind": "per_hour", "points": 5000},
            {"kind": "per_smile", "points": 1},
        ):
            with pytest.raises(ValidationFailed):
                services.earning_rule_set(actor=world.station_a, community_id=world.a.pk, **kwargs)
        assert not EarningRule.objects.exists()

    def test_two_changes_on_one_day_conflict(self, world):
        services.earning_rule_set(
            actor=world.station_a, community_id=world.a.pk, kind="per_item", points=4
        )
        with pytest.raises(Conflict):
            services.earning_rule_set(
                actor=world.station_a, community_id=world.a.pk, kind="per_item", points=5
            )

    def test_only_the_station_admin_of_the_community_changes_rules(self, world):
        for actor in (world.worker_a, world.street_admin, world.volunteer_a):
            with pytest.raises(PermissionDenied):
                services.earning_rule_set(
                    actor=actor, community_id=world.a.pk, kind="per_hour", points=3
                )


@pytest.mark.django_db
class TestEarningRulePages:
    def test_the_station_admin_changes_a_rule_on_the_page(self, world, client_for):
        client = client_for(world.station_a)
        page = client.get("/points/rules/")
        assert page.status_code == 200 and page.context["form"] is not None
        response = client.post(
            "/points/rules/",
            {"kind": "per_hour", "points": 4, "starts_on": today().isoformat(), "note": "调整"},
        )
        assert response.status_code == 302
        assert selectors.points_for(world.a.pk, "per_hour") == 4

    def test_a_backdated_rule_is_a_form_error(self, world, client_for):
        response = client_for(world.station_a).post(
            "/points/rules/",
            {"kind": "per_hour", "points": 4, "starts_on": "2020-01-01"},
        )
        assert response.status_code == 200 and response.context["form"].errors["starts_on"]

    def test_workers_see_but_do_not_edit_and_others_are_denied(self, world, client_for):
        page = client_for(world.worker_a).get("/points/rules/")
        assert page.status_code == 200 and page.context["form"] is None
        assert (
            client_for(world.worker_a)
            .post(
                "/points/rules/",
                {"kind": "per_hour", "points": 9, "starts_on": today().isoformat()},
            )
            .status_code
            == 200
        )
        assert selectors.points_for(world.a.pk, "per_hour") == 2
        assert client_for(world.volunteer_a).get("/points/rules/").status_code == 403
        # another community's rules are not reachable by choosing its id
        other = client_for(world.worker_b).get(f"/points/rules/?community={world.a.pk}")
        assert other.context["community"] == world.b

    def test_the_api(self, world, api_for):
        api = api_for(world.station_a)
        response = api.post(
            "/api/v1/earning-rules",
            json.dumps({"community_id": world.a.pk, "kind": "per_item", "points": 3}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert api.get("/api/v1/earning-rules").json()["count"] == 1
        assert api_for(world.worker_b).get("/api/v1/earning-rules").json()["count"] == 0
        denied = api_for(world.worker_a).post(
            "/api/v1/earning-rules",
            json.dumps({"community_id": world.a.pk, "kind": "per_item", "points": 3}),
            content_type="application/json",
        )
        assert denied.status_code == 403
