from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from linli.accounts import devices, lockout
from linli.accounts.models import User


class UsernameOrMobileBackend(ModelBackend):
    """Log in with a username or an 11-digit mobile number (looked up by its keyed hash).

    Every password check counts towards the lockout (``accounts.lockout``): a locked identity or
    address is refused before the password is looked at, and ``request.linli_locked_out`` tells
    the page or the API to answer 429 (``request.linli_locked_until``: when it lifts). A failure
    leaves ``request.linli_login_tries`` = (recent failures, tries left) for the login form.
    A valid device cookie naming the user exempts the attempt from the per-address limit."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user, identity = lockout.resolve_login(username)
        address = lockout.client_address(request)
        exempt = user is not None and devices.device_user_id(request) == user.pk
        # The attempt is reserved (counted as a failure) before the password is checked, so that
        # guesses sent at once cannot all pass the count before any of them is recorded.
        attempt, until = lockout.attempt_begin(identity, address, address_exempt=exempt)
        if attempt is None:
            if request is not None:
                request.linli_locked_out = True
                request.linli_locked_until = until
            raise PermissionDenied  # stops authenticate() trying any other backend
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
        elif user.check_password(password) and self.user_can_authenticate(user):
            lockout.attempt_succeeded(identity, address)
            return user
        # A wrong password: the reserved attempt stays as the failure.
        if request is not None:
            request.linli_login_tries = lockout.tries_left(identity, address, address_exempt=exempt)
            request.linli_locked_until = lockout.locked_until(
                identity, address, address_exempt=exempt
            )
        return None
