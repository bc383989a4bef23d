"""Excel roster import (花名册导入): upload → every row checked and shown → confirm → written.

Reading is defensive: the upload's size, then the zip archive's members (sizes, compression ratio,
no XML entity declarations) are checked before openpyxl opens it; openpyxl reads it in read-only
mode (through defusedxml) and stops after a fixed number of rows and columns; any failure to parse
is a clear message, never a server error.

Applying writes ``LINLI_IMPORT_CHUNK_ROWS`` rows per transaction so that no transaction holds
SQLite's write lock for long; each row's result is recorded with its chunk, so an interrupted
import continues where it stopped and never writes a row twice (docs/roster-import.md, ADR 0013).
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import time
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, DomainError, ValidationFailed
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
from linli.people.models import CHILD_AGE_YEARS, ImportBatch, Person, PersonTag, Tag
from linli.places.models import Compound, Grid

logger = logging.getLogger(__name__)

COLUMNS = ["姓名", "性别", "身份证号", "手机号", "网格", "小区", "楼栋门牌", "标签"]
# Other names offices give the same columns (compared without spaces, after NFKC).
COLUMN_ALIASES = {
    "身份证号码": "身份证号",
    "公民身份号码": "身份证号",
    "身份证": "身份证号",
    "手机号码": "手机号",
    "手机": "手机号",
    "联系电话": "手机号",
    "所属网格": "网格",
    "所在小区": "小区",
    "小区名称": "小区",
    "楼栋门牌号": "楼栋门牌",
    "门牌号": "楼栋门牌",
    "人员类别": "标签",
}
SILENT_COLUMNS = {"序号", "编号"}  # row numbers: ignored without a word
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

# Bounds checked on the zip archive before any XML is parsed. A 5,000-row roster is about 0.3 MB
# compressed and 2.5 MB of sheet XML; these leave room for wide office rosters and nothing more.
MAX_MEMBERS = 500
MAX_SHEET_XML = 20 * 1024 * 1024
MAX_SHARED_STRINGS = 10 * 1024 * 1024
MAX_OTHER_PART = 10 * 1024 * 1024
MAX_TOTAL = 100 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for members over RATIO_FLOOR (real sheets: ~8)
RATIO_FLOOR = 1024 * 1024
PROLOG_BYTES = 64 * 1024
NOT_PARSED = ("xl/media/", "xl/embeddings/", "xl/printersettings/", "docprops/thumbnail")
# Reading: the header is looked for in the first rows; columns beyond MAX_COLUMNS are not read.
HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 100
# Applying on SQLite: the pause between chunks that lets other writers take the lock.
SQLITE_PAUSE = 0.1

_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$")
_TAG_SPLIT = re.compile(r"[、,，;；\s/]+")


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
    id_numeric: bool = False  # Excel stored the ID number as a number
    child: bool = False  # under 14: the guardian and their consent must be recorded
    result: str = ""  # once applied: created | updated | failed
    message: str = ""  # why it failed
    person_id: int | None = None
    id_hint: str = ""  # the masked ID number, kept when the full one is cleared

    @property
    def id_masked(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else self.id_hint

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    def tag_words(self) -> list[str]:
        return [w for w in _TAG_SPLIT.split(self.tags) if w]

    def tag_codes(self) -> list[str]:
        return [
            TAG_WORDS[w]
            for w in self.tag_words()
            if w in TAG_WORDS and TAG_WORDS[w] != Tag.ADVANCED_AGE
        ]


@dataclass
class Roster:
    rows: list[RosterRow]
    header_line: int
    ignored_columns: list[str]


# --- Reading -------------------------------------------------------------------------------------


def _unreadable() -> ValidationFailed:
    return ValidationFailed(
        _(
            "This file cannot be read as an Excel .xlsx workbook: it may be damaged, cut short "
            "or another kind of file. Open it in Excel or WPS, save it as .xlsx and upload it "
            "again."
        )
    )


def _refuse_part(name: str) -> ValidationFailed:
    return ValidationFailed(
        _(
            "This workbook is larger inside than a roster can be (the part “%(part)s” is too "
            "big or too highly compressed). Copy the roster's rows into a new workbook, save it "
            "and upload that."
        )
        % {"part": name[:80]}
    )


def _has_doctype(prolog: bytes) -> bool:
    """Whether an XML document's prolog (before its root element) declares a DTD or entities.

    Entities can only be declared inside a ``<!DOCTYPE``, which can only stand before the root
    element; so reading the prolog is enough. A prolog longer than ``PROLOG_BYTES`` counts as
    one."""
    if prolog.startswith(b"\xef\xbb\xbf"):  # UTF-8 byte order mark
        prolog = prolog[3:]
    if prolog.startswith((b"\xff\xfe", b"\xfe\xff")) or prolog[:4].count(b"\x00") >= 1:
        text = prolog.decode("utf-16", errors="replace")
    else:
        text = prolog.decode("latin-1")
    text = text.lstrip("\ufeff")
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if text.startswith("<?", position):
            end, closer = text.find("?>", position), 2
        elif text.startswith("<!--", position):
            end, closer = text.find("-->", position), 3
        elif text.startswith("<!", position):
            return True  # <!DOCTYPE or <!ENTITY
        else:  # a root element follows, or the part ends: too long a prolog counts as a DTD
            return position >= len(text) and len(prolog) >= PROLOG_BYTES
        if end < 0:
            return len(prolog) >= PROLOG_BYTES
        position = end + closer


def inspect_archive(data: bytes) -> None:
    """Refuse an upload that is not a zip archive of sane sizes, before any XML is parsed.

    ``zipfile`` never returns more than a member's declared size (a member that inflates beyond
    it fails its CRC check), so the sizes in the directory are a bound on what openpyxl reads."""
    check_upload_size(len(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable() from exc
    with archive:
        if len(members) > MAX_MEMBERS:
            raise _refuse_part("*")
        total = 0
        for info in members:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if (
                info.file_size > _part_limit(info.filename)
                or total > MAX_TOTAL
                or (info.file_size > RATIO_FLOOR and ratio > MAX_RATIO)
            ):
                raise _refuse_part(info.filename)
        for info in members:
            # openpyxl finds parts through the relationships, whatever their names: every part
            # but pictures and embedded files may be parsed as XML, so every one is checked.
            if info.is_dir() or info.filename.lower().startswith(NOT_PARSED):
                continue
            try:
                with archive.open(info) as member:
                    prolog = member.read(PROLOG_BYTES)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError,
                    NotImplementedError, RuntimeError) as exc:  # fmt: skip
                raise _unreadable() from exc
            if _has_doctype(prolog):
                raise ValidationFailed(
                    _(
                        "This workbook contains XML declarations (DOCTYPE/ENTITY) that Excel "
                        "never writes; it is refused. Save the roster again from Excel or WPS."
                    )
                )


def _part_limit(name: str) -> int:
    lower = name.lower()
    if lower.startswith(NOT_PARSED):
        return MAX_TOTAL
    if "sharedstrings" in lower:
        return MAX_SHARED_STRINGS
    if lower.startswith("xl/worksheets/"):
        return MAX_SHEET_XML
    return MAX_OTHER_PART


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB. Split the roster into smaller files.") % {
        "mb": f"{settings.LINLI_IMPORT_MAX_BYTES / (1024 * 1024):g}"
    }


def check_upload_size(size: int) -> None:
    """Refuse an upload over ``LINLI_IMPORT_MAX_BYTES``; call it before reading the file."""
    if size > settings.LINLI_IMPORT_MAX_BYTES:
        raise ValidationFailed(too_large_message())


def _text(value) -> str:
    """A cell as clean text: NFKC (full-width digits and letters → ASCII, U+3000 → space), no
    control characters, runs of spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        value = value.isoformat()
    text = unicodedata.normalize("NFKC", str(value))
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _name(value) -> str:
    """姓名: spaces between Chinese characters removed (张  三 → 张三), other runs collapsed."""
    return _CJK_GAP.sub("", _text(value))


