"""Roster import over the API (花名册导入): upload → check → apply, the same services as the pages.

Rows come back with masked ID and mobile numbers only."""

from __future__ import annotations

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from linli.core.api import API_AUTH, ErrorOut, RecordId
from linli.people import roster_import

router = Router(tags=["roster import"], auth=API_AUTH)


class ImportRowOut(Schema):
    line: int
    name: str
    gender: str
    id_masked: str
    mobile_masked: str
    grid: str
    compound: str
    address: str
    tags: str
    errors: list[str]
    action: str = Field(description="create | update, as checked now")
    child: bool = Field(description="under 14: record the guardian and their consent")
    result: str = Field(description="once applied: created | updated | failed")
    message: str
    person_id: int | None


class ImportBatchOut(Schema):
    id: int
    community_id: int
    file_name: str
    status: str = Field(description="preview | applying | applied | discarded")
    header_line: int
    ignored_columns: list[str]
    row_count: int
    error_count: int
    update_count: int
    child_count: int
    done_count: int
    created_count: int
    updated_count: int
    tagged_count: int
    failed_count: int
    chunk_count: int
    stopped_reason: str
    rows: list[ImportRowOut]


class ApplyIn(Schema):
    update_existing: bool = False


def _preview(request, batch_id: int) -> dict:
    batch, rows = roster_import.roster_preview(actor=request.user, batch_id=batch_id)
    data = {f: getattr(batch, f) for f in ImportBatchOut.model_fields if f != "rows"}
    data["rows"] = [{f: getattr(r, f) for f in ImportRowOut.model_fields} for r in rows]
    return data


@router.post(
    "/roster-imports",
    response={201: ImportBatchOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def import_upload(request, community_id: Form[RecordId], file: File[UploadedFile]):
    """Upload an .xlsx roster; every row is checked and returned, nothing is imported yet."""
    roster_import.check_upload_size(file.size)
    batch = roster_import.roster_upload(
        actor=request.user, community_id=community_id, file_name=file.name or "", data=file.read()
    )
    return Status(201, _preview(request, batch.pk))


@router.get("/roster-imports/{batch_id}", response={200: ImportBatchOut, 404: ErrorOut})
def import_get(request, batch_id: RecordId):
    """A batch with its rows, checked again while waiting; progress and outcome once applied."""
    return _preview(request, batch_id)


@router.post(
    "/roster-imports/{batch_id}/apply",
    response={200: ImportBatchOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def import_apply(request, batch_id: RecordId, payload: ApplyIn):
    """Write the rows in chunks; calling it again after an interruption continues."""
    roster_import.roster_apply(
        actor=request.user, batch_id=batch_id, update_existing=payload.update_existing
    )
    return _preview(request, batch_id)


@router.post(
    "/roster-imports/{batch_id}/discard",
    response={200: ImportBatchOut, 404: ErrorOut, 409: ErrorOut},
)
def import_discard(request, batch_id: RecordId):
    roster_import.roster_discard(actor=request.user, batch_id=batch_id)
    return _preview(request, batch_id)
