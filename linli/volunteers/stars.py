"""Star ratings (星级志愿者): the community's thresholds and the yearly run that awards stars.

A volunteer is rated in a year when they earned at least ``min_points`` points that year (the
seeds' 30+); their stars follow from cumulative verified hours up to the year's end (default
100/300/600/1000/1500 hours for one to five stars). A run is final: once per community and year.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, ValidationFailed
from linli.core.scoping import require
from linli.places.models import Community
from linli.volunteers.models import StarAward, StarPolicy, StarRatingRun
from linli.volunteers.selectors import star_rows, star_settings


@transaction.atomic
def star_policy_set(
    *, actor, community_id: int, thresholds: list[int], min_points: int
) -> StarPolicy:
    """Set the hours for one to five stars and the yearly points needed (station admin)."""
    require(actor, Perm.POINTS_RULES_EDIT, community_id)
    errors: dict[str, list[str]] = {}
    numbers = list(thresholds or [])
    if (
        len(numbers) != 5
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
        or numbers[0] < 1
        or numbers[-1] > 100000
        or any(b <= a for a, b in zip(numbers, numbers[1:], strict=False))
    ):
        errors["thresholds"] = [
            _("Give five whole numbers of hours, each larger than the one before.")
        ]
    if (
        not isinstance(min_points, int)
        or isinstance(min_points, bool)
        or not 0 <= min_points <= 100000
    ):
        errors["min_points"] = [_("Points needed are a whole number from 0 to 100000.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    one, two, three, four, five = numbers
    policy, _created = StarPolicy.objects.update_or_create(
        community_id=community_id,
        defaults={
            "one_star": one,
            "two_stars": two,
            "three_stars": three,
            "four_stars": four,
            "five_stars": five,
            "min_points": min_points,
            "updated_by": actor,
        },
    )
    audit.record(actor, "stars.policy", policy, thresholds=numbers, min_points=min_points)
    return policy


def _run(community: Community, year: int, actor) -> StarRatingRun:
    settings = star_settings(community.pk)
    rows = star_rows(community.pk, year)
    try:
        with transaction.atomic():
            run = StarRatingRun.objects.create(
                community=community,
                year=year,
                thresholds=list(settings.thresholds),
                min_points=settings.min_points,
                eligible=sum(1 for r in rows if r.eligible),
                awarded=sum(1 for r in rows if r.stars),
                run_by=actor,
            )
    except IntegrityError as exc:
        raise Conflict(_("The star rating for this year has already been run.")) from exc
    StarAward.objects.bulk_create(
        StarAward(
            run=run,
            volunteer=r.volunteer,
            year=year,
            stars=r.stars,
            hours_total=r.hours_total,
            points_in_year=r.points_year,
        )
        for r in rows
        if r.stars
    )
    audit.record(actor, "stars.run", run, year=year, awarded=run.awarded, eligible=run.eligible)
    return run


@transaction.atomic
def star_rating_run(*, actor, community_id: int, year: int) -> StarRatingRun:
    """Award the year's stars in one community (final; once a year)."""
    require(actor, Perm.POINTS_RULES_EDIT, community_id)
    if not isinstance(year, int) or not 2000 <= year <= timezone.localdate().year:
        raise ValidationFailed(
            _("Please correct the errors below."),
            fields={"year": [_("Choose this year or an earlier one.")]},
        )
    if StarRatingRun.objects.filter(community_id=community_id, year=year).exists():
        raise Conflict(_("The star rating for this year has already been run."))
    return _run(Community.objects.get(pk=community_id), year, actor)


def star_rating_run_all(year: int) -> list[StarRatingRun]:
    """The scheduled yearly run (``manage.py star_ratings``): every community not yet rated for
    ``year``; idempotent."""
    done = set(StarRatingRun.objects.filter(year=year).values_list("community_id", flat=True))
    runs = []
    for community in Community.objects.exclude(pk__in=done).order_by("code"):
        with transaction.atomic():
            runs.append(_run(community, year, None))
    return runs
