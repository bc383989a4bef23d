"""Login lockout (ADR 0012): failed logins counted per identity and per client address.

Every password check (the login page, ``POST /api/v1/auth/token``, the admin) goes through
``UsernameOrMobileBackend``, which reserves the attempt with ``attempt_begin`` (written as a
failure before the password is checked, so concurrent guesses count each other) and clears it with
``attempt_succeeded`` when the password is right. The identity is what the typed name *resolves
to*: ``user:<pk>`` when it names a user (whatever spaces, width, case or mobile format it was
typed in), otherwise the keyed hash of the normalised text — so the table never holds a raw mobile
number or a stray password typed into the username box. Failures are rows in the database
(correct with any number of app processes); rows older than the window are deleted as new ones
arrive.

Two limits, both over the last ``LINLI_LOGIN_COOLOFF_MINUTES``:
- ``LINLI_LOGIN_FAILURE_LIMIT`` failures for one identity from one address lock that pair;
- ``LINLI_LOGIN_ADDRESS_FAILURE_LIMIT`` failures from one address (any names: password spraying)
  lock the address — except for a user whose browser holds a valid device cookie
  (``accounts.devices``) naming them, so one sprayer does not lock out a whole station's Wi-Fi.
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


def _window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.LINLI_LOGIN_COOLOFF_MINUTES)


def _lifts_at(failures, limit: int) -> datetime.datetime | None:
    """When a lock over these recent ``failures`` lifts (None: not locked): at ``limit`` or more
    failures in the window it holds until the ``limit``-th newest one leaves the window."""
    times = list(failures.order_by("-at").values_list("at", flat=True)[: max(limit, 1)])
    if len(times) < max(limit, 1):
        return None
    return times[-1] + _window()


def locked_until(
    identity: str, address: str, *, address_exempt: bool = False, excluding: int | None = None
) -> datetime.datetime | None:
    """When this identity may log in again from this address (None: it may now). Locked when the
    identity failed too often from the address, or — unless ``address_exempt`` (a valid device
    cookie for that user, ``accounts.devices``) — the address as a whole did. ``excluding``: the
    caller's own reserved attempt (``attempt_begin``), not counted against itself."""
    recent = LoginFailure.objects.filter(address=address, at__gte=_since())
    if excluding is not None:
        recent = recent.exclude(pk=excluding)
    ends = []
    if identity:
        ends.append(_lifts_at(recent.filter(identity=identity), settings.LINLI_LOGIN_FAILURE_LIMIT))
    if not address_exempt:
        ends.append(_lifts_at(recent, settings.LINLI_LOGIN_ADDRESS_FAILURE_LIMIT))
    ends = [end for end in ends if end is not None]
    return max(ends) if ends else None


def is_locked(identity: str, address: str, *, address_exempt: bool = False) -> bool:
    """Has this identity from this address, or this address as a whole, failed too often?"""
    return locked_until(identity, address, address_exempt=address_exempt) is not None


def tries_left(identity: str, address: str, *, address_exempt: bool = False) -> tuple[int, int]:
    """(recent failures of this identity from this address, tries left before a pause). The count
    is the same whether or not the name belongs to a user, so showing it reveals nothing."""
    recent = LoginFailure.objects.filter(address=address, at__gte=_since())
    failures = recent.filter(identity=identity).count() if identity else 0
    left = settings.LINLI_LOGIN_FAILURE_LIMIT - failures
    if not address_exempt:
        left = min(left, settings.LINLI_LOGIN_ADDRESS_FAILURE_LIMIT - recent.count())
    return failures, max(left, 0)


def locked_users(user_ids) -> dict[int, datetime.datetime]:
    """The users among ``user_ids`` locked out from some address by the per-identity limit, with
    the time the (last) lock lifts."""
    limit = max(settings.LINLI_LOGIN_FAILURE_LIMIT, 1)
    rows = (
        LoginFailure.objects.filter(identity__in=[f"user:{pk}" for pk in user_ids])
        .filter(at__gte=_since())
        .order_by("-at")
        .values_list("identity", "address", "at")
    )
    times: dict[tuple[str, str], list[datetime.datetime]] = {}
    for identity, address, at in rows:
        times.setdefault((identity, address), []).append(at)
    locked: dict[int, datetime.datetime] = {}
    for (identity, _address), ats in times.items():
        if len(ats) >= limit:
            pk = int(identity.removeprefix("user:"))
            lifts = ats[limit - 1] + _window()
            locked[pk] = max(lifts, locked.get(pk, lifts))
    return locked


def attempt_begin(
    identity: str, address: str, *, address_exempt: bool = False
) -> tuple[int | None, datetime.datetime | None]:
    """Reserve a password check: (the attempt's id, None) when it may go ahead, (None, when the
    lock lifts) when it may not.

    The attempt is written as a failure *before* the password is looked at, and committed at once
    (outside any transaction), then the failures and the attempts in flight before it are counted.
    So guesses sent all at once each see the others: of N concurrent attempts at most the limit
    get their password checked, whatever the server's concurrency. A refused attempt removes its
    reservation (being refused does not make a lock longer); ``attempt_succeeded`` removes it and
    the identity's failures; a wrong password leaves it as the failure it is."""
    LoginFailure.objects.filter(at__lt=_since()).delete()
    attempt = LoginFailure.objects.create(identity=identity, address=address)
    until = locked_until(identity, address, address_exempt=address_exempt, excluding=attempt.pk)
    if until is None:
        return attempt.pk, None
    LoginFailure.objects.filter(pk=attempt.pk).delete()
    return None, until


def attempt_succeeded(identity: str, address: str) -> None:
    """The password was right: the reservation and that identity's failures from that address go."""
    record_success(identity, address)


def record_success(identity: str, address: str) -> None:
    """A right password clears that identity's failures from that address (not the address's
    failures for other names: logging in to one's own account does not reset a spraying count)."""
    LoginFailure.objects.filter(identity=identity, address=address).delete()


def clear_user(user: User) -> int:
    """Forget a user's failures from every address (an administrator unlocked them or gave them a
    new password); the number of failures forgotten. Address-wide counts stay."""
    return LoginFailure.objects.filter(Q(identity=f"user:{user.pk}")).delete()[0]