def _header_key(value) -> str:
    key = _SPACES.sub("", _text(value)).strip("*＊:：")
    key = re.sub(r"[(（][^)）]*[)）]$", "", key)  # 身份证号（必填） → 身份证号
    return COLUMN_ALIASES.get(key, key)


def _match_header(values) -> tuple[dict[str, int], list[str]] | None:
    """Column positions when this row names at least 姓名 and 身份证号, and the columns ignored."""
    index: dict[str, int] = {}
    ignored: list[str] = []
    for position, value in enumerate(values):
        key = _header_key(value)
        if not key:
            continue
        if key in COLUMNS and key not in index:
            index[key] = position
        elif key not in SILENT_COLUMNS:
            ignored.append(_text(value)[:40])
    if "姓名" in index and "身份证号" in index:
        return index, ignored
    return None


def _too_many_rows(last_data_line: int) -> ValidationFailed:
    message = _(
        "The sheet has more than %(n)d rows under the header (empty rows count too). "
        "Split the roster into several files."
    ) % {"n": settings.LINLI_IMPORT_MAX_ROWS}
    if last_data_line:
        message += " " + _(
            "If the table really ends at line %(line)d, delete the empty rows below it and save."
        ) % {"line": last_data_line}
    return ValidationFailed(message)


def _read_sheet(data: bytes) -> Roster:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            raise ValidationFailed(_("The workbook has no sheet."))
        max_rows = settings.LINLI_IMPORT_MAX_ROWS
        lines = workbook.worksheets[0].iter_rows(
            min_row=1,
            max_row=HEADER_SEARCH_ROWS + max_rows + 1,
            max_col=MAX_COLUMNS,
            values_only=True,
        )
        header: tuple[dict[str, int], list[str]] | None = None
        header_line = 0
        last_data_line = 0
        rows: list[RosterRow] = []
        for line, values in enumerate(lines, start=1):
            if header is None:
                header = _match_header(values)
                if header is not None:
                    header_line = line
                elif line >= HEADER_SEARCH_ROWS:
                    break
                continue
            if line - header_line > max_rows:
                raise _too_many_rows(last_data_line)
            index = header[0]
            raw = {name: values[i] if i < len(values) else None for name, i in index.items()}
            cells = {name: _text(value) for name, value in raw.items()}
            if not any(cells.values()):
                continue
            last_data_line = line
            raw_id = raw.get("身份证号")
            id_text = normalise_id_number(cells.get("身份证号", ""))
            rows.append(
                RosterRow(
                    line=line,
                    name=_name(raw.get("姓名")),
                    gender=cells.get("性别", "").replace(" ", ""),
                    id_number=id_text,
                    mobile=normalise_mobile(cells.get("手机号", "")),
                    grid=cells.get("网格", ""),
                    compound=cells.get("小区", ""),
                    address=cells.get("楼栋门牌", ""),
                    tags=cells.get("标签", ""),
                    id_numeric=(isinstance(raw_id, int | float) and not isinstance(raw_id, bool))
                    or bool(_SCIENTIFIC.match(id_text)),
                )
            )
    finally:
        workbook.close()
    if header is None:
        raise ValidationFailed(
            _(
                "No header row found in the first %(n)d rows: one row must name the columns, "
                "at least 姓名 and 身份证号. Expected: %(all)s"
            )
            % {"n": HEADER_SEARCH_ROWS, "all": " ".join(COLUMNS)}
        )
    if not rows:
        raise ValidationFailed(_("The file has no rows under the header."))
    return Roster(rows=rows, header_line=header_line, ignored_columns=header[1])


