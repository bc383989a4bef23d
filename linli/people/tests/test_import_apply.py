"""Applying a roster: written in chunks (short transactions), each row's result recorded, a row
that fails recorded and skipped, an interrupted import continued without writing a row twice;
through the pages and the API, and never across communities."""

import json
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from linli.conftest import make_id_number, years_ago
from linli.core.errors import Conflict
from linli.people import roster_import, services
from linli.people.models import ImportBatch, Person, PersonTag
from linli.people.tests.xlsx_files import xlsx

NAMES = ["赵一", "钱二", "孙三", "李四", "周五"]


def rows(names=NAMES):
    return [
        ["" + name, "男", make_id_number(years_ago(60 + n)), "", "第1网格", "甲小区", "1栋", "独居"]
        for n, name in enumerate(names)
    ]


def upload(world, data=None):
    return roster_import.roster_upload(
        actor=world.worker_a, community_id=world.a.pk, file_name="r.xlsx", data=data or xlsx(rows())
    )


@pytest.fixture
def chunks_of_two(settings):
    settings.LINLI_IMPORT_CHUNK_ROWS = 2


def fail_on(monkeypatch, name: str, error: Exception, times: int = 1):
    """Make the registry refuse (or the database fail on) the row of ``name``."""
    real = services.person_create
    left = [times]

    def create(**fields):
        if fields.get("name") == name and left[0]:
            left[0] -= 1
            raise error
        return real(**fields)

    monkeypatch.setattr(services, "person_create", create)


