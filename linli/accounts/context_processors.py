from linli.accounts.selectors import communities_of_user


def memberships(request):
    """The community switcher's choices; shown only when there is more than one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "switcher_communities": communities_of_user(user),
        "active_community": getattr(request, "community", None),
    }
