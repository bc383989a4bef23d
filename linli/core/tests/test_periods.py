import datetime

from linli.core.periods import month_span


def test_spans_start_and_end_at_local_midnight_across_the_year_end():
    start, end = month_span(2026, 10, 3)
    assert (start.isoformat(), end.isoformat()) == (
        "2026-10-01T00:00:00+08:00",
        "2027-01-01T00:00:00+08:00",
    )
    start, end = month_span(2026, 2)
    assert end - start == datetime.timedelta(days=28)
    assert month_span(2026, 1, 12)[1].year == 2027
