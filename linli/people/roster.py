"""Excel roster import (花名册导入) and export.

Upload → every row checked and shown with its errors → confirm. All or nothing: a file with any
bad row imports nothing. A row whose ID number is already registered in the community updates
that resident, but only when the worker confirms the updates. The uploaded rows are kept
encrypted in ``ImportBatch`` between the two steps (no local files), and cleared afterwards.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, ValidationFailed
from linli.core.exports import SafeWorkbook
from linli.core.privacy import (
    birth_date_from_id,
    gender_from_id,
    id_number_errors,
    keyed_hash,
    mask_id_number,
    mask_mobile,
    mobile_errors,
    normalise_id_number,
    normalise_mobile,
)
from linli.core.scoping import get_in_scope, require
from linli.people import services
from linli.people.models import ImportBatch, Person, PersonTag, Tag
from linli.places.models import Compound, Grid

COLUMNS = ["姓名", "性别", "身份证号", "手机号", "网格", "小区", "楼栋门牌", "标签"]
GENDERS = {"男": "male", "女": "female"}
TAG_WORDS = {
    "高龄": Tag.ADVANCED_AGE,
    "独居": Tag.LIVES_ALONE,
    "空巢": Tag.EMPTY_NEST,
    "残疾": Tag.DISABLED,
    "低保": Tag.LOW_INCOME,
    "特困": Tag.EXTREME_POVERTY,
    "困难儿童": Tag.CHILD_IN_DIFFICULTY,
    "应急救助": Tag.EMERGENCY_RELIEF,
}
TAG_LABELS = {v: k for k, v in TAG_WORDS.items()}


@dataclass
class RosterRow:
    line: int
    name: str
    gender: str
    id_number: str
    mobile: str
    grid: str
    compound: str
    address: str
    tags: str
    errors: list[str] = field(default_factory=list)
    action: str = "create"  # create | update
    existing_name: str = ""

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    def tag_codes(self) -> list[str]:
        words = [w for w in re.split(r"[、,，;；\s/]+", self.tags) if w]
        return [TAG_WORDS[w] for w in words if w in TAG_WORDS and TAG_WORDS[w] != Tag.ADVANCED_AGE]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def read_workbook(data: bytes) -> list[RosterRow]:
    """Rows of the first sheet, matched by header names (order and extra columns do not matter)."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError, TypeError) as exc:
        raise ValidationFailed(_("This is not an Excel .xlsx file.")) from exc
    except Exception as exc:  # zip and XML parsers raise many kinds for a broken upload
        raise ValidationFailed(_("This is not an Excel .xlsx file.")) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(v) for v in next(rows, [])]
    missing = [c for c in ("姓名", "身份证号") if c not in header]
    if missing:
        raise ValidationFailed(
            _("The first row must name the columns; missing: %(cols)s. Expected: %(all)s")
            % {"cols": "、".join(missing), "all": " ".join(COLUMNS)}
        )
    index = {name: header.index(name) for name in COLUMNS if name in header}
    result = []
    for line, values in enumerate(rows, start=2):
        values = list(values)
        cells = {name: _cell(values[i]) if i < len(values) else "" for name, i in index.items()}
        if not any(cells.values()):
            continue
        if len(result) >= settings.LINLI_IMPORT_MAX_ROWS:
            raise ValidationFailed(
                _("A roster can hold at most %(n)d rows; please split the file.")
                % {"n": settings.LINLI_IMPORT_MAX_ROWS}
            )
        result.append(
            RosterRow(
                line=line,
                name=cells.get("姓名", ""),
                gender=cells.get("性别", ""),
                id_number=normalise_id_number(cells.get("身份证号", "")),
                mobile=normalise_mobile(cells.get("手机号", "")),
                grid=cells.get("网格", ""),
                compound=cells.get("小区", ""),
                address=cells.get("楼栋门牌", ""),
                tags=cells.get("标签", ""),
            )
        )
    workbook.close()
    if not result:
        raise ValidationFailed(_("The file has no rows under the header."))
    return result


