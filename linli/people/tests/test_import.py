import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from linli.conftest import make_id_number, years_ago
from linli.core.errors import NotFound, ValidationFailed
from linli.people import roster_import as roster
from linli.people.models import ImportBatch, Person, PersonTag

HEADER = ["姓名", "性别", "身份证号", "手机号", "网格", "小区", "楼栋门牌", "标签"]
SAMPLE = Path(__file__).resolve().parents[2] / "static" / "linli" / "roster-sample.xlsx"


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows():
    return [
        [
            "周大爷",
            "男",
            make_id_number(years_ago(82)),
            "13900000001",
            "第1网格",
            "甲小区",
            "1栋101",
            "独居、残疾",
        ],
        [
            "吴阿姨",
            "女",
            make_id_number(years_ago(70), male=False),
            "",
            "第1网格",
            "甲小区",
            "2栋202",
            "空巢",
        ],
        [
            "郑小妹",
            "女",
            make_id_number(years_ago(10), male=False),
            "",
            "",
            "",
            "3栋303",
            "困难儿童",
        ],
    ]


@pytest.mark.django_db
class TestRosterImport:
    def test_a_clean_file_imports_every_row_with_tags(self, world):
        batch = roster.roster_upload(
            actor=world.worker_a,
            community_id=world.a.pk,
            file_name="r.xlsx",
            data=xlsx(good_rows()),
        )
        assert batch.row_count == 3 and batch.error_count == 0
        result = roster.roster_apply(actor=world.worker_a, batch_id=batch.pk, update_existing=False)
        assert result == {"created": 3, "updated": 0, "tagged": 4, "failed": 0}
        assert Person.objects.filter(community=world.a).count() == 3
        assert PersonTag.objects.filter(tag="lives_alone", person__name="周大爷").exists()
        batch.refresh_from_db()
        assert batch.status == "applied" and batch.chunk_count == 1
        kept = roster.batch_rows(batch)  # only the child, whose guardian is still to record
        assert [(r.name, r.id_number, r.mobile, r.child) for r in kept] == [
            ("郑小妹", "", "", True)
        ]

    def test_one_bad_row_imports_nothing(self, world):
        rows = good_rows()
        bad_first17 = rows[1][2][:17]
        rows[1][2] = bad_first17 + ("0" if rows[1][2][17] != "0" else "1")  # wrong check digit
        batch = roster.roster_upload(
            actor=world.worker_a, community_id=world.a.pk, file_name="r.xlsx", data=xlsx(rows)
        )
        _batch, checked = roster.roster_preview(actor=world.worker_a, batch_id=batch.pk)
        assert [bool(r.errors) for r in checked] == [False, True, False]
        with pytest.raises(ValidationFailed):
            roster.roster_apply(actor=world.worker_a, batch_id=batch.pk, update_existing=True)
        assert Person.objects.count() == 0 and PersonTag.objects.count() == 0

    def test_every_kind_of_row_error_is_reported(self, world):
        rows = [
            ["", "男", "123", "12", "第9网格", "无此小区", "", "外星人"],
            ["张三", "女", make_id_number(years_ago(40), male=True), "", "", "", "", ""],
        ]
        batch = roster.roster_upload(
            actor=world.worker_a, community_id=world.a.pk, file_name="r.xlsx", data=xlsx(rows)
        )
        _batch, checked = roster.roster_preview(actor=world.worker_a, batch_id=batch.pk)
        assert len(checked[0].errors) == 6
        assert any("性别" in e for e in checked[1].errors)

    def test_a_known_id_number_updates_only_after_confirmation(self, world, person_a):
        rows = [["张三丰", "男", person_a.id_number, "13911110000", "", "", "9栋", "独居"]]
        batch = roster.roster_upload(
            actor=world.worker_a, community_id=world.a.pk, file_name="r.xlsx", data=xlsx(rows)
        )
        assert batch.update_count == 1
        with pytest.raises(ValidationFailed):
            roster.roster_apply(actor=world.worker_a, batch_id=batch.pk, update_existing=False)
        person_a.refresh_from_db()
        assert person_a.address == "1栋1单元101"
        result = roster.roster_apply(actor=world.worker_a, batch_id=batch.pk, update_existing=True)
        assert result["updated"] == 1 and result["created"] == 0
        person_a.refresh_from_db()
        assert person_a.address == "9栋" and person_a.mobile == "13911110000"

    def test_the_same_id_twice_in_a_file_is_an_error(self, world):
        rows = good_rows()
        rows[1][2] = rows[0][2]
        rows[1][1] = "男"
        batch = roster.roster_upload(
            actor=world.worker_a, community_id=world.a.pk, file_name="r.xlsx", data=xlsx(rows)
        )
        assert batch.error_count == 1

    def test_a_file_that_is_not_excel_is_refused_clearly(self, world):
        with pytest.raises(ValidationFailed) as caught:
            roster.roster_upload(
                actor=world.worker_a, community_id=world.a.pk, file_name="r.xlsx", data=b"hello"
            )
        assert "xlsx" in caught.value.message
        with pytest.raises(ValidationFailed):
            roster.roster_upload(
                actor=world.worker_a,
                community_id=world.a.pk,
                file_name="r.xlsx",
                data=xlsx([["a"]], header=["名字"]),
            )
        assert ImportBatch.objects.count() == 0

    def test_another_community_cannot_see_or_apply_the_batch(self, world):
        batch = roster.roster_upload(
            actor=world.worker_a,
            community_id=world.a.pk,
            file_name="r.xlsx",
            data=xlsx(good_rows()),
        )
        with pytest.raises(NotFound):
            roster.roster_preview(actor=world.worker_b, batch_id=batch.pk)
        with pytest.raises(NotFound):
            roster.roster_apply(actor=world.worker_b, batch_id=batch.pk, update_existing=True)

    def test_the_sample_file_in_the_repository_imports(self, world):
        from linli.places.models import Compound, Grid

        Compound.objects.create(grid=world.grid_a, community=world.a, code="Y", name="玉林小区")
        grid = Grid.objects.create(community=world.a, code="G-S", name="第2网格")
        Compound.objects.create(grid=grid, community=world.a, code="F", name="芳华苑")
        batch = roster.roster_upload(
            actor=world.worker_a,
            community_id=world.a.pk,
            file_name="s.xlsx",
            data=SAMPLE.read_bytes(),
        )
        _batch, rows = roster.roster_preview(actor=world.worker_a, batch_id=batch.pk)
        assert [r.errors for r in rows] == [[] for _ in rows]