def read_workbook(data: bytes) -> Roster:
    """The rows of the first sheet under its header row; refuses any file it cannot read safely."""
    inspect_archive(data)
    try:
        return _read_sheet(data)
    except DomainError:
        raise
    except Exception as exc:  # zip, XML (defusedxml), openpyxl and value errors of a broken file
        causes, cause = [], exc
        while cause is not None and len(causes) < 5:
            causes.append(f"{type(cause).__name__}: {cause}")
            cause = cause.__cause__ or cause.__context__
        logger.info("roster upload unreadable: %s", " ← ".join(causes))
        raise _unreadable() from exc


# --- Checking ------------------------------------------------------------------------------------


def _age_on(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def check_rows(community_id: int, rows: list[RosterRow]) -> list[RosterRow]:
    """Fill each row's errors, flags and action against the community as it is now."""
    grids = {g.name: g for g in Grid.objects.filter(community_id=community_id)}
    compounds = {(c.grid_id, c.name): c for c in Compound.objects.filter(community_id=community_id)}
    hashes = {keyed_hash(r.id_number): r for r in rows if r.id_number}
    existing = dict(
        Person.objects.filter(community_id=community_id, id_number_hash__in=hashes).values_list(
            "id_number_hash", "name"
        )
    )
    today = datetime.date.today()
    seen: dict[str, int] = {}
    for row in rows:
        row.errors = []
        row.child = False
        if not row.name:
            row.errors.append(_("姓名 is empty."))
        elif len(row.name) > 50:
            row.errors.append(_("姓名 has more than 50 characters."))
        if row.gender and row.gender not in GENDERS:
            row.errors.append(_("性别 must be 男 or 女."))
        id_problems = id_number_errors(row.id_number) if row.id_number else []
        if not row.id_number:
            row.errors.append(_("身份证号 is empty."))
        elif id_problems and row.id_numeric:
            row.errors.append(
                _(
                    "身份证号 was stored by Excel as a number and lost its last digits. Format the "
                    "身份证号 column as text (文本), type the numbers again, save and upload again."
                )
            )
        elif id_problems:
            row.errors.extend(id_problems)
        else:
            if row.gender in GENDERS and GENDERS[row.gender] != gender_from_id(row.id_number):
                row.errors.append(_("性别 does not match the ID number."))
            if row.id_number in seen:
                row.errors.append(
                    _("The same ID number is on line %(line)d.") % {"line": seen[row.id_number]}
                )
            seen.setdefault(row.id_number, row.line)
            age = _age_on(birth_date_from_id(row.id_number), today)
            row.child = age < CHILD_AGE_YEARS
            if "困难儿童" in row.tag_words() and age >= 18:
                row.errors.append(_("Only a child under 18 can be tagged 困难儿童."))
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
        unknown = [w for w in row.tag_words() if w not in TAG_WORDS]
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


def batch_rows(batch: ImportBatch) -> list[RosterRow]:
    return [RosterRow(**r) for r in json.loads(batch.rows or "[]")]


def _dump(rows: list[RosterRow]) -> str:
    return json.dumps([asdict(r) for r in rows], ensure_ascii=False)


# --- Services ------------------------------------------------------------------------------------


def roster_upload(*, actor, community_id: int, file_name: str, data: bytes) -> ImportBatch:
    """Step 1: read and check a roster; nothing is imported yet."""
    require(actor, Perm.REGISTRY_EDIT, community_id)
    roster = read_workbook(data)
    rows = check_rows(community_id, roster.rows)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            community_id=community_id,
            file_name=_CONTROL.sub("", file_name).strip()[:200] or "roster.xlsx",
            uploaded_by=actor,
            rows=_dump(rows),
            row_count=len(rows),
            error_count=sum(1 for r in rows if r.errors),
            update_count=sum(1 for r in rows if r.action == "update"),
            child_count=sum(1 for r in rows if r.child),
            header_line=roster.header_line,
            ignored_columns=roster.ignored_columns,
        )
        audit.record(actor, "import.preview", batch, rows=len(rows), errors=batch.error_count)
    return batch


