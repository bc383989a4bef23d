"""Devices: the signed device cookie that exempts a known user from the per-address login limit
(ADR 0012), and a short description of a phone app's User-Agent for its token's device name.

The device cookie follows OWASP's "device cookie" advice: after a successful login the browser
gets a signed (Django signing, ``SECRET_KEY``), HttpOnly, long-lived cookie naming the user. A later
login attempt whose name resolves to that user is not refused because the *address* as a whole had
too many failures (a station's Wi-Fi, a carrier's NAT); it still counts towards, and is refused by,
the per-identity limit. A forged, altered or unsigned cookie is ignored.
"""

from __future__ import annotations

import re

from django.conf import settings

DEVICE_COOKIE = "linli_device"
DEVICE_SALT = "linli.accounts.device"
DEVICE_COOKIE_DAYS = 365


def remember(response, user) -> None:
    """Mark this browser as one ``user`` logged in from (on the successful login's response)."""
    response.set_signed_cookie(
        DEVICE_COOKIE,
        str(user.pk),
        salt=DEVICE_SALT,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def device_user_id(request) -> int | None:
    """The user named by a valid device cookie on this request, or None (absent, forged,
    tampered, expired or unreadable)."""
    if request is None or not hasattr(request, "get_signed_cookie"):
        return None
    value = request.get_signed_cookie(
        DEVICE_COOKIE, default=None, salt=DEVICE_SALT, max_age=DEVICE_COOKIE_DAYS * 24 * 3600
    )
    if not value or not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


NAME_LENGTH = 50  # ApiToken.name
_OS = [
    ("HarmonyOS", "HarmonyOS"),
    ("OpenHarmony", "HarmonyOS"),
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Mac OS X", "Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]
# Apps and browsers, most specific first: (pattern, label); the pattern's group is the version.
_APPS = [
    (r"MicroMessenger/(\d+)", "WeChat"),
    (r"AlipayClient/(\d+)", "Alipay"),
    (r"EdgA?/(\d+)", "Edge"),
    (r"HuaweiBrowser/(\d+)", "Huawei Browser"),
    (r"MiuiBrowser/(\d+)", "MIUI Browser"),
    (r"UCBrowser/(\d+)", "UC Browser"),
    (r"QQBrowser/(\d+)", "QQ Browser"),
    (r"Firefox/(\d+)", "Firefox"),
    (r"(?:Chrome|CriOS)/(\d+)", "Chrome"),
    (r"Version/(\d+)[.\d]* (?:Mobile/\w+ )?Safari/", "Safari"),
    (r"okhttp/(\d+)", "okhttp"),
    (r"Dart/(\d+)", "Dart"),
    (r"CFNetwork/(\d+)", "CFNetwork"),
    (r"python-requests/(\d+)", "python-requests"),
    (r"curl/(\d+)", "curl"),
]


def clean_name(value: str) -> str:
    """A device name safe to store and show: printable characters only, spaces collapsed, at most
    the column's length."""
    printable = "".join(ch if ch.isprintable() else " " for ch in value or "")
    return re.sub(r"\s+", " ", printable).strip()[:NAME_LENGTH].strip()


def describe_user_agent(user_agent: str) -> str:
    """A short description of a User-Agent for a token's device name, e.g. "Android · Chrome
    120"; the first printable characters when nothing is recognised; "" for none."""
    user_agent = (user_agent or "")[:512]
    system = next((label for needle, label in _OS if needle in user_agent), "")
    app = ""
    for pattern, label in _APPS:
        match = re.search(pattern, user_agent)
        if match:
            app = f"{label} {match.group(1)}"
            break
    if system or app:
        return clean_name(" · ".join(part for part in (system, app) if part))
    return clean_name(user_agent)
