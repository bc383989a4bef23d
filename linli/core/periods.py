"""Calendar periods in local time (Asia/Shanghai): a month, a quarter, a year as [start, end)."""

from __future__ import annotations

import datetime

from django.utils import timezone


def month_span(
    year: int, first_month: int, months: int = 1
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of ``months`` calendar months from ``first_month`` of ``year``, as aware
    datetimes at local midnight: ``month_span(y, 1, 12)`` is the year, ``(y, 3q - 2, 3)`` a
    quarter."""
    tz = timezone.get_current_timezone()
    after = first_month - 1 + months
    return (
        datetime.datetime(year, first_month, 1, tzinfo=tz),
        datetime.datetime(year + after // 12, after % 12 + 1, 1, tzinfo=tz),
    )
