import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

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


def lockout_response(request):
    """A locked-out login: JSON for the API, a page for people (429 either way), saying when
    logging in will work again."""
    message = _("Too many failed attempts. Try again later.")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    context = {
        "message": message,
        "minutes": settings.LINLI_LOGIN_COOLOFF_MINUTES,
        "until": getattr(request, "linli_locked_until", None),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def _retry_after(request) -> int | None:
    until = getattr(request, "linli_locked_until", None)
    if until is None:
        return None
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


class LoginLockoutMiddleware:
    """Whatever page checked a password (login, admin login, API token), a locked-out attempt
    (``request.linli_locked_out``, set by the login backend) answers 429."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "linli_locked_out", False):
            if response.status_code != 429:
                response = lockout_response(request)
            seconds = _retry_after(request)
            if seconds is not None:
                response["Retry-After"] = str(seconds)
        return response


class PasswordChangeRequiredMiddleware:
    """A user given a temporary password sees only the change-password page until they change it
    (and may log out); the API answers 403 with the reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            change_url = reverse("accounts:password_change")
            allowed = {change_url, reverse("accounts:logout"), reverse("set_language")}
            if request.path not in allowed and not request.path.startswith("/static/"):
                if request.path.startswith("/api/"):
                    message = _("You must change your temporary password before going on.")
                    return JsonResponse({"detail": message}, status=403)
                return redirect(change_url)
        return self.get_response(request)
