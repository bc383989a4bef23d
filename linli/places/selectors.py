"""Reads of places, scoped to the user's communities."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from linli.accounts.roles import Perm
from linli.core.scoping import get_in_scope, scope
from linli.places.models import Community, Compound, Grid, ServiceSite


def community_list(user) -> QuerySet[Community]:
    return (
        scope(Community.objects.all(), user, Perm.PLACES_VIEW, field="id")
        .select_related("street")
        .annotate(
            grid_count=Count("grids", distinct=True),
            compound_count=Count("compounds", distinct=True),
            site_count=Count("sites", distinct=True),
        )
        .order_by("code")
    )


def community_get(user, community_id: int) -> Community:
    return get_in_scope(
        Community.objects.select_related("street").prefetch_related(
            Prefetch(
                "grids",
                queryset=Grid.objects.prefetch_related(
                    Prefetch("compounds", queryset=Compound.objects.order_by("code"))
                ).order_by("code"),
            ),
            Prefetch("sites", queryset=ServiceSite.objects.order_by("kind", "name")),
        ),
        user,
        Perm.PLACES_VIEW,
        field="id",
        pk=community_id,
    )


def grids_for(community_ids) -> QuerySet[Grid]:
    return Grid.objects.filter(community_id__in=community_ids).order_by("community", "code")


def compounds_for(community_ids) -> QuerySet[Compound]:
    return Compound.objects.filter(community_id__in=community_ids).select_related("grid")
