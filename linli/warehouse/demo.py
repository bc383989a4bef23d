"""Demo love warehouse, charity supermarket and sharing (called by ``manage.py seed_demo`` after
the points demo), all through the real services: a catalogue of realistic goods, locations and
levels, five months of donations from 20+ partner businesses and residents, handouts to people
in need and for emergencies, transfers to the supermarket shelf and the reserve, medicine checked
by the pharmacist, a stock count, write-offs of expired lots, relief quotas, sales at the till,
pledges and tool loans."""

from __future__ import annotations

import contextlib
import datetime
import random
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from linli.accounts.models import Membership, User
from linli.accounts.roles import Role
from linli.core.errors import DomainError
from linli.people.models import Household, Person
from linli.people.selectors import in_need_q
from linli.places.models import Community
from linli.points.selectors import points_balances
from linli.warehouse.models import Item, Location, Lot, StockHolding
from linli.warehouse.services import catalogue, counts, inbound, outbound, till, tools
from linli.warehouse.services.outbound import OutLine

# name, category, unit, fair value (fen), shelf life in days (None: not tracked), points price
CATALOGUE = [
    ("东北大米 5kg", "grain_oil", "袋", 3500, 365, 20),
    ("金龙鱼菜籽油 5L", "grain_oil", "桶", 6900, 540, 35),
    ("挂面 1kg", "food", "把", 800, 300, 5),
    ("纯牛奶 250ml×12", "food", "箱", 4800, 120, 25),
    ("鸡蛋 30枚", "food", "盒", 2400, 30, 12),
    ("八宝粥 12罐", "food", "箱", 3600, 360, 18),
    ("方便面 5连包", "food", "包", 1200, 180, 6),
    ("洗衣液 2kg", "daily", "瓶", 2990, None, 15),
    ("卫生纸 10卷", "daily", "提", 2500, None, 12),
    ("牙膏牙刷套装", "daily", "套", 1500, None, 8),
    ("成人纸尿裤 L码", "daily", "包", 6800, None, 30),
    ("婴儿纸尿裤 M码", "daily", "包", 7900, None, 35),
    ("冬季棉衣", "clothing", "件", 15000, None, None),
    ("棉被", "clothing", "床", 18000, None, None),
    ("保暖内衣", "clothing", "套", 6000, None, 30),
    ("电子血压计", "other", "台", 16900, None, None),
    ("老花镜", "other", "副", 3000, None, 10),
    ("硝苯地平缓释片", "medicine", "盒", 2800, None, None),
    ("感冒灵颗粒", "medicine", "盒", 1800, None, None),
    ("创可贴", "medicine", "盒", 900, None, None),
    ("电钻", "tools", "把", 32000, None, None),
    ("人字梯", "tools", "架", 26000, None, None),
    ("疏通器", "tools", "个", 8000, None, None),
]
BUSINESSES = [
    "红旗连锁玉林店",
    "舞东风超市",
    "伊藤洋华堂",
    "联华超市",
    "永辉超市",
    "中百仓储",
    "玉林菜市场商户",
    "张记粮油店",
    "川味面馆",
    "邻里理发店",
    "顺达洗车行",
    "洁雅干洗",
    "老百姓大药房",
    "一心堂药店",
    "华西社区医院",
    "成都银行玉林支行",
    "中国移动营业厅",
    "玉林中学家委会",
    "爱心企业家协会",
    "蓝天救援队",
    "社区书画协会",
    "居民自治议事会",
]
ORGANISATIONS = ["成都市慈善总会", "武侯区红十字会", "玉林街道商会"]
PLEDGES = [
    ("business", "邻里理发店", "每月为高龄老人免费理发一次", 8),
    ("business", "华西社区医院", "每季度上门免费体检", 12),
    ("business", "张记粮油店", "每周代收捐赠粮油", None),
    ("organisation", "蓝天救援队", "应急救援与防汛演练", 16),
    ("business", "顺达洗车行", "水电维修志愿服务", 4),
]


def _actors(community):
    station = Membership.objects.filter(community=community, role=Role.STATION_ADMIN).first().user
    worker = Membership.objects.filter(community=community, role=Role.SOCIAL_WORKER).first() or None
    return station, worker.user if worker else station


