"""The one export helper: text that a spreadsheet would run as a formula is written as inert text;
numbers, dates and ordinary text are written as they are."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from linli.core.exports import XLSX_TYPE, SafeWorkbook, safe_text, xlsx_response

DANGEROUS = [
    "=1+2",
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-1+2",
    "@SUM(A1:A2)",
    "\t=1+2",
    "\r=1+2",
]


def formulas_in(data: bytes) -> list[str]:
    """Every <f> (formula) element in the workbook's sheets, read from the raw XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and b"<f>" in archive.read(name)
        ]


def assert_inert(data: bytes) -> list[tuple]:
    """No formula anywhere, every text cell a string that does not start a formula; the rows."""
    assert formulas_in(data) == []
    sheet = load_workbook(io.BytesIO(data)).active
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.value
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    return list(sheet.iter_rows(values_only=True))


class TestSafeText:
    @pytest.mark.parametrize("value", DANGEROUS)
    def test_it_escapes_text_that_starts_a_formula(self, value):
        assert safe_text(value) == "'" + value

    @pytest.mark.parametrize("value", ["张三丰", "1栋1单元101", "139****5678", "a=b", " =1", ""])
    def test_it_leaves_ordinary_text_alone(self, value):
        assert safe_text(value) == value

    def test_it_drops_control_characters_the_file_cannot_hold(self):
        assert safe_text("张\x00三\x1b") == "张三"
        assert safe_text("\x01=1+2") == "'=1+2"


class TestSafeWorkbook:
    def test_dangerous_text_comes_out_as_inert_text(self):
        book = SafeWorkbook()
        sheet = book.create_sheet("t")
        for value in DANGEROUS:
            sheet.append([value])
        rows = assert_inert(book.to_bytes())
        # (XML reads a carriage return back as a line feed)
        assert [r[0] for r in rows] == ["'" + v.replace("\r", "\n") for v in DANGEROUS]

    def test_numbers_dates_and_empty_cells_keep_their_type(self):
        book = SafeWorkbook()
        sheet = book.create_sheet("t")
        day = datetime.date(2026, 1, 2)
        sheet.append([-5, -1.5, Decimal("-2.25"), 0, None, day, "-"])
        rows = assert_inert(book.to_bytes())
        assert rows[0][:5] == (-5, -1.5, -2.25, 0, None)
        assert rows[0][5].date() == day
        assert rows[0][6] == "'-"

    def test_a_lazy_translation_is_written_as_text(self):
        from django.utils.translation import gettext_lazy

        book = SafeWorkbook()
        book.create_sheet("t").append([gettext_lazy("Total")])
        assert assert_inert(book.to_bytes())[0][0]

    def test_the_response_is_an_xlsx_download(self):
        response = xlsx_response(b"data", "a.xlsx")
        assert response["Content-Type"] == XLSX_TYPE
        assert response["Content-Disposition"] == 'attachment; filename="a.xlsx"'
