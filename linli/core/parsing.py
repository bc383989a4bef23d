"""One parser for the integers a request carries (query string, form fields, path ids).

``"²".isdigit()`` is true but ``int("²")`` fails; ``int("１２")`` is 12; a 24-digit id overflows
SQLite's 64-bit integers. So every integer a user sends is read here: ASCII digits only (an
optional leading ``-`` where negatives make sense), within bounds, else the default.
See docs/hostile-input.md.
"""

from __future__ import annotations

import re

# The largest value a 64-bit signed database integer (SQLite INTEGER, PostgreSQL bigint) holds.
ID_MAX = 2**63 - 1
# Enough digits for ID_MAX; longer strings are refused before ``int()`` sees them.
_MAX_DIGITS = len(str(ID_MAX))
_DIGITS = re.compile(r"-?[0-9]+\Z", re.ASCII)


def int_param(
    value,
    *,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = ID_MAX,
) -> int | None:
    """``value`` as an int when it is plain ASCII digits within ``minimum..maximum`` (a leading
    ``-`` only counts when ``minimum`` is negative); ``default`` for anything else: None, empty,
    spaces, Unicode digits (², ١٢, １２), signs, decimals, huge numbers."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        number = value
    else:
        text = "" if value is None else str(value)
        if not _DIGITS.match(text) or len(text.lstrip("-")) > _MAX_DIGITS:
            return default
        number = int(text)
    return number if minimum <= number <= maximum else default


def id_param(value, default: int | None = None) -> int | None:
    """A database id: 1 .. 2**63-1, else ``default``."""
    return int_param(value, default=default, minimum=1)


def id_list(values) -> list[int]:
    """The valid ids among ``values`` (e.g. ``request.POST.getlist("line")``), in order."""
    return [n for n in (id_param(v) for v in values) if n is not None]


def query_int(request, name: str, **bounds) -> int | None:
    """``int_param`` of the query-string value ``name`` (keyword arguments as ``int_param``)."""
    return int_param(request.GET.get(name), **bounds)


def query_id(request, name: str) -> int | None:
    """The id in the query-string value ``name``, or None."""
    return id_param(request.GET.get(name))


def form_id(request, name: str) -> int | None:
    """The id in the POSTed form value ``name``, or None."""
    return id_param(request.POST.get(name))
