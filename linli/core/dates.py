"""Bounds for the dates people type: a birth date from 1900 and not in the future; a service date
(hours served, a volunteer's registration, a tag, a consent, an order's wanted time, a reward's or
a pledge's validity) not before the platform's records begin (``LINLI_EARLIEST_SERVICE_DATE``) and
not absurdly far ahead. Services call these and turn a problem into a field error (422).
Visits, donations in and handouts already keep to the last year. See docs/hostile-input.md."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
# How far ahead a planned date (a reward's end, an order's wanted time) may reach.
PLAN_AHEAD = datetime.timedelta(days=366 * 5)


def _day(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def earliest_service_date() -> datetime.date:
    return settings.LINLI_EARLIEST_SERVICE_DATE


def birth_date_problem(value: datetime.date | None) -> str | None:
    """Why ``value`` cannot be a birth date, or None."""
    if value is None:
        return None
    if value < EARLIEST_BIRTH_DATE:
        return _("The birth date cannot be before 1900.")
    if value > timezone.localdate():
        return _("The birth date cannot be in the future.")
    return None


def service_date_problem(
    value: datetime.date | datetime.datetime | None,
    *,
    ahead: datetime.timedelta = datetime.timedelta(0),
) -> str | None:
    """Why ``value`` cannot date a service, or None: before the earliest service date, or later
    than ``ahead`` from today (default: not in the future)."""
    if value is None:
        return None
    day = _day(value)
    floor = earliest_service_date()
    if day < floor:
        return _("The date cannot be before %(date)s.") % {"date": date_format(floor)}
    if day > timezone.localdate() + ahead:
        if not ahead:
            return _("The date cannot be in the future.")
        return _("The date is too far in the future.")
    return None