def check_rows(community_id: int, rows: list[RosterRow]) -> list[RosterRow]:
    """Fill each row's errors and action against the community as it is now."""
    grids = {g.name: g for g in Grid.objects.filter(community_id=community_id)}
    compounds = {(c.grid_id, c.name): c for c in Compound.objects.filter(community_id=community_id)}
    hashes = {keyed_hash(r.id_number): r for r in rows if r.id_number}
    existing = dict(
        Person.objects.filter(community_id=community_id, id_number_hash__in=hashes).values_list(
            "id_number_hash", "name"
        )
    )
    seen: dict[str, int] = {}
    for row in rows:
        row.errors = []
        if not row.name:
            row.errors.append(_("姓名 is empty."))
        elif len(row.name) > 50:
            row.errors.append(_("姓名 has more than 50 characters."))
        if row.gender and row.gender not in GENDERS:
            row.errors.append(_("性别 must be 男 or 女."))
        if not row.id_number:
            row.errors.append(_("身份证号 is empty."))
        else:
            row.errors.extend(id_number_errors(row.id_number))
            if not id_number_errors(row.id_number):
                if row.gender in GENDERS and GENDERS[row.gender] != gender_from_id(row.id_number):
                    row.errors.append(_("性别 does not match the ID number."))
                if row.id_number in seen:
                    row.errors.append(
                        _("The same ID number is on line %(line)d.") % {"line": seen[row.id_number]}
                    )
                seen.setdefault(row.id_number, row.line)
        if row.mobile:
            row.errors.extend(mobile_errors(row.mobile))
        grid = grids.get(row.grid) if row.grid else None
        if row.grid and grid is None:
            row.errors.append(
                _("网格 “%(name)s” is not a grid of this community.") % {"name": row.grid}
            )
        if row.compound:
            matches = [c for (gid, name), c in compounds.items() if name == row.compound]
            if grid is not None:
                matches = [c for c in matches if c.grid_id == grid.pk]
            if not matches:
                row.errors.append(
                    _("小区 “%(name)s” is not a compound of this community or grid.")
                    % {"name": row.compound}
                )
        if len(row.address) > 100:
            row.errors.append(_("楼栋门牌 has more than 100 characters."))
        unknown = [w for w in re.split(r"[、,，;；\s/]+", row.tags) if w and w not in TAG_WORDS]
        if unknown:
            row.errors.append(
                _("Unknown 标签: %(words)s. Use: %(known)s")
                % {"words": "、".join(unknown), "known": "、".join(TAG_WORDS)}
            )
        if row.id_number and keyed_hash(row.id_number) in existing:
            row.action = "update"
            row.existing_name = existing[keyed_hash(row.id_number)]
        else:
            row.action = "create"
            row.existing_name = ""
    return rows


def _compound_id(community_id: int, row: RosterRow) -> int | None:
    if not row.compound:
        return None
    qs = Compound.objects.filter(community_id=community_id, name=row.compound)
    if row.grid:
        qs = qs.filter(grid__name=row.grid)
    return qs.values_list("pk", flat=True).first()


def batch_rows(batch: ImportBatch) -> list[RosterRow]:
    return [RosterRow(**r) for r in json.loads(batch.rows or "[]")]


@transaction.atomic
def roster_upload(*, actor, community_id: int, file_name: str, data: bytes) -> ImportBatch:
    """Step 1: read and check a roster; nothing is imported yet."""
    require(actor, Perm.REGISTRY_EDIT, community_id)
    rows = check_rows(community_id, read_workbook(data))
    batch = ImportBatch.objects.create(
        community_id=community_id,
        file_name=file_name[:200],
        uploaded_by=actor,
        rows=json.dumps([asdict(r) for r in rows], ensure_ascii=False),
        row_count=len(rows),
        error_count=sum(1 for r in rows if r.errors),
        update_count=sum(1 for r in rows if r.action == "update"),
    )
    audit.record(actor, "import.preview", batch, rows=len(rows), errors=batch.error_count)
    return batch


def roster_preview(*, actor, batch_id: int) -> tuple[ImportBatch, list[RosterRow]]:
    """The batch and its rows checked again against the community as it is now."""
    batch = get_in_scope(ImportBatch.objects.all(), actor, Perm.REGISTRY_EDIT, pk=batch_id)
    rows = batch_rows(batch)
    if batch.status == ImportBatch.Status.PREVIEW:
        rows = check_rows(batch.community_id, rows)
    return batch, rows


