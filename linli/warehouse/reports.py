"""Warehouse reports (报表): stock on hand by location and category with its value; inflows by
donor and month; outflows by beneficiary group (vulnerability tag) and month — each a table the
page shows and Excel exports. All scoped to the user's communities."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, DecimalField, F, Sum
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core.exports import SafeWorkbook
from linli.core.scoping import scope
from linli.people.models import ADVANCED_AGE_YEARS, Person, PersonTag, Tag
from linli.warehouse.models import (
    Category,
    Distribution,
    Donation,
    DonationLine,
    Sale,
    StockHolding,
)

MONTHS = range(1, 13)


def month_label(month: int) -> str:
    return _("Month %(n)s") % {"n": month}


@dataclass
class Table:
    """A report: columns from ``numbers_from`` on are numbers (summed in the total row);
    ``money`` holds the indexes of amounts in fen (shown and exported as yuan)."""

    title: str
    columns: list[str]
    numbers_from: int
    money: set[int]
    rows: list[list] = field(default_factory=list)

    def total_row(self) -> list:
        sums = [
            sum(row[i] or 0 for row in self.rows)
            for i in range(self.numbers_from, len(self.columns))
        ]
        return [_("Total"), *[""] * (self.numbers_from - 1), *sums]

    def cells(self, row: list) -> list[tuple[object, bool]]:
        """(value, is money) for a template."""
        return [(v, i in self.money) for i, v in enumerate(row)]


def stock_by_location_category(user, *, community_id: int | None = None) -> Table:
    """库存报表: per location and category, how many items and lots, and their value."""
    rows = (
        scope(
            StockHolding.objects.filter(account__balance__gt=0),
            user,
            Perm.WAREHOUSE_VIEW,
            field="location__community",
            community_id=community_id,
        )
        .values("location__community__name", "location__name", "lot__item__category")
        .annotate(
            items=Count("lot__item", distinct=True),
            lots=Count("lot", distinct=True),
            value=Sum(
                F("account__balance") * F("lot__item__fair_value_fen"),
                output_field=DecimalField(max_digits=30, decimal_places=6),
            ),
        )
        .order_by("location__community__name", "location__name", "lot__item__category")
    )
    labels = dict(Category.choices)
    table = Table(
        _("Stock on hand by location and category"),
        [_("Community"), _("Location"), _("Category"), _("Items"), _("Lots"), _("Value")],
        numbers_from=3,
        money={5},
    )
    for r in rows:
        table.rows.append(
            [
                r["location__community__name"],
                r["location__name"],
                str(labels.get(r["lot__item__category"], r["lot__item__category"])),
                r["items"],
                r["lots"],
                int(r["value"] or 0),
            ]
        )
    return table


def inflows_by_donor_month(user, *, year: int, community_id: int | None = None) -> Table:
    """捐赠入库: the value each donor gave, month by month in ``year``."""
    donations = scope(
        Donation.objects.filter(received_on__year=year),
        user,
        Perm.WAREHOUSE_VIEW,
        community_id=community_id,
    )
    rows = (
        DonationLine.objects.filter(donation__in=donations)
        .values("donation__donor_kind", "donation__donor_person__name", "donation__donor_name")
        .annotate(month=ExtractMonth("donation__received_on"), value=Sum("value_fen"))
        .order_by()
    )
    kinds = dict(Donation.DonorKind.choices)
    grid: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        kind = r["donation__donor_kind"]
        name = (
            str(_("Anonymous donor"))
            if kind == Donation.DonorKind.ANONYMOUS
            else r["donation__donor_person__name"] or r["donation__donor_name"]
        )
        grid[(name, str(kinds[kind]))][r["month"]] += int(r["value"] or 0)
    table = Table(
        _("Donations in by donor and month, %(year)s (value)") % {"year": year},
        [_("Donor"), _("Kind"), *[month_label(m) for m in MONTHS], _("Total")],
        numbers_from=2,
        money=set(range(2, 15)),
    )
    for (name, kind), months in sorted(grid.items(), key=lambda kv: -sum(kv[1].values())):
        values = [months.get(m, 0) for m in MONTHS]
        table.rows.append([name, kind, *values, sum(values)])
    return table


def _tags_on(person_ids: set[int]):
    """For each (person, day): the vulnerability tags the person carried that day (80+ too)."""
    periods = defaultdict(list)
    for p in PersonTag.objects.filter(person_id__in=person_ids).values(
        "person_id", "tag", "start_date", "end_date"
    ):
        periods[p["person_id"]].append(p)
    people = Person.objects.filter(pk__in=person_ids).only("birth_date").in_bulk()

    def tags(person_id: int, day: datetime.date) -> set[str]:
        found = {
            p["tag"]
            for p in periods[person_id]
            if p["start_date"] <= day and (p["end_date"] is None or p["end_date"] >= day)
        }
        person = people.get(person_id)
        if person is not None and (person.age(day) or 0) >= ADVANCED_AGE_YEARS:
            found.add(Tag.ADVANCED_AGE)
        return found

    return tags


def outflows_by_tag_month(user, *, year: int, community_id: int | None = None) -> Table:
    """发放与兑换: the value given out (handouts and supermarket sales) per beneficiary group and
    month in ``year``. A person with two tags counts in both groups; a household counts in the
    groups of its members; activities and emergencies are groups of their own."""
    distributions = list(
        scope(
            Distribution.objects.filter(distributed_on__year=year),
            user,
            Perm.WAREHOUSE_VIEW,
            community_id=community_id,
        ).values(
            "pk", "distributed_on", "recipient_kind", "person_id", "household_id", "total_value_fen"
        )
    )
    sales = list(
        scope(
            Sale.objects.filter(created_at__year=year),
            user,
            Perm.WAREHOUSE_VIEW,
            community_id=community_id,
        ).values("pk", "created_at", "person_id", "total_value_fen")
    )
    members = defaultdict(set)
    household_ids = {d["household_id"] for d in distributions if d["household_id"]}
    for pk, household_id in Person.objects.filter(household_id__in=household_ids).values_list(
        "pk", "household_id"
    ):
        members[household_id].add(pk)
    person_ids = {d["person_id"] for d in distributions if d["person_id"]} | {
        s["person_id"] for s in sales
    }
    person_ids |= {p for ids in members.values() for p in ids}
    tags_of = _tags_on(person_ids)
    labels = dict(Tag.choices)
    group_names = {
        **{k: str(v) for k, v in labels.items()},
        "activity": str(Distribution.RecipientKind.ACTIVITY.label),
        "emergency": str(Distribution.RecipientKind.EMERGENCY.label),
        "none": str(_("No vulnerability tag")),
    }
    value = defaultdict(lambda: defaultdict(int))
    times = defaultdict(int)

    def add(groups: set[str], month: int, fen: int) -> None:
        for group in groups or {"none"}:
            value[group][month] += fen
            times[group] += 1

    for d in distributions:
        day = d["distributed_on"]
        if d["recipient_kind"] in ("activity", "emergency"):
            groups = {d["recipient_kind"]}
        elif d["person_id"]:
            groups = tags_of(d["person_id"], day)
        else:
            groups = (
                set().union(*(tags_of(p, day) for p in members[d["household_id"]]))
                if members[d["household_id"]]
                else set()
            )
        add(groups, day.month, d["total_value_fen"])
    for s in sales:
        day = s["created_at"].date()
        add(tags_of(s["person_id"], day), day.month, s["total_value_fen"])
    table = Table(
        _("Goods given out by beneficiary group and month, %(year)s (value)") % {"year": year},
        [_("Beneficiary group"), _("Person-times"), *[month_label(m) for m in MONTHS], _("Total")],
        numbers_from=1,
        money=set(range(2, 15)),
    )
    order = [*labels, "activity", "emergency", "none"]
    for group in order:
        if group not in value:
            continue
        values = [value[group].get(m, 0) for m in MONTHS]
        table.rows.append([group_names[group], times[group], *values, sum(values)])
    return table


def report_for(user, kind: str, *, year: int, community_id: int | None = None) -> Table:
    """One of the three reports by name: ``stock``, ``inflows`` or ``outflows``."""
    if kind == "stock":
        return stock_by_location_category(user, community_id=community_id)
    if kind == "inflows":
        return inflows_by_donor_month(user, year=year, community_id=community_id)
    return outflows_by_tag_month(user, year=year, community_id=community_id)


def workbook_bytes(table: Table) -> bytes:
    """The table as an .xlsx file: title, header, rows and the total row; amounts in yuan."""
    book = SafeWorkbook()  # text that looks like a formula stays text
    sheet = book.create_sheet("report")
    sheet.append([table.title])
    sheet.append([f"{c} (¥)" if i in table.money else str(c) for i, c in enumerate(table.columns)])
    for row in [*table.rows, table.total_row()]:
        sheet.append(
            [
                round(v / 100, 2) if i in table.money and isinstance(v, int) else v
                for i, v in enumerate(row)
            ]
        )
    return book.to_bytes()
