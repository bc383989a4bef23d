"""Hostile and broken uploads: refused with a clear message (422 on the API), never a 500, before
openpyxl parses anything it should not, and nothing written."""

import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.conftest import make_id_number, years_ago
from linli.people import roster_import
from linli.people.models import ImportBatch, Person
from linli.people.tests.xlsx_files import HEADER, inline_row, raw_xlsx, sheet_xml, xlsx

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)


def good_sheet() -> str:
    row = ["周大爷", "男", make_id_number(years_ago(82)), "13900000001", "", "", "1栋101", ""]
    return inline_row(1, HEADER) + inline_row(2, row)


def upload_page(client, community, data: bytes, name: str = "roster.xlsx"):
    return client.post(
        "/residents/import/",
        {"community": community.pk, "file": SimpleUploadedFile(name, data)},
    )


def upload_api(api, community, data: bytes, name: str = "roster.xlsx"):
    return api.post(
        "/api/v1/roster-imports",
        {"community_id": community.pk, "file": SimpleUploadedFile(name, data)},
    )


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fail the test if openpyxl is asked to open the file at all."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("openpyxl opened a file that should have been refused before")

    monkeypatch.setattr(roster_import, "load_workbook", refuse)
    yield
    assert calls == [], "openpyxl opened a file that should have been refused before"


