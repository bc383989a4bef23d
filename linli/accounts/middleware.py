from linli.accounts.selectors import communities_of_user


class ActiveCommunityMiddleware:
    """Sets ``request.community`` from the switcher (session), or None for "all in my scope"."""

    SESSION_KEY = "linli_community_id"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.community = None
        chosen = request.session.get(self.SESSION_KEY) if hasattr(request, "session") else None
        if chosen and request.user.is_authenticated:
            request.community = communities_of_user(request.user).filter(id=chosen).first()
        return self.get_response(request)
