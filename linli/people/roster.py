"""Excel roster export (花名册导出). The import lives in ``roster_import``."""

from __future__ import annotations

import datetime
import io

from linli.core import audit
from linli.core.exports import SafeWorkbook
from linli.people.models import Tag
from linli.people.roster_import import COLUMNS, GENDERS, TAG_LABELS


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