def refused(world, client_for, api_for, data: bytes, words: str, name: str = "roster.xlsx"):
    """The page shows the message on the form and the API answers 422 with it; nothing stored."""
    page = upload_page(client_for(world.worker_a), world.a, data, name)
    assert page.status_code == 200
    message = " ".join(page.context["form"].errors["file"])
    assert words in message, message
    api = upload_api(api_for(world.worker_a), world.a, data, name)
    assert api.status_code == 422, api.content
    assert words in api.json()["detail"]
    assert ImportBatch.objects.count() == 0 and Person.objects.count() == 0
    return message


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
class TestHostileRosterFiles:
    def test_a_good_crafted_workbook_is_read_so_the_builder_is_sound(self, world):
        batch = roster_import.roster_upload(
            actor=world.worker_a,
            community_id=world.a.pk,
            file_name="r.xlsx",
            data=raw_xlsx(sheet_xml(good_sheet())),
        )
        assert batch.row_count == 1 and batch.error_count == 0

    def test_a_file_cut_short_is_refused_clearly(self, world, client_for, api_for):
        data = xlsx([["周大爷", "男", make_id_number(years_ago(82)), "", "", "", "", ""]])
        refused(world, client_for, api_for, data[: len(data) // 2], "cannot be read")
        refused(world, client_for, api_for, data[:-30], "cannot be read")

    def test_a_sheet_whose_xml_is_cut_short_is_refused_clearly(self, world, client_for, api_for):
        sheet = sheet_xml(good_sheet())
        truncated = raw_xlsx(sheet[: len(sheet) - 60])  # a valid zip around broken XML
        refused(world, client_for, api_for, truncated, "cannot be read")

    def test_xml_entities_are_refused_before_parsing(self, world, client_for, api_for, no_openpyxl):
        bomb = sheet_xml(inline_row(1, HEADER) + inline_row(2, ["&lol4;"]), BILLION_LAUGHS)
        refused(world, client_for, api_for, raw_xlsx(bomb), "DOCTYPE")
        refused(world, client_for, api_for, raw_xlsx(b"\xef\xbb\xbf" + bomb), "DOCTYPE")
        utf16 = bomb.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        refused(world, client_for, api_for, raw_xlsx(utf16), "DOCTYPE")
        strings = (
            '<?xml version="1.0"?><!-- a comment first --> ' + BILLION_LAUGHS + f'<sst xmlns="'
            f'{"http://schemas.openxmlformats.org/spreadsheetml/2006/main"}"><si><t>&lol4;</t>'
            "</si></sst>"
        ).encode()
        refused(world, client_for, api_for, raw_xlsx(sheet_xml(good_sheet()), strings), "DOCTYPE")

    def test_a_sheet_under_another_name_is_checked_too(self, world, client_for, api_for):
        bomb = sheet_xml(inline_row(1, HEADER) + inline_row(2, ["&lol4;"]), BILLION_LAUGHS)
        data = raw_xlsx(bomb).replace(b"worksheets/sheet1.xml", b"worksheets/SHEET1.DAT")
        refused(world, client_for, api_for, data, "DOCTYPE")
        long_prolog = sheet_xml(good_sheet(), "<!--" + "x" * 70_000 + "-->")
        refused(world, client_for, api_for, raw_xlsx(long_prolog), "DOCTYPE")

    def test_xml_entities_are_refused_by_defusedxml_too(
        self, world, client_for, api_for, monkeypatch, caplog
    ):
        monkeypatch.setattr(roster_import, "_has_doctype", lambda prolog: False)
        bomb = sheet_xml(inline_row(1, HEADER) + inline_row(2, ["&lol4;"]), BILLION_LAUGHS)
        with caplog.at_level("INFO", logger="linli.people.roster_import"):
            refused(world, client_for, api_for, raw_xlsx(bomb), "cannot be read")
        assert "EntitiesForbidden" in caplog.text

    def test_shared_strings_that_expand_hugely_are_refused_before_parsing(
        self, world, client_for, api_for, no_openpyxl
    ):
        huge = "a" * (12 * 1024 * 1024)
        strings = (
            '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            f'2006/main"><si><t>{huge}</t></si></sst>'
        ).encode()
        data = raw_xlsx(sheet_xml(good_sheet()), strings)
        assert len(data) < 100_000  # tiny upload, 12 MB inside
        refused(world, client_for, api_for, data, "larger inside")

    def test_a_highly_compressed_sheet_is_refused_before_parsing(
        self, world, client_for, api_for, no_openpyxl
    ):
        data = raw_xlsx(sheet_xml(good_sheet() + "<row/>" * 400_000))  # 2.4 MB in a few KB
        refused(world, client_for, api_for, data, "larger inside")

    def test_a_million_empty_rows_stop_at_the_row_cap(self, world, client_for, api_for):
        far = '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t></is></c></row>'
        message = refused(
            world, client_for, api_for, raw_xlsx(sheet_xml(good_sheet() + far)), "more than 5000"
        )
        assert "line 2" in message  # where the table really ends

    def test_empty_rows_count_towards_the_row_cap(self, world, settings):
        settings.LINLI_IMPORT_MAX_ROWS = 3
        row = ["周大爷", "男", make_id_number(years_ago(82)), "", "", "", "", ""]
        blank = [None] * 8
        with pytest.raises(roster_import.ValidationFailed, match="more than 3 rows"):
            roster_import.roster_upload(
                actor=world.worker_a,
                community_id=world.a.pk,
                file_name="r.xlsx",
                data=xlsx([row, blank, blank, ["x"]]),
            )
        ok = roster_import.roster_upload(
            actor=world.worker_a,
            community_id=world.a.pk,
            file_name="r.xlsx",
            data=xlsx([row, blank, blank]),
        )
        assert ok.row_count == 1

    def test_a_file_name_with_control_characters_is_stored_clean(self, world):
        batch = roster_import.roster_upload(
            actor=world.worker_a,
            community_id=world.a.pk,
            file_name="a\x00b\x1f.xlsx",
            data=raw_xlsx(sheet_xml(good_sheet())),
        )
        batch.refresh_from_db()
        assert batch.file_name == "ab.xlsx"

    def test_columns_far_to_the_right_are_not_read(self, world):
        far = f'<row r="2"><c r="XFD2" t="inlineStr"><is><t>{"x"}</t></is></c></row>'
        sheet = sheet_xml(inline_row(1, HEADER) + far + good_sheet().split("</row>", 1)[1])
        with pytest.raises(roster_import.ValidationFailed, match="no rows"):
            roster_import.roster_upload(
                actor=world.worker_a,
                community_id=world.a.pk,
                file_name="r.xlsx",
                data=raw_xlsx(sheet),
            )

    def test_an_oversized_file_is_refused_before_it_is_read(
        self, world, client_for, api_for, settings, no_openpyxl
    ):
        settings.LINLI_IMPORT_MAX_BYTES = 2000
        data = xlsx([["x"] * 8]) + b"\0" * 2000
        refused(world, client_for, api_for, data, "larger than")

    def test_other_files_renamed_xlsx_are_refused(self, world, client_for, api_for):
        refused(
            world, client_for, api_for, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "cannot be read"
        )
        legacy_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
        refused(world, client_for, api_for, legacy_xls, "cannot be read")
        plain_zip = _zip({"hello.txt": b"hello"})
        refused(world, client_for, api_for, plain_zip, "cannot be read")

    def test_a_zip_with_too_many_members_is_refused(self, world, client_for, api_for, no_openpyxl):
        members = {f"xl/media/{n}.bin": b"" for n in range(roster_import.MAX_MEMBERS + 1)}
        refused(world, client_for, api_for, _zip(members), "larger inside")


def _zip(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()
