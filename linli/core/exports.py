"""Excel exports, safe to open: the one way every export of Linli writes a workbook.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what a
spreadsheet reads as a formula (a resident named ``=1+2``, an address ``=HYPERLINK(...)``, a donor
``=cmd|' /C calc'!A0``). Such text is written with a leading apostrophe, as a plain string cell, so
Excel, WPS and LibreOffice show it and never run it — also after a round trip through CSV. Numbers,
dates and empty cells are written as they are (a refund of -5 stays the number -5). Control
characters that the file format cannot hold are dropped instead of failing the export.
See docs/hostile-input.md.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value`` as inert text: illegal control characters dropped, a formula start escaped."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class SafeSheet:
    """A write-only sheet whose ``append`` neutralises text cells."""

    def __init__(self, sheet):
        self._sheet = sheet

    def append(self, row: Iterable) -> None:
        self._sheet.append([self._cell(value) for value in row])

    def _cell(self, value):
        if isinstance(value, Promise):
            value = str(value)
        if not isinstance(value, str):
            return value
        cell = WriteOnlyCell(self._sheet, value=safe_text(value))
        cell.data_type = "s"  # text, whatever it looks like: never a formula or an error code
        return cell


class SafeWorkbook:
    """A write-only openpyxl workbook for exports: ``create_sheet(title)`` gives a ``SafeSheet``;
    ``save(stream)`` or ``to_bytes()`` writes the .xlsx."""

    def __init__(self):
        self._book = Workbook(write_only=True)

    def create_sheet(self, title: str) -> SafeSheet:
        return SafeSheet(self._book.create_sheet(title=str(title)))

    def save(self, stream) -> None:
        self._book.save(stream)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """An .xlsx download."""
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
