"""Regenerate linli/static/linli/roster-sample.xlsx: five residents for the demo's 玉林北路社区."""

import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(born: datetime.date, seq: int) -> str:
    first17 = f"510107{born:%Y%m%d}{seq:03d}"
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]
    )


ROWS = [
    [
        "刘桂兰",
        "女",
        id_number(datetime.date(1939, 4, 12), 362),
        "13880001234",
        "第1网格",
        "玉林小区",
        "5栋1单元302",
        "独居、高龄",
    ],
    [
        "张建国",
        "男",
        id_number(datetime.date(1948, 9, 3), 215),
        "13980005678",
        "第1网格",
        "玉林小区",
        "5栋1单元302",
        "空巢",
    ],
    [
        "王秀珍",
        "女",
        id_number(datetime.date(1952, 1, 20), 128),
        "",
        "第2网格",
        "芳华苑",
        "2栋3单元101",
        "残疾、低保",
    ],
    [
        "陈小雨",
        "女",
        id_number(datetime.date(2016, 6, 8), 44),
        "",
        "第2网格",
        "芳华苑",
        "2栋3单元101",
        "困难儿童",
    ],
    [
        "赵德福",
        "男",
        id_number(datetime.date(1944, 11, 30), 391),
        "13550009876",
        "第2网格",
        "芳华苑",
        "7栋2单元502",
        "特困",
    ],
]

TITLE = "玉林北路社区居民花名册"

if __name__ == "__main__":
    # Like an office's roster: a merged title row above the column names (the import finds the
    # header in the first rows), ID and mobile columns formatted as text so Excel keeps every digit.
    book = Workbook()
    sheet = book.active
    sheet.title = "居民花名册"
    sheet.append([TITLE])
    sheet.merge_cells("A1:H1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["姓名", "性别", "身份证号", "手机号", "网格", "小区", "楼栋门牌", "标签"])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in ROWS:
        sheet.append(row)
    for column, width in zip("ABCDEFGH", [10, 6, 22, 14, 10, 12, 16, 16], strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        row[2].number_format = row[3].number_format = "@"
    target = (
        Path(__file__).resolve().parents[1] / "linli" / "static" / "linli" / "roster-sample.xlsx"
    )
    book.save(target)
    print(f"wrote {target}")
