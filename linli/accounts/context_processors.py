from linli.accounts.roles import Perm, Role
from linli.accounts.selectors import communities_of_user
from linli.core.scoping import has_perm, roles_of


def memberships(request):
    """The community switcher's choices (shown when more than one) and which menu items to show."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    return {
        "switcher_communities": communities_of_user(user),
        "active_community": getattr(request, "community", None),
        "nav_registry": has_perm(user, Perm.REGISTRY_VIEW),
        "nav_places": has_perm(user, Perm.PLACES_VIEW),
        "nav_volunteers": has_perm(user, Perm.VOLUNTEERS_VIEW),
        "nav_points": has_perm(user, Perm.POINTS_VIEW),
        "nav_points_manage": has_perm(user, Perm.POINTS_MANAGE),
        "nav_audit": has_perm(user, Perm.AUDIT_VIEW),
        "nav_warehouse": has_perm(user, Perm.WAREHOUSE_VIEW),
        "nav_warehouse_manage": has_perm(user, Perm.WAREHOUSE_MANAGE),
        "nav_me": user.person_id is not None,
        "nav_partner": Role.PARTNER in roles,
        "nav_orders": has_perm(user, Perm.ORDERS_VIEW),
        "nav_visits": has_perm(user, Perm.VISITS_VIEW),
        "nav_users_manage": has_perm(user, Perm.USERS_MANAGE),
        "nav_tasks": bool(roles & {Role.VOLUNTEER, Role.TEAM_LEADER}),
    }