def load(rng: random.Random) -> None:
    communities = list(Community.objects.filter(code__startswith="510107009").order_by("code"))
    for index, community in enumerate(communities):
        station, worker = _actors(community)
        places = _locations(station, community)
        items = _catalogue(station, community)
        _levels(station, places, items)
        _history(rng, station, worker, community, places, items, rich=index == 0)
        _pledges(rng, station, community)
    _pharmacist_checks()


def _locations(actor, community) -> dict[str, Location]:
    make = catalogue.location_create
    store = make(
        actor=actor,
        community_id=community.pk,
        name="爱心义仓",
        kind="warehouse",
        address=f"{community.name}党群服务中心一楼",
    )
    return {
        "store": store,
        "shelf": make(
            actor=actor, community_id=community.pk, name="慈善超市货架", kind="supermarket"
        ),
        "reserve": make(
            actor=actor,
            community_id=community.pk,
            name="应急储备库",
            kind="reserve",
            parent_id=store.pk,
        ),
        "dropoff": make(
            actor=actor, community_id=community.pk, name="张记粮油店代收点", kind="dropoff"
        ),
        "tools": make(
            actor=actor, community_id=community.pk, name="共享工具间", kind="tool_library"
        ),
    }


def _catalogue(actor, community) -> dict[str, Item]:
    items = {}
    for n, (name, category, unit, value, life, price) in enumerate(CATALOGUE):
        items[name] = catalogue.item_create(
            actor=actor,
            community_id=community.pk,
            name=name,
            category=category,
            unit=unit,
            fair_value_fen=value,
            tracks_expiry=life is not None or category == "medicine",
            barcode=f"69{community.pk:02d}{n:09d}"[:13] if price else "",
            lendable=category == "tools",
            loan_days=7,
            points_price=price,
        )
    return items


def _levels(actor, places, items) -> None:
    for name, minimum in (("东北大米 5kg", 10), ("金龙鱼菜籽油 5L", 6), ("纯牛奶 250ml×12", 4)):
        catalogue.stock_level_set(
            actor=actor,
            location_id=places["shelf"].pk,
            item_id=items[name].pk,
            minimum=Decimal(minimum),
            recommended=Decimal(minimum * 2),
        )
    for name, minimum in (
        ("东北大米 5kg", 30),
        ("挂面 1kg", 40),
        ("棉被", 20),
        ("方便面 5连包", 50),
    ):
        catalogue.stock_level_set(
            actor=actor,
            location_id=places["reserve"].pk,
            item_id=items[name].pk,
            minimum=Decimal(minimum),
            recommended=Decimal(minimum * 2),
        )


