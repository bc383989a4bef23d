"""Before demo mode generates a missing key: does the database already hold data only that key
opens? Then generating a new one would silently make that data unreadable (or unverifiable), so
the site refuses to start instead (issue 11, point 10).

Imported by ``linli/settings.py`` before Django is set up: standard library only (psycopg for
PostgreSQL, imported when needed). ``PROTECTED`` names the columns each key protects; a test keeps
it complete (every encrypted field and its keyed hash).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlparse

# key setting → (table, column) pairs whose non-empty values need that very key; column None:
# any row of the table.
PROTECTED: dict[str, tuple[tuple[str, str | None], ...]] = {
    "LINLI_FIELD_KEYS": (
        ("people_person", "id_number"),
        ("people_person", "mobile"),
        ("people_importbatch", "rows"),
        ("accounts_user", "mobile"),
    ),
    "LINLI_HASH_KEY": (
        ("people_person", "id_number_hash"),
        ("people_person", "mobile_hash"),
        ("accounts_user", "mobile_hash"),
    ),
}
# Not LINLI_LEDGER_KEYS: a ledger from before the keyed chain gets its first key and is resealed
# (``ledger_reseal``), and a wrong ledger key is reported loudly by ``ledger_verify``.


class Unknown(Exception):
    """The database could not be asked."""


def _query(column: str | None, table: str) -> str:
    where = f" WHERE \"{column}\" <> ''" if column else ""
    return f'SELECT 1 FROM "{table}"{where} LIMIT 1'


def _sqlite_holds(path: Path, pairs) -> str | None:
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
    except sqlite3.Error as exc:
        raise Unknown(str(exc)) from exc
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        for table, column in pairs:
            if table in tables and conn.execute(_query(column, table)).fetchone():
                return f"{table}.{column}" if column else table
        return None
    except sqlite3.Error as exc:
        raise Unknown(str(exc)) from exc
    finally:
        conn.close()


def _postgres_holds(url: str, pairs) -> str | None:
    import psycopg

    try:
        conn = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        # libpq reports a missing database as text (no SQLSTATE): nothing is in it yet.
        if f'database "{urlparse(url).path.lstrip("/")}" does not exist' in str(exc):
            return None
        raise Unknown(str(exc).strip()) from exc
    with conn:
        for table, column in pairs:
            if conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0] is None:
                continue
            if conn.execute(_query(column, table)).fetchone():
                return f"{table}.{column}" if column else table
    return None


def data_needing(name: str, *, database_url: str, sqlite_path: Path) -> str | None:
    """``table.column`` holding data that only the key ``name`` opens, or None. Raises ``Unknown``
    when the database cannot be asked."""
    pairs = PROTECTED.get(name)
    if not pairs:
        return None
    if database_url.startswith(("postgres://", "postgresql://")):
        return _postgres_holds(database_url, pairs)
    if database_url:
        return None  # another engine: not checked
    return _sqlite_holds(sqlite_path, pairs)
