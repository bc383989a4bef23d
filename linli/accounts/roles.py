"""Roles (角色) and what each may do. Services check these; templates only hide buttons."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STREET_ADMIN = "street_admin", _("Street administrator")
    STATION_ADMIN = "station_admin", _("Station administrator")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    TEAM_LEADER = "team_leader", _("Team leader")
    VOLUNTEER = "volunteer", _("Volunteer")
    RESIDENT = "resident", _("Resident")
    PARTNER = "partner", _("Partner")
    PHARMACIST = "pharmacist", _("Pharmacist")


STREET_ROLES = {Role.STREET_ADMIN}


class Perm:
    """Named capabilities; each maps to the roles that hold it in a community."""

    REGISTRY_VIEW = "registry.view"  # resident registry: lists, details, export
    REGISTRY_EDIT = "registry.edit"  # create, edit, tag, consent, import
    REGISTRY_REVEAL = "registry.reveal"  # see a full ID / mobile number (audited)
    AUDIT_VIEW = "audit.view"
    PLACES_VIEW = "places.view"
    VOLUNTEERS_VIEW = "volunteers.view"  # volunteer and team lists
    VOLUNTEERS_MANAGE = "volunteers.manage"  # register volunteers, run teams, decide requests
    POINTS_VIEW = "points.view"  # earning rules, statements, leaderboards
    POINTS_RULES_EDIT = "points.rules_edit"  # earning rules, star thresholds, the yearly star run
    POINTS_MANAGE = "points.manage"  # the mall, redemptions to fulfil, grants from the points pool
    WAREHOUSE_VIEW = "warehouse.view"  # stock, donations, distributions, reports
    WAREHOUSE_MANAGE = "warehouse.manage"  # catalogue, donations in, handouts, transfers, counting
    WAREHOUSE_ADMIN = "warehouse.admin"  # finalise stock counts, write-offs, relief quotas
    MEDICINE_CHECK = "warehouse.medicine_check"  # a pharmacist releases donated medicine (药师核验)
    ORDERS_VIEW = "orders.view"  # needs, resources, service orders, the project list
    ORDERS_MANAGE = "orders.manage"  # record needs and resources, order for residents, dispatch,
    #                                  review, close, cancel, batch matching
    VISITS_VIEW = "visits.view"  # due lists, visit records, monthly counts
    VISITS_RECORD = "visits.record"  # record visits (and the needs they find)
    VISITS_ADMIN = "visits.admin"  # visit rules, the monthly target, grid visitors
    USERS_MANAGE = "accounts.users_manage"  # reset the password of a worker or volunteer


PERMISSIONS: dict[str, frozenset[str]] = {
    Perm.REGISTRY_VIEW: frozenset({Role.STREET_ADMIN, Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.REGISTRY_EDIT: frozenset({Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.REGISTRY_REVEAL: frozenset({Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.AUDIT_VIEW: frozenset({Role.STREET_ADMIN, Role.STATION_ADMIN}),
    Perm.VOLUNTEERS_VIEW: frozenset(
        {Role.STREET_ADMIN, Role.STATION_ADMIN, Role.SOCIAL_WORKER, Role.TEAM_LEADER}
    ),
    Perm.VOLUNTEERS_MANAGE: frozenset({Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.POINTS_VIEW: frozenset(
        {Role.STREET_ADMIN, Role.STATION_ADMIN, Role.SOCIAL_WORKER, Role.TEAM_LEADER}
    ),
    Perm.POINTS_RULES_EDIT: frozenset({Role.STATION_ADMIN}),
    Perm.POINTS_MANAGE: frozenset({Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.WAREHOUSE_VIEW: frozenset(
        {Role.STREET_ADMIN, Role.STATION_ADMIN, Role.SOCIAL_WORKER, Role.PHARMACIST}
    ),
    Perm.WAREHOUSE_MANAGE: frozenset({Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.WAREHOUSE_ADMIN: frozenset({Role.STATION_ADMIN}),
    Perm.MEDICINE_CHECK: frozenset({Role.PHARMACIST}),
    Perm.ORDERS_VIEW: frozenset({Role.STREET_ADMIN, Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.ORDERS_MANAGE: frozenset({Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.VISITS_VIEW: frozenset({Role.STREET_ADMIN, Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.VISITS_RECORD: frozenset({Role.STATION_ADMIN, Role.SOCIAL_WORKER}),
    Perm.VISITS_ADMIN: frozenset({Role.STATION_ADMIN}),
    Perm.USERS_MANAGE: frozenset({Role.STATION_ADMIN}),
    Perm.PLACES_VIEW: frozenset(
        {Role.STREET_ADMIN, Role.STATION_ADMIN, Role.SOCIAL_WORKER, Role.TEAM_LEADER}
    ),
}
