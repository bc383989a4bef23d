"""Personal data helpers (PIPL): field encryption, keyed hashes, masking, ID-number validation.

ID and mobile numbers are stored as Fernet ciphertext (keys from ``LINLI_FIELD_KEYS``, newest first,
so keys rotate by prepending a new one and running ``manage.py rotate_field_keys``), beside an
HMAC-SHA256 keyed hash for exact lookup and a masked copy for display. Pages and lists use only
the masked copy; the plaintext is decrypted on an audited reveal.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.LINLI_FIELD_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # pragma: no cover - a configuration error, not user input
        raise RuntimeError("Cannot decrypt a field: is LINLI_FIELD_KEYS complete?") from exc


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value, for exact search without plaintext."""
    return hmac.new(
        settings.LINLI_HASH_KEY.encode(), value.strip().upper().encode(), hashlib.sha256
    ).hexdigest()


class EncryptedTextField(models.TextField):
    """Holds Fernet ciphertext; Python sees plaintext. Not searchable: search the keyed hash."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


# --- Masking ----------------------------------------------------------------------------------


def mask_id_number(value: str) -> str:
    """``110105194912310021`` → ``110***********0021`` (first 3 and last 4 kept)."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_mobile(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# --- GB 11643-1999 resident ID numbers --------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_number_errors(value: str, *, birth_date: datetime.date | None = None) -> list[str]:
    """Return the problems with an 18-digit ID number (empty list when valid)."""
    value = normalise_id_number(value)
    if not _ID_RE.match(value):
        return [_("An ID number has 18 characters: 17 digits and a final digit or X.")]
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return [_("The birth date inside the ID number is not a real date.")]
    errors = []
    if born > datetime.date.today() or born.year < 1890:
        errors.append(_("The birth date inside the ID number is not a real date."))
    if id_check_digit(value[:17]) != value[17]:
        errors.append(_("The check digit of the ID number is wrong; please check each digit."))
    if birth_date and not errors and born != birth_date:
        errors.append(_("The birth date inside the ID number does not match the birth date given."))
    return errors


def birth_date_from_id(value: str) -> datetime.date | None:
    value = normalise_id_number(value)
    if id_number_errors(value):
        return None
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


def gender_from_id(value: str) -> str:
    """The 17th digit is odd for men, even for women."""
    return "male" if int(normalise_id_number(value)[16]) % 2 else "female"


def normalise_mobile(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def mobile_errors(value: str) -> list[str]:
    if not _MOBILE_RE.match(normalise_mobile(value)):
        return [_("A mobile number has 11 digits and starts with 1.")]
    return []


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 李四 → 李*: enough to recognise, not to collect."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