@pytest.mark.django_db(transaction=True)
def test_each_transaction_writes_at_most_one_chunk_of_rows(world, chunks_of_two, monkeypatch):
    batch = upload(world)
    inserts, per_commit = [0], []

    def count(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "people_person"'):
            inserts[0] += 1
        return execute(sql, params, many, context)

    real_commit = connection.commit

    def commit():
        per_commit.append(inserts[0])
        inserts[0] = 0
        return real_commit()

    monkeypatch.setattr(connection, "commit", commit)
    with connection.execute_wrapper(count):
        result = roster_import.roster_apply(
            actor=world.worker_a, batch_id=batch.pk, update_existing=False
        )
    assert result["created"] == 5 and Person.objects.count() == 5
    writing = [n for n in per_commit if n]
    assert writing == [2, 2, 1]  # three transactions, none holding more than a chunk
    batch.refresh_from_db()
    assert batch.chunk_count == math.ceil(5 / 2) and batch.status == "applied"


@pytest.mark.django_db
@pytest.mark.usefixtures("english", "chunks_of_two")
class TestChunkedApply:
    def test_rows_are_written_in_chunks_with_their_results(self, world):
        batch = upload(world)
        roster_import.roster_apply(actor=world.worker_a, batch_id=batch.pk, update_existing=False)
        batch.refresh_from_db()
        assert (batch.chunk_count, batch.done_count, batch.created_count) == (3, 5, 5)
        assert PersonTag.objects.filter(tag="lives_alone").count() == 5

    def test_a_row_refused_mid_way_is_recorded_and_the_others_written(
        self, world, client_for, monkeypatch
    ):
        batch = upload(world)
        fail_on(monkeypatch, "孙三", Conflict("A resident with this ID number is already here."))
        client = client_for(world.worker_a)
        done = client.post(f"/residents/import/{batch.pk}/", {"confirm": "1"})
        assert done.status_code == 302
        batch.refresh_from_db()
        assert batch.status == "applied"
        assert (batch.created_count, batch.failed_count, batch.done_count) == (4, 1, 5)
        assert sorted(Person.objects.values_list("name", flat=True)) == sorted(
            n for n in NAMES if n != "孙三"
        )
        assert not PersonTag.objects.filter(person__name="孙三").exists()  # nothing half-written
        [failed] = roster_import.batch_rows(batch)
        assert (failed.name, failed.result, failed.id_number) == ("孙三", "failed", "")
        page = client.get(done["Location"]).content.decode()
        assert "failed-rows" in page and "already here" in page and failed.id_hint in page

    def test_an_interrupted_import_stops_cleanly_and_continues_without_repeating_rows(
        self, world, client_for, monkeypatch
    ):
        batch = upload(world)
        fail_on(monkeypatch, "李四", DatabaseError("database is locked"))
        with pytest.raises(Conflict, match="stopped after 2 of 5 rows"):
            roster_import.roster_apply(
                actor=world.worker_a, batch_id=batch.pk, update_existing=False
            )
        batch.refresh_from_db()
        assert batch.status == "applying" and batch.done_count == 2 and batch.stopped_reason
        assert sorted(Person.objects.values_list("name", flat=True)) == ["赵一", "钱二"]
        client = client_for(world.worker_a)
        page = client.get(f"/residents/import/{batch.pk}/")
        assert "Continue the import" in page.content.decode()
        partial = client.get(f"/residents/import/{batch.pk}/", headers={"HX-Request": "true"})
        assert b"2 of 5 rows written" in partial.content and b"<html" not in partial.content
        with pytest.raises(Conflict):
            roster_import.roster_discard(actor=world.worker_a, batch_id=batch.pk)
        client.post(f"/residents/import/{batch.pk}/", {"confirm": "1"})  # continue
        batch.refresh_from_db()
        assert batch.status == "applied" and batch.created_count == 5
        assert Person.objects.count() == 5 and PersonTag.objects.count() == 5

    def test_an_applied_roster_cannot_be_applied_again(self, world):
        batch = upload(world)
        roster_import.roster_apply(actor=world.worker_a, batch_id=batch.pk, update_existing=False)
        with pytest.raises(Conflict):
            roster_import.roster_apply(
                actor=world.worker_a, batch_id=batch.pk, update_existing=False
            )
        assert Person.objects.count() == 5

    def test_a_resident_registered_before_the_confirmation_needs_the_update_box(self, world):
        batch = upload(world)
        last = roster_import.batch_rows(batch)[4]
        world.person(name="别人", id_number=last.id_number, birth_date=years_ago(64))
        with pytest.raises(roster_import.ValidationFailed, match="Tick the box"):
            roster_import.roster_apply(
                actor=world.worker_a, batch_id=batch.pk, update_existing=False
            )
        assert Person.objects.count() == 1

    def test_a_resident_registered_while_the_import_runs_is_not_overwritten(
        self, world, monkeypatch
    ):
        batch = upload(world)
        last = roster_import.batch_rows(batch)[4]
        real = services.person_create

        def create(**fields):  # another worker registers 周五 while chunk 2 is written
            if fields["name"] == "李四" and not Person.objects.filter(name="别人").exists():
                real(actor=world.station_a, community_id=world.a.pk, name="别人", gender="male",
                     id_number=last.id_number)  # fmt: skip
            return real(**fields)

        monkeypatch.setattr(services, "person_create", create)
        result = roster_import.roster_apply(
            actor=world.worker_a, batch_id=batch.pk, update_existing=False
        )
        assert result == {"created": 4, "updated": 0, "tagged": 4, "failed": 1}
        assert Person.objects.get(id_number_hash=Person.objects.get(name="别人").id_number_hash)
        [failed] = roster_import.batch_rows(ImportBatch.objects.get(pk=batch.pk))
        assert failed.name == "周五" and "meanwhile" in failed.message


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
class TestImportApiAndScope:
    def test_upload_check_and_apply_through_the_api(self, world, api_for):
        api = api_for(world.worker_a)
        response = api.post(
            "/api/v1/roster-imports",
            {"community_id": world.a.pk, "file": SimpleUploadedFile("r.xlsx", xlsx(rows()))},
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "preview" and body["row_count"] == 5
        assert all("*" in r["id_masked"] for r in body["rows"])
        assert "id_number" not in json.dumps(body)
        applied = api.post(
            f"/api/v1/roster-imports/{body['id']}/apply",
            json.dumps({"update_existing": False}),
            content_type="application/json",
        )
        assert applied.status_code == 200, applied.content
        assert applied.json()["status"] == "applied" and applied.json()["created_count"] == 5

    def test_another_community_gets_404_everywhere(self, world, client_for, api_for):
        batch = upload(world)
        page = client_for(world.worker_b)
        assert page.get(f"/residents/import/{batch.pk}/").status_code == 404
        assert page.post(f"/residents/import/{batch.pk}/", {"confirm": "1"}).status_code == 404
        api = api_for(world.worker_b)
        assert api.get(f"/api/v1/roster-imports/{batch.pk}").status_code == 404
        for action in ("apply", "discard"):
            response = api.post(
                f"/api/v1/roster-imports/{batch.pk}/{action}", "{}", content_type="application/json"
            )
            assert response.status_code == 404
        assert Person.objects.count() == 0
        assert ImportBatch.objects.get().status == "preview"

    def test_a_volunteer_cannot_upload_a_roster(self, world, api_for):
        response = api_for(world.volunteer_a).post(
            "/api/v1/roster-imports",
            {"community_id": world.a.pk, "file": SimpleUploadedFile("r.xlsx", xlsx(rows()))},
        )
        assert response.status_code == 403
        assert ImportBatch.objects.count() == 0