@transaction.atomic
def roster_apply(*, actor, batch_id: int, update_existing: bool) -> dict[str, int]:
    """Step 2: import every row in one transaction, or nothing."""
    batch = get_in_scope(
        ImportBatch.objects.select_for_update(), actor, Perm.REGISTRY_EDIT, pk=batch_id
    )
    if batch.status != ImportBatch.Status.PREVIEW:
        raise Conflict(_("This roster has already been imported or discarded."))
    rows = check_rows(batch.community_id, batch_rows(batch))
    bad = [r for r in rows if r.errors]
    if bad:
        raise ValidationFailed(
            _("%(n)d rows have errors; nothing was imported. Correct the file and upload it again.")
            % {"n": len(bad)}
        )
    updates = [r for r in rows if r.action == "update"]
    if updates and not update_existing:
        raise ValidationFailed(
            _(
                "%(n)d rows match residents already registered. Tick the box to update them, "
                "or remove those rows."
            )
            % {"n": len(updates)}
        )
    created = updated = tagged = 0
    today = datetime.date.today()
    for row in rows:
        fields = {
            "name": row.name,
            "gender": GENDERS.get(row.gender) or gender_from_id(row.id_number),
            "id_number": row.id_number,
            "birth_date": birth_date_from_id(row.id_number),
            "compound_id": _compound_id(batch.community_id, row),
            "address": row.address,
        }
        if row.mobile:
            fields["mobile"] = row.mobile
        if row.action == "update":
            person = Person.objects.get(
                community_id=batch.community_id, id_number_hash=keyed_hash(row.id_number)
            )
            services.person_update(actor=actor, person_id=person.pk, **fields)
            updated += 1
        else:
            person = services.person_create(actor=actor, community_id=batch.community_id, **fields)
            created += 1
        open_tags = set(
            PersonTag.objects.filter(person=person, end_date__isnull=True).values_list(
                "tag", flat=True
            )
        )
        for tag in row.tag_codes():
            if tag in open_tags:
                continue
            if tag == Tag.CHILD_IN_DIFFICULTY and (person.age(today) or 99) >= 18:
                raise ValidationFailed(
                    _("Line %(line)d: only a child under 18 can be tagged 困难儿童.")
                    % {"line": row.line}
                )
            services.person_tag_add(actor=actor, person_id=person.pk, tag=tag, start_date=today)
            tagged += 1
    batch.status = ImportBatch.Status.APPLIED
    batch.rows = ""
    batch.save(update_fields=["status", "rows"])
    result = {"created": created, "updated": updated, "tagged": tagged}
    audit.record(actor, "import.apply", batch, **result)
    return result


@transaction.atomic
def roster_discard(*, actor, batch_id: int) -> None:
    batch = get_in_scope(
        ImportBatch.objects.select_for_update(), actor, Perm.REGISTRY_EDIT, pk=batch_id
    )
    if batch.status != ImportBatch.Status.PREVIEW:
        raise Conflict(_("This roster has already been imported or discarded."))
    batch.status = ImportBatch.Status.DISCARDED
    batch.rows = ""
    batch.save(update_fields=["status", "rows"])
    audit.record(actor, "import.discard", batch)


def roster_export(*, actor, people) -> bytes:
    """The filtered list as .xlsx, with masked ID and mobile numbers. Audited."""
    workbook = SafeWorkbook()  # text that looks like a formula stays text
    sheet = workbook.create_sheet("居民")
    sheet.append(["姓名", "性别", "出生日期", "年龄", *COLUMNS[2:]])
    gender_words = {v: k for k, v in GENDERS.items()}
    per_community: dict[int, int] = {}
    today = datetime.date.today()
    for person in people:
        tags = [TAG_LABELS[Tag.ADVANCED_AGE]] if person.is_advanced_age else []
        tags += [TAG_LABELS[t.tag] for t in getattr(person, "current_tags", [])]
        sheet.append(
            [
                person.name,
                gender_words.get(person.gender, ""),
                person.birth_date.isoformat() if person.birth_date else "",
                person.age(today),
                person.id_number_masked,
                person.mobile_masked,
                person.compound.grid.name if person.compound_id else "",
                person.compound.name if person.compound_id else "",
                person.address,
                "、".join(tags),
            ]
        )
        per_community[person.community_id] = per_community.get(person.community_id, 0) + 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    for community_id, rows in per_community.items():
        audit.record(actor, "person.export", None, community_id=community_id, rows=rows)
    return buffer.getvalue()
