import pytest


@pytest.mark.django_db
class TestStarApi:
    def test_leaderboard_policy_and_run(self, world, api_for):
        admin = api_for(world.station_a)
        policy = admin.put(
            f"/api/v1/star-ratings/policy/{world.a.pk}",
            {"thresholds": [10, 20, 30, 40, 50], "min_points": 30},
            content_type="application/json",
        )
        assert policy.status_code == 200 and policy.json()["thresholds"] == [10, 20, 30, 40, 50]
        bad = admin.put(
            f"/api/v1/star-ratings/policy/{world.a.pk}",
            {"thresholds": [10, 5, 30, 40, 50]},
            content_type="application/json",
        )
        assert bad.status_code == 422
        board = admin.get(f"/api/v1/star-ratings/leaderboard?community_id={world.a.pk}")
        assert board.status_code == 200 and board.json()["rated"] is False
        run = admin.post(
            "/api/v1/star-ratings/runs",
            {"community_id": world.a.pk, "year": 2025},
            content_type="application/json",
        )
        assert run.status_code == 201
        again = admin.post(
            "/api/v1/star-ratings/runs",
            {"community_id": world.a.pk, "year": 2025},
            content_type="application/json",
        )
        assert again.status_code == 409
        assert (
            api_for(world.worker_a)
            .post(
                "/api/v1/star-ratings/runs",
                {"community_id": world.a.pk, "year": 2024},
                content_type="application/json",
            )
            .status_code
            == 403
        )
        assert (
            api_for(world.worker_b)
            .get(f"/api/v1/star-ratings/leaderboard?community_id={world.a.pk}")
            .status_code
            == 404
        )