@pytest.mark.django_db
class TestImportPages:
    def test_upload_preview_confirm(self, world, client_for):
        client = client_for(world.worker_a)
        upload = SimpleUploadedFile("roster.xlsx", xlsx(good_rows()))
        response = client.post("/residents/import/", {"community": world.a.pk, "file": upload})
        assert response.status_code == 302
        preview = client.get(response["Location"])
        assert preview.status_code == 200 and "周大爷" in preview.content.decode()
        done = client.post(response["Location"], {"confirm": "1"})
        assert done.status_code == 302 and Person.objects.count() == 3

    def test_a_bad_file_shows_the_error_on_the_form(self, world, client_for):
        client = client_for(world.worker_a)
        upload = SimpleUploadedFile("roster.xlsx", b"not excel")
        response = client.post("/residents/import/", {"community": world.a.pk, "file": upload})
        assert response.status_code == 200 and response.context["form"].errors["file"]

    def test_discard_imports_nothing(self, world, client_for):
        client = client_for(world.worker_a)
        upload = SimpleUploadedFile("roster.xlsx", xlsx(good_rows()))
        location = client.post("/residents/import/", {"community": world.a.pk, "file": upload})[
            "Location"
        ]
        client.post(location, {"discard": "1"})
        assert Person.objects.count() == 0
        assert ImportBatch.objects.get().status == "discarded"
