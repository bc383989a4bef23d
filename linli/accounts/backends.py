from django.contrib.auth.backends import ModelBackend

from linli.accounts.models import User
from linli.core.privacy import keyed_hash, mobile_errors, normalise_mobile


class UsernameOrMobileBackend(ModelBackend):
    """Log in with a username or an 11-digit mobile number (looked up by its keyed hash)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        candidate = normalise_mobile(username)
        if not mobile_errors(candidate):
            user = User.objects.filter(mobile_hash=keyed_hash(candidate)).first()
        else:
            user = User.objects.filter(username=username.strip()).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
