"""Rosters as community offices really keep them: a title above the header, 序号 and extra
columns, full-width characters, ID numbers Excel turned into numbers, padded names, children."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.conftest import make_id_number, years_ago
from linli.core.privacy import id_number_errors
from linli.people import roster_import
from linli.people.models import Person
from linli.people.tests.xlsx_files import HEADER, inline_row, raw_xlsx, sheet_xml, xlsx

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def upload(world, data: bytes):
    return roster_import.roster_upload(
        actor=world.worker_a, community_id=world.a.pk, file_name="r.xlsx", data=data
    )


def office_roster(rows) -> bytes:
    """序号 first, the columns in the office's order and names, 民族 and 备注 extra, a merged
    title, a date line and a blank row above the header."""
    from io import BytesIO

    from openpyxl import load_workbook

    header = ["序号", "姓  名", "性别", "民族", "公民身份号码", "联系电话", "所属网格", "备注"]
    data = xlsx(
        [[n, *row] for n, row in enumerate(rows, start=1)],
        header=header,
        above=[["玉林北路社区重点人群花名册"], ["填报日期：2026年11月"], []],
    )
    book = load_workbook(BytesIO(data))
    book.active.merge_cells("A1:H1")
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
class TestOfficeRosters:
    def test_a_title_blank_rows_serial_numbers_and_extra_columns_are_skipped(
        self, world, client_for
    ):
        id_number = make_id_number(years_ago(82))
        data = office_roster([["周大爷", "男", "汉族", id_number, "13900000001", "第1网格", "x"]])
        client = client_for(world.worker_a)
        response = client.post(
            "/residents/import/",
            {"community": world.a.pk, "file": SimpleUploadedFile("roster.xlsx", data)},
        )
        assert response.status_code == 302, response.context["form"].errors
        preview = client.get(response["Location"])
        batch = preview.context["batch"]
        assert batch.header_line == 4 and batch.ignored_columns == ["民族", "备注"]
        [row] = preview.context["rows"]
        assert (row.line, row.name, row.id_number, row.mobile, row.grid, row.errors) == (
            5,
            "周大爷",
            id_number,
            "13900000001",
            "第1网格",
            [],
        )
        page = preview.content.decode()
        assert "found on line 4" in page and "民族、备注" in page

    def test_a_header_further_down_than_ten_rows_is_not_guessed(self, world):
        data = xlsx([["周大爷"]], above=[[]] * 10)
        with pytest.raises(roster_import.ValidationFailed, match="first 10 rows"):
            upload(world, data)

    def test_full_width_digits_and_letters_are_read_as_ascii(self, world):
        days = 10
        id_number = make_id_number(years_ago(70, days=days), male=False)
        while not id_number.endswith("X"):  # one with the check letter, typed full-width too
            days += 1
            id_number = make_id_number(years_ago(70, days=days), male=False)
        row = ["吴阿姨", "女", id_number.translate(FULL_WIDTH), "１３９\u3000００００ ０００２"]
        batch = upload(world, xlsx([row + ["", "", "２栋２０２", "空巢"]]))
        [checked] = roster_import.roster_preview(actor=world.worker_a, batch_id=batch.pk)[1]
        assert checked.errors == []
        assert checked.id_number == id_number and checked.mobile == "13900000002"
        assert checked.address == "2栋202"
        roster_import.roster_apply(actor=world.worker_a, batch_id=batch.pk, update_existing=False)
        person = Person.objects.get()
        assert person.id_number == id_number and person.mobile == "13900000002"

    def test_an_id_number_stored_as_a_number_is_explained(self, world, client_for):
        id_number = make_id_number(years_ago(60))
        while id_number_errors(id_number[:15] + "000") == []:  # the rounded one must be wrong
            id_number = make_id_number(years_ago(60))
        ending_000 = int(id_number[:15] + "000")  # Excel keeps 15 significant digits
        rounded = float(ending_000)
        rows = [
            ["张三", "男", rounded, "", "", "", "", ""],
            ["李四", "男", ending_000, "", "", "", "", ""],
            ["王五", "男", "5.10107E+17", "", "", "", "", ""],
        ]
        batch = upload(world, xlsx(rows))
        _batch, checked = roster_import.roster_preview(actor=world.worker_a, batch_id=batch.pk)
        for row in checked:
            assert row.errors and "as text" in row.errors[0], row.errors
        page = client_for(world.worker_a).get(f"/residents/import/{batch.pk}/").content.decode()
        assert "Format the 身份证号 column as text" in page

    def test_an_exact_number_that_is_a_valid_id_is_accepted(self, world):
        id_number = make_id_number(years_ago(60))
        while id_number.endswith("X"):  # a number cannot end with X
            id_number = make_id_number(years_ago(60))
        exact = (  # some tools write all 18 digits as a number; nothing was lost then
            '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c>'
            f'<c r="C2" t="n"><v>{id_number}</v></c></row>'
        )
        batch = upload(world, raw_xlsx(sheet_xml(inline_row(1, HEADER) + exact)))
        _batch, [row] = roster_import.roster_preview(actor=world.worker_a, batch_id=batch.pk)
        assert row.errors == [] and row.id_number == id_number

    def test_padded_names_are_collapsed(self, world):
        rows = [
            ["张\u3000\u3000三", "男", make_id_number(years_ago(50)), "", "", "", "", ""],
            [" 欧阳  小 明 ", "男", make_id_number(years_ago(51)), "", "", "", "", ""],
            ["Maria   Lopez", "女", make_id_number(years_ago(52), male=False), "", "", "", "", ""],
        ]
        batch = upload(world, xlsx(rows))
        _batch, checked = roster_import.roster_preview(actor=world.worker_a, batch_id=batch.pk)
        assert [r.name for r in checked] == ["张三", "欧阳小明", "Maria Lopez"]

    def test_a_child_under_14_is_flagged_for_guardian_and_consent(self, world, client_for, api_for):
        child = ["郑小妹", "女", make_id_number(years_ago(10), male=False), "", "", "", "", ""]
        teen = ["郑大哥", "男", make_id_number(years_ago(15)), "", "", "", "", ""]
        batch = upload(world, xlsx([child, teen]))
        assert batch.child_count == 1
        client = client_for(world.worker_a)
        page = client.get(f"/residents/import/{batch.pk}/").content.decode()
        assert "children-notice" in page and "guardian" in page
        rows = api_for(world.worker_a).get(f"/api/v1/roster-imports/{batch.pk}").json()["rows"]
        assert [r["child"] for r in rows] == [True, False]
        client.post(f"/residents/import/{batch.pk}/", {"confirm": "1"})
        outcome = client.get(f"/residents/import/{batch.pk}/")
        person = Person.objects.get(name="郑小妹")
        assert [r.person_id for r in outcome.context["children"]] == [person.pk]
        assert f"/residents/{person.pk}/" in outcome.content.decode()

    def test_a_child_in_difficulty_tag_on_an_adult_is_a_preview_error(self, world):
        row = ["周大爷", "男", make_id_number(years_ago(40)), "", "", "", "", "困难儿童"]
        assert upload(world, xlsx([row])).error_count == 1

    def test_the_sample_file_shows_a_title_above_the_header(self, world):
        from openpyxl import load_workbook

        from linli.people.tests.test_import import SAMPLE

        sheet = load_workbook(SAMPLE).active
        assert sheet["A1"].value and "A1" in str(sheet.merged_cells)
        assert HEADER[0] in [c.value for row in sheet.iter_rows(max_row=5) for c in row]