def roster_get(*, actor, batch_id: int) -> ImportBatch:
    return get_in_scope(ImportBatch.objects.all(), actor, Perm.REGISTRY_EDIT, pk=batch_id)


def roster_preview(*, actor, batch_id: int) -> tuple[ImportBatch, list[RosterRow]]:
    """The batch and its rows, checked again against the community as it is now while waiting."""
    batch = roster_get(actor=actor, batch_id=batch_id)
    rows = batch_rows(batch)
    if batch.status == ImportBatch.Status.PREVIEW:
        rows = check_rows(batch.community_id, rows)
    return batch, rows


def _apply_row(actor, batch: ImportBatch, row: RosterRow, existing: dict[str, int]) -> int:
    """Write one row (in the caller's savepoint); the number of tags added."""
    compound_id = None
    if row.compound:
        compounds = Compound.objects.filter(community_id=batch.community_id, name=row.compound)
        if row.grid:
            compounds = compounds.filter(grid__name=row.grid)
        compound_id = compounds.values_list("pk", flat=True).first()
        if compound_id is None:
            raise ValidationFailed(
                _("小区 “%(name)s” no longer exists in this community.") % {"name": row.compound}
            )
    fields = {
        "name": row.name,
        "gender": GENDERS.get(row.gender) or gender_from_id(row.id_number),
        "id_number": row.id_number,
        "birth_date": birth_date_from_id(row.id_number),
        "compound_id": compound_id,
        "address": row.address,
    }
    if row.mobile:
        fields["mobile"] = row.mobile
    person_id = existing.get(keyed_hash(row.id_number))
    if person_id is not None:
        if not batch.update_existing:
            raise Conflict(_("This resident was registered meanwhile; the row was not imported."))
        person = services.person_update(actor=actor, person_id=person_id, **fields)
        row.result = "updated"
    else:
        person = services.person_create(actor=actor, community_id=batch.community_id, **fields)
        row.result = "created"
    row.person_id = person.pk
    open_tags = set(
        PersonTag.objects.filter(person=person, end_date__isnull=True).values_list("tag", flat=True)
    )
    tagged = 0
    for tag in row.tag_codes():
        if tag not in open_tags:
            services.person_tag_add(actor=actor, person_id=person.pk, tag=tag)
            tagged += 1
    return tagged


