"""Login lockout (ADR 0012): failed logins counted per identity and per client address.

Every password check (the login page, ``POST /api/v1/auth/token``, the admin) goes through
``UsernameOrMobileBackend``, which calls ``is_locked`` before and ``record_failure`` /
``record_success`` after. The identity is what the typed name *resolves to*: ``user:<pk>`` when it
names a user (whatever spaces, width, case or mobile format it was typed in), otherwise the keyed
hash of the normalised text — so the table never holds a raw mobile number or a stray password
typed into the username box. Failures are rows in the database (correct with any number of app
processes); rows older than the window are deleted as new ones arrive.

Two limits, both over the last ``LINLI_LOGIN_COOLOFF_MINUTES``:
- ``LINLI_LOGIN_FAILURE_LIMIT`` failures for one identity from one address lock that pair;
- ``LINLI_LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address (any names: password spraying)
  lock the address.
"""

from __future__ import annotations

import datetime
import ipaddress
import unicodedata

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from linli.accounts.models import LoginFailure, User
from linli.core.privacy import keyed_hash, mobile_errors, normalise_mobile


def normalise_login(value: str) -> str:
    """What a typed login name means: NFKC (full-width letters and digits, the ideographic space),
    no whitespace or invisible format characters anywhere, mobile formats (+86, dashes) reduced to
    11 digits."""
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(ch for ch in value if not ch.isspace() and unicodedata.category(ch) != "Cf")
    mobile = normalise_mobile(value)
    if mobile.startswith("0086"):
        mobile = mobile[4:]
    return mobile if not mobile_errors(mobile) else value


def resolve_login(value: str) -> tuple[User | None, str]:
    """The user a typed name (username or mobile) names, and the lockout identity for it."""
    name = normalise_login(value)
    if not name:
        return None, ""
    if not mobile_errors(name):
        user = User.objects.filter(mobile_hash=keyed_hash(name)).first()
    else:
        user = User.objects.filter(username=name).first()
        if user is None:  # case-insensitively, only when that names exactly one user
            matches = list(User.objects.filter(username__iexact=name)[:2])
            user = matches[0] if len(matches) == 1 else None
    if user is not None:
        return user, f"user:{user.pk}"
    return None, "name:" + keyed_hash(name.casefold())


def client_address(request) -> str:
    """The client's address. ``REMOTE_ADDR`` unless ``LINLI_TRUSTED_PROXIES`` (a count) says that
    many reverse proxies in front each append to ``X-Forwarded-For``: then the entry the outermost
    trusted proxy added. Without the setting the header is ignored, since anyone can send it.
    IPv6 addresses count per /64 (one subscriber's network)."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    proxies = settings.LINLI_TRUSTED_PROXIES
    if proxies and request is not None:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if hops:
            address = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        ip = ipaddress.ip_address(address.strip()[:64])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=settings.LINLI_LOGIN_COOLOFF_MINUTES)


def is_locked(identity: str, address: str) -> bool:
    """Has this identity from this address, or this address as a whole, failed too often?"""
    recent = LoginFailure.objects.filter(address=address, at__gte=_since())
    if identity and recent.filter(identity=identity).count() >= settings.LINLI_LOGIN_FAILURE_LIMIT:
        return True
    return recent.count() >= settings.LINLI_LOGIN_ADDRESS_FAILURE_LIMIT


def record_failure(identity: str, address: str) -> None:
    LoginFailure.objects.filter(at__lt=_since()).delete()
    LoginFailure.objects.create(identity=identity, address=address)


def record_success(identity: str, address: str) -> None:
    """A right password clears that identity's failures from that address (not the address's
    failures for other names: logging in to one's own account does not reset a spraying count)."""
    LoginFailure.objects.filter(identity=identity, address=address).delete()


def clear_user(user: User) -> None:
    """Forget a user's failures (after an administrator gave them a new password)."""
    LoginFailure.objects.filter(Q(identity=f"user:{user.pk}")).delete()
