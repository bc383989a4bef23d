"""志愿服务证明: a printable certificate of verified hours, checkable by anyone through its QR code.

The QR code holds a URL with a signed token (Django's signing with SECRET_KEY: volunteer, hours,
date). The public check page verifies the signature and compares the hours with the ledger of
records as they are now, so a later reversal shows up.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import segno
from django.core import signing
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from linli.core.privacy import mask_name
from linli.volunteers.models import ServiceRecord, Volunteer

SALT = "linli.volunteers.certificate"


def verified_hours(volunteer_id: int, until: datetime.date | None = None) -> Decimal:
    qs = ServiceRecord.objects.filter(
        volunteer_id=volunteer_id, status=ServiceRecord.Status.VERIFIED
    )
    if until is not None:
        qs = qs.filter(served_on__lte=until)
    return qs.aggregate(total=Sum("hours"))["total"] or Decimal(0)


@dataclass(frozen=True)
class Certificate:
    volunteer: Volunteer
    hours: Decimal
    issued_on: datetime.date
    token: str

    def url(self, request) -> str:
        return request.build_absolute_uri(reverse("certificate_check", args=[self.token]))

    def qr_svg(self, request) -> str:
        return segno.make(self.url(request), error="m").svg_inline(scale=4)


def certificate_for(volunteer: Volunteer) -> Certificate:
    issued_on = timezone.localdate()
    hours = verified_hours(volunteer.pk, issued_on)
    token = signing.dumps(
        {"v": volunteer.pk, "h": str(hours), "d": issued_on.isoformat()}, salt=SALT
    )
    return Certificate(volunteer=volunteer, hours=hours, issued_on=issued_on, token=token)


@dataclass(frozen=True)
class CheckResult:
    valid: bool
    masked_name: str = ""
    community: str = ""
    hours: Decimal = Decimal(0)
    issued_on: datetime.date | None = None
    still_matches: bool = False


def certificate_check(token: str) -> CheckResult:
    try:
        data = signing.loads(token[:500], salt=SALT)
        volunteer = Volunteer.objects.select_related("person", "community").get(pk=int(data["v"]))
        issued_on = datetime.date.fromisoformat(data["d"])
        hours = Decimal(data["h"])
    except (signing.BadSignature, Volunteer.DoesNotExist, KeyError, ValueError, TypeError):
        return CheckResult(valid=False)
    return CheckResult(
        valid=True,
        masked_name=mask_name(volunteer.person.name),
        community=volunteer.community.name,
        hours=hours,
        issued_on=issued_on,
        still_matches=verified_hours(volunteer.pk, issued_on) == hours,
    )