def _finish(actor, batch: ImportBatch, rows: list[RosterRow]) -> None:
    """Mark the batch imported; keep only the rows still needing the worker, numbers masked."""
    kept = []
    for row in rows:
        if row.result == "failed" or (row.child and row.person_id):
            row.id_hint = row.id_masked
            row.id_number = row.mobile = ""
            kept.append(row)
    batch.status = ImportBatch.Status.APPLIED
    batch.rows = _dump(kept)
    batch.apply_finished_at = timezone.now()
    batch.stopped_reason = ""
    batch.save()
    audit.record(
        actor,
        "import.apply",
        batch,
        created=batch.created_count,
        updated=batch.updated_count,
        tagged=batch.tagged_count,
        failed=batch.failed_count,
        chunks=batch.chunk_count,
    )


def _apply_chunk(actor, batch_id: int) -> bool:
    """Write the next chunk of rows in one transaction; True when nothing is left to write."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != ImportBatch.Status.APPLYING:
            return True
        rows = batch_rows(batch)
        pending = [r for r in rows if not r.result][: max(1, settings.LINLI_IMPORT_CHUNK_ROWS)]
        if not pending:
            _finish(actor, batch, rows)
            return True
        existing = dict(
            Person.objects.filter(
                community_id=batch.community_id,
                id_number_hash__in=[keyed_hash(r.id_number) for r in pending],
            ).values_list("id_number_hash", "pk")
        )
        for row in pending:
            try:
                with transaction.atomic():
                    batch.tagged_count += _apply_row(actor, batch, row, existing)
            except DomainError as exc:
                details = [m for messages in exc.fields.values() for m in messages]
                row.result, row.person_id = "failed", None
                row.message = " ".join([exc.message, *details])[:500]
                batch.failed_count += 1
            else:
                if row.result == "created":
                    batch.created_count += 1
                else:
                    batch.updated_count += 1
        batch.done_count += len(pending)
        batch.chunk_count += 1
        batch.stopped_reason = ""
        batch.rows = _dump(rows)
        batch.save()
    return False


def roster_apply(*, actor, batch_id: int, update_existing: bool) -> dict[str, int]:
    """Step 2: write the rows, ``LINLI_IMPORT_CHUNK_ROWS`` per transaction.

    Starting needs every row to be correct. A row that fails while it is written (the registry
    changed meanwhile) is recorded as failed with its reason and the others go on. If the apply
    is interrupted (a database error, a lost request), the written chunks stay with their
    results and calling this again continues with the rows not yet written."""
    batch = roster_get(actor=actor, batch_id=batch_id)
    require(actor, Perm.REGISTRY_EDIT, batch.community_id)
    if batch.status == ImportBatch.Status.PREVIEW:
        rows = check_rows(batch.community_id, batch_rows(batch))
        bad = [r for r in rows if r.errors]
        if bad:
            raise ValidationFailed(
                _(
                    "%(n)d rows have errors; nothing was imported. Correct the file and upload "
                    "it again."
                )
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
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != ImportBatch.Status.PREVIEW:
                raise Conflict(_("This roster is already being imported, or was discarded."))
            locked.status = ImportBatch.Status.APPLYING
            locked.update_existing = update_existing
            locked.apply_started_at = timezone.now()
            locked.save(update_fields=["status", "update_existing", "apply_started_at"])
    elif batch.status != ImportBatch.Status.APPLYING:
        raise Conflict(_("This roster has already been imported or discarded."))
    try:
        while not _apply_chunk(actor, batch.pk):
            if connection.vendor == "sqlite":
                # SQLite's busy handler polls a waiting writer at most every 100 ms and is not
                # fair: without a pause the next chunk would take the lock again at once.
                time.sleep(SQLITE_PAUSE)
    except DatabaseError as exc:
        logger.warning("roster import %s stopped: %s", batch.pk, exc)
        reason = _("The database was busy or failed (%(error)s).") % {"error": str(exc)[:200]}
        ImportBatch.objects.filter(pk=batch.pk).update(stopped_reason=reason[:300])
        batch.refresh_from_db()
        raise Conflict(
            _(
                "The import stopped after %(done)d of %(total)d rows; those rows are imported and "
                "nothing else was written. Press “Continue the import” to write the rest."
            )
            % {"done": batch.done_count, "total": batch.row_count}
        ) from exc
    batch.refresh_from_db()
    return {
        "created": batch.created_count,
        "updated": batch.updated_count,
        "tagged": batch.tagged_count,
        "failed": batch.failed_count,
    }


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