def _expiry(rng, item: Item, received: datetime.date, life: int | None) -> datetime.date | None:
    if item.is_medicine:
        return received + datetime.timedelta(days=rng.randint(180, 600))
    if life is None:
        return None
    return received + datetime.timedelta(days=rng.randint(life // 2, life))


def _history(rng, station, worker, community, places, items, *, rich: bool) -> None:
    today = timezone.localdate()
    lives = {name: life for name, _c, _u, _v, life, _p in CATALOGUE}
    in_need = list(
        Person.objects.filter(in_need_q(today), community=community, is_anonymised=False).order_by(
            "pk"
        )[:120]
    )
    households = list(
        Household.objects.filter(community=community, members__in=in_need)
        .distinct()
        .order_by("pk")[:40]
    )
    residents = list(
        Person.objects.filter(community=community, is_anonymised=False).order_by("?")[:40]
    )
    goods = [i for i in items.values() if i.category not in ("tools", "medicine")]
    weeks = 22 if rich else 10
    for week in range(weeks, -1, -1):
        day = today - datetime.timedelta(days=week * 7 + rng.randint(0, 3))
        day = min(day, today)
        # Donations in: businesses most weeks, residents now and then.
        for _i in range(rng.randint(1, 3)):
            kind = rng.choices(["business", "organisation", "resident", "anonymous"], [6, 1, 3, 1])[
                0
            ]
            chosen = rng.sample(goods, rng.randint(1, 4))
            lines = [
                inbound.LineIn(
                    item_id=item.pk,
                    quantity=rng.choice([5, 10, 10, 20, 30])
                    if kind != "resident"
                    else rng.randint(1, 4),
                    expires_on=_expiry(rng, item, day, lives[item.name]),
                )
                for item in chosen
            ]
            location = (
                places["dropoff"] if kind == "business" and rng.random() < 0.2 else places["store"]
            )
            inbound.donation_receive(
                actor=worker,
                community_id=community.pk,
                location_id=location.pk,
                donor_kind=kind,
                donor_person_id=rng.choice(residents).pk if kind == "resident" else None,
                donor_name=rng.choice(BUSINESSES if kind == "business" else ORGANISATIONS)
                if kind in ("business", "organisation")
                else "",
                received_on=day,
                lines=lines,
            )
        if week % 3 == 0:  # medicine from residents' cabinets (余药共享)
            medicine = [i for i in items.values() if i.is_medicine]
            inbound.donation_receive(
                actor=worker,
                community_id=community.pk,
                location_id=places["store"].pk,
                donor_kind="resident",
                donor_person_id=rng.choice(residents).pk,
                received_on=day,
                lines=[
                    inbound.LineIn(
                        item_id=m.pk,
                        quantity=rng.randint(1, 5),
                        expires_on=_expiry(rng, m, day, None),
                        unopened=True,
                    )
                    for m in rng.sample(medicine, 2)
                ],
            )
        _move_everything_from(worker, community, places["dropoff"], places["store"])
        # Stock the shelf and the reserve from the warehouse.
        for target, share in ((places["shelf"], 0.3), (places["reserve"], 0.2)):
            _transfer_some(rng, worker, community, places["store"], target, goods, share)
        # Handouts to people and households in need, and an emergency now and then.
        for _i in range(rng.randint(3, 8) if rich else rng.randint(1, 3)):
            if not in_need:
                break
            household = rng.choice(households) if households and rng.random() < 0.3 else None
            person = rng.choice(in_need)
            _give(
                rng,
                worker,
                community,
                places["store"],
                goods,
                day,
                recipient_kind="household" if household else "person",
                person_id=None if household else person.pk,
                household_id=household.pk if household else None,
                signed_by=(household.head.name if household and household.head else person.name),
            )
        if week in (16, 6):
            _give(
                rng,
                worker,
                community,
                places["reserve"],
                goods,
                day,
                recipient_kind="emergency",
                occasion="汛期转移安置" if week == 16 else "寒潮送温暖",
                signed_by="应急小组 王队长",
            )
    outbound.expired_write_off(actor=station, location_id=places["store"].pk)
    outbound.expired_write_off(actor=station, location_id=places["shelf"].pk)
    outbound.expired_write_off(actor=station, location_id=places["reserve"].pk)
    _count(rng, station, worker, places["store"])
    _till(rng, station, worker, community, places, in_need, rich=rich)
    _tool_loans(rng, worker, community, places, items, residents)


def _stock_at(location: Location, *, givable: bool = True) -> dict[int, Decimal]:
    """Quantity per item at the location (only what may be given, unless ``givable`` is off)."""
    holdings = StockHolding.objects.filter(location=location, account__balance__gt=0)
    if givable:
        holdings = holdings.filter(
            Q(lot__expires_on__isnull=True) | Q(lot__expires_on__gte=timezone.localdate())
        )
    return dict(
        holdings.values_list("lot__item_id").annotate(total=Sum("account__balance")).order_by()
    )


def _move_everything_from(actor, community, source: Location, target: Location) -> None:
    rows = _stock_at(source, givable=False)
    if rows:
        outbound.transfer_create(
            actor=actor,
            community_id=community.pk,
            from_location_id=source.pk,
            to_location_id=target.pk,
            note="代收点送回义仓",
            lines=[OutLine(item_id=item_id, quantity=qty) for item_id, qty in rows.items()],
        )


def _transfer_some(rng, actor, community, source, target, goods, share) -> None:
    stock = _stock_at(source)
    lines = []
    for item in rng.sample(goods, 4):
        quantity = int(stock.get(item.pk, 0) * Decimal(str(share)))
        if quantity >= 1:
            lines.append(OutLine(item_id=item.pk, quantity=quantity))
    if lines:
        outbound.transfer_create(
            actor=actor,
            community_id=community.pk,
            from_location_id=source.pk,
            to_location_id=target.pk,
            lines=lines,
        )


def _give(rng, actor, community, location, goods, day, **recipient) -> None:
    stock = _stock_at(location)
    lines = []
    for item in rng.sample(goods, rng.randint(1, 3)):
        quantity = min(rng.randint(1, 3), int(stock.get(item.pk, 0)))
        if quantity:
            lines.append(OutLine(item_id=item.pk, quantity=quantity))
    if not lines:
        return
    with contextlib.suppress(DomainError):  # e.g. a household without members: skipped
        outbound.distribution_create(
            actor=actor,
            community_id=community.pk,
            location_id=location.pk,
            lines=lines,
            distributed_on=day,
            **recipient,
        )


def _count(rng, station, worker, location) -> None:
    count = counts.count_start(actor=worker, location_id=location.pk, note="月度盘点")
    entries = {}
    for line in count.lines.all()[:30]:
        diff = rng.choice([0, 0, 0, 0, -1, 1])
        counted = max(Decimal(0), line.expected + diff)
        reason = "" if counted == line.expected else ("damaged" if diff < 0 else "found")
        entries[line.pk] = (counted, reason)
    for line in count.lines.all()[30:]:
        entries[line.pk] = (line.expected, "")
    counts.count_record(actor=worker, count_id=count.pk, entries=entries)
    counts.count_submit(actor=worker, count_id=count.pk)
    counts.count_finalise(actor=station, count_id=count.pk, note="差异已核实")


def _till(rng, station, worker, community, places, in_need, *, rich: bool) -> None:
    till.relief_quota_grant_all(actor=station, community_id=community.pk, amount=60)
    rice = Item.objects.get(community=community, name="东北大米 5kg")
    till.relief_quota_grant_all(actor=station, community_id=community.pk, amount=1, item_id=rice.pk)
    shelf = places["shelf"]
    priced = list(Item.objects.filter(community=community, points_price__isnull=False))
    customers = [p for p in in_need if points_balances(p)[0] >= 10 or till.current_quota(p)]
    for person in rng.sample(customers, min(len(customers), 12 if rich else 4)):
        lines = []
        stock = _stock_at(shelf)
        for item in rng.sample(priced, 2):
            if stock.get(item.pk, 0) >= 1:
                lines.append(OutLine(item_id=item.pk, quantity=1))
        if not lines:
            continue
        try:
            till.sale_settle(
                actor=worker,
                community_id=community.pk,
                location_id=shelf.pk,
                person_id=person.pk,
                lines=lines,
                pay_with="both" if till.current_quota(person) else "points",
            )
        except DomainError:
            continue  # not enough points for this basket: the customer puts something back


def _tool_loans(rng, worker, community, places, items, residents) -> None:
    tools_ = [i for i in items.values() if i.lendable]
    for tool in tools_:
        inbound.donation_receive(
            actor=worker,
            community_id=community.pk,
            location_id=places["tools"].pk,
            donor_kind="business",
            donor_name=rng.choice(BUSINESSES),
            lines=[inbound.LineIn(item_id=tool.pk, quantity=2)],
        )
    for person in rng.sample(residents, 3):
        loan = tools.loan_create(
            actor=worker,
            community_id=community.pk,
            location_id=places["tools"].pk,
            item_id=rng.choice(tools_).pk,
            borrower_id=person.pk,
            condition_out="完好",
        )
        if rng.random() < 0.4:
            tools.loan_return(actor=worker, loan_id=loan.pk, condition_in="完好")


def _pledges(rng, actor, community) -> None:
    today = timezone.localdate()
    for kind, name, service, hours in PLEDGES:
        inbound.pledge_create(
            actor=actor,
            community_id=community.pk,
            pledger_kind=kind,
            pledger_name=name,
            service=service,
            hours_per_month=hours,
            available_from=today - datetime.timedelta(days=rng.randint(30, 200)),
            available_until=today + datetime.timedelta(days=rng.randint(90, 365)),
        )


def _pharmacist_checks() -> None:
    pharmacist = User.objects.filter(username="pharmacist1").first()
    if pharmacist is None:
        return
    community_id = pharmacist.memberships.values_list("community_id", flat=True).first()
    pending = Lot.objects.filter(check_status=Lot.Check.PENDING, item__community_id=community_id)
    for n, lot in enumerate(pending.order_by("pk")):
        if n % 4 == 3:
            continue  # a few stay waiting, for the pharmacist's list
        counts.medicine_check(
            actor=pharmacist,
            lot_id=lot.pk,
            approve=n % 9 != 5,
            note="" if n % 9 != 5 else "外包装破损，不予发放",
        )
