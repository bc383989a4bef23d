from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from linli.accounts import lockout
from linli.accounts.models import User


class UsernameOrMobileBackend(ModelBackend):
    """Log in with a username or an 11-digit mobile number (looked up by its keyed hash).

    Every password check counts towards the lockout (``accounts.lockout``): a locked identity or
    address is refused before the password is looked at, and ``request.linli_locked_out`` tells
    the page or the API to answer 429."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user, identity = lockout.resolve_login(username)
        address = lockout.client_address(request)
        if lockout.is_locked(identity, address):
            if request is not None:
                request.linli_locked_out = True
            raise PermissionDenied  # stops authenticate() trying any other backend
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
        elif user.check_password(password) and self.user_can_authenticate(user):
            lockout.record_success(identity, address)
            return user
        lockout.record_failure(identity, address)
        return None
