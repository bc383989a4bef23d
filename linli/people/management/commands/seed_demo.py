"""Load the demo data once: a street in Chengdu with three communities, ~600 residents, accounts.

Running it again changes nothing. Everything is written through the real services, so the demo
data obeys the same rules (and leaves the same audit trail) as real work.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from linli.accounts.models import User
from linli.accounts.roles import Role
from linli.accounts.services import membership_grant, user_create
from linli.core.privacy import id_check_digit
from linli.people import services
from linli.people.models import Consent, Person, Tag
from linli.places.models import Community, Compound, Grid, ServiceSite, Street

DEMO_PASSWORD = "linli-demo"
STREET = ("510107009", "玉林街道")
REGION = "510107"  # 成都市武侯区
COMMUNITIES = [
    # code, name, centre (lat, lon), service phone
    ("510107009001", "玉林北路社区", (30.6335, 104.0585), "028-85561001"),
    ("510107009002", "芳草街社区", (30.6290, 104.0530), "028-85561002"),
    ("510107009003", "玉林东路社区", (30.6318, 104.0650), "028-85561003"),
]
COMPOUND_NAMES = [
    "玉林小区",
    "电信南街小区",
    "芳华苑",
    "翠苑",
    "金雁花园",
    "玉洁巷院落",
    "芳草东街院落",
    "锦绣花园",
    "蓓蕾小区",
    "南光苑",
    "华西坝院落",
    "银杏园",
    "龙腾苑",
    "和平小区",
    "望江苑",
    "致民苑",
    "林荫小区",
    "玉鑫苑",
]
SITES = [
    (ServiceSite.Kind.SERVICE_CENTER, "党群服务中心", "08:30-17:30"),
    (ServiceSite.Kind.ELDERLY_CARE, "养老服务站", "08:00-18:00"),
    (ServiceSite.Kind.SOCIAL_WORK, "社工站", "09:00-17:00"),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN_MALE = "伟强军明勇杰涛斌超刚平辉鹏华飞建国志文俊波宇浩鑫磊林峰成德福海"
GIVEN_FEMALE = "芳娟敏静丽艳霞秀英华兰玉萍红琴梅莉燕娜婷雪琳慧珍凤桂翠淑云"
ACCOUNTS = [
    # username, display name, role, community index (None = street)
    ("street_admin", "街道管理员", Role.STREET_ADMIN, None),
    ("station1", "周站长", Role.STATION_ADMIN, 0),
    ("worker1", "李社工", Role.SOCIAL_WORKER, 0),
    ("worker2", "陈社工", Role.SOCIAL_WORKER, 1),
    ("volunteer1", "王志愿者", Role.VOLUNTEER, 0),
    ("resident1", "赵居民", Role.RESIDENT, 0),
    ("pharmacist1", "孙药师", Role.PHARMACIST, 0),
]


def demo_accounts_text() -> str:
    lines = [f"Demo accounts (password: {DEMO_PASSWORD}):"]
    for username, display, role, index in ACCOUNTS:
        where = STREET[1] if index is None else COMMUNITIES[index][1]
        lines.append(f"  {username:<13} {display:<6} {Role(role).label} · {where}")
    lines.append("  admin         superuser for /admin/")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the demo street, communities, residents and accounts (once)."

    def handle(self, *args, **options):
        if Street.objects.filter(code=STREET[0]).exists():
            self.stdout.write("Demo data is already loaded; nothing changed.")
        else:
            with transaction.atomic():
                rng = random.Random(20261122)
                self._load(rng)
                # Then each app's own demo data: ``<app>.demo.load(rng)``, in INSTALLED_APPS order.
                for config in apps.get_app_configs():
                    if module_has_submodule(config.module, "demo"):
                        import_module(f"{config.name}.demo").load(rng)
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(demo_accounts_text())

    # ---------------------------------------------------------------------------------------
    def _load(self, rng: random.Random) -> None:
        street = Street.objects.create(code=STREET[0], name=STREET[1])
        communities = []
        compound_names = iter(COMPOUND_NAMES)
        for code, name, (lat, lon), phone in COMMUNITIES:
            community = Community.objects.create(
                street=street, code=code, name=name, service_phone=phone
            )
            communities.append(community)
            for g in range(1, 4):
                grid = Grid.objects.create(
                    community=community, code=f"{code}-G{g}", name=f"第{g}网格"
                )
                for c in range(1, 3):
                    # Gates laid out around the community's centre, a few hundred metres apart.
                    Compound.objects.create(
                        grid=grid,
                        community=community,
                        code=f"{code}-G{g}-C{c}",
                        name=next(compound_names),
                        latitude=Decimal(str(round(lat + (g - 2) * 0.0018, 6))),
                        longitude=Decimal(str(round(lon + (c - 1.5) * 0.0024 + g * 0.0003, 6))),
                    )
            sites = list(SITES)
            if code.endswith("001"):
                sites += [
                    (ServiceSite.Kind.CHARITY_SUPERMARKET, "慈善超市", "09:00-18:00"),
                    (ServiceSite.Kind.CANTEEN, "邻里餐桌社区食堂", "11:00-13:00"),
                    (ServiceSite.Kind.LOVE_WAREHOUSE, "爱心义仓", "09:00-17:00"),
                ]
            for i, (kind, site_name, hours) in enumerate(sites):
                ServiceSite.objects.create(
                    community=community,
                    kind=kind,
                    name=f"{name}{site_name}",
                    address=f"{name[:-2]}{rng.randint(1, 120)}号",
                    phone=phone,
                    opening_hours=hours,
                    latitude=Decimal(
                        str(round(lat + (i - 2) * 0.0011 + rng.uniform(-4e-4, 4e-4), 6))
                    ),
                    longitude=Decimal(
                        str(round(lon + (i % 3 - 1) * 0.0013 + rng.uniform(-4e-4, 4e-4), 6))
                    ),
                )

        users = {}
        for username, display, role, index in ACCOUNTS:
            user = user_create(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                display_name=display,
                mobile=f"139{rng.randint(10000000, 99999999)}",
            )
            if index is None:
                membership_grant(actor=None, user=user, role=role, street_id=street.pk)
            else:
                membership_grant(
                    actor=None, user=user, role=role, community_id=communities[index].pk
                )
            users[username] = user
        User.objects.create_superuser("admin", password=DEMO_PASSWORD, display_name="系统管理员")
        # Station admins of the other two communities (not demo logins, but real actors).
        actors = [users["station1"]]
        for index in (1, 2):
            actor = user_create(
                actor=None,
                username=f"station{index + 1}",
                password=DEMO_PASSWORD,
                display_name=f"站长{index + 1}",
            )
            membership_grant(
                actor=None,
                user=actor,
                role=Role.STATION_ADMIN,
                community_id=communities[index].pk,
            )
            actors.append(actor)
        for community, actor in zip(communities, actors, strict=True):
            self._residents(rng, community, actor, households=78)

    def _person(self, rng, community, actor, used, *, age, gender, compound, door):
        today = datetime.date.today()
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        while True:
            seq = rng.randint(0, 99)
            seq = seq * 10 + (
                rng.choice([1, 3, 5, 7, 9]) if gender == "male" else rng.choice([0, 2, 4, 6, 8])
            )
            first17 = f"{REGION}{birth:%Y%m%d}{seq:03d}"
            id_number = first17 + id_check_digit(first17)
            if id_number not in used:
                used.add(id_number)
                break
        given = GIVEN_MALE if gender == "male" else GIVEN_FEMALE
        name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice([1, 2])))
        mobile = f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}" if age >= 16 else ""
        if age >= 85 and rng.random() < 0.4:
            mobile = ""
        return services.person_create(
            actor=actor,
            community_id=community.pk,
            name=name,
            gender=gender,
            birth_date=birth,
            id_number=id_number,
            mobile=mobile,
            compound_id=compound.pk,
            address=door,
        )

    def _residents(self, rng, community, actor, households: int) -> None:
        compounds = list(Compound.objects.filter(community=community))
        used: set[str] = set()
        start = datetime.date.today() - datetime.timedelta(days=rng.randint(200, 900))
        for _household in range(households):
            compound = rng.choice(compounds)
            building, unit = rng.randint(1, 12), rng.randint(1, 4)
            door = f"{building}栋{unit}单元{rng.randint(1, 7)}0{rng.randint(1, 4)}"
            kind = rng.choices(
                ["alone", "couple_old", "family", "family_old"], weights=[22, 26, 38, 14]
            )[0]
            members: list[tuple[Person, str]] = []
            if kind == "alone":
                age = rng.randint(62, 96)
                head = self._person(
                    rng,
                    community,
                    actor,
                    used,
                    age=age,
                    gender=rng.choice(["male", "female", "female"]),
                    compound=compound,
                    door=door,
                )
                members.append((head, "本人"))
            elif kind == "couple_old":
                age = rng.randint(60, 92)
                head = self._person(
                    rng,
                    community,
                    actor,
                    used,
                    age=age,
                    gender="male",
                    compound=compound,
                    door=door,
                )
                spouse = self._person(
                    rng,
                    community,
                    actor,
                    used,
                    age=max(55, age - rng.randint(0, 5)),
                    gender="female",
                    compound=compound,
                    door=door,
                )
                members += [(head, "本人"), (spouse, "配偶")]
            else:
                age = rng.randint(32, 50)
                head = self._person(
                    rng,
                    community,
                    actor,
                    used,
                    age=age,
                    gender="male",
                    compound=compound,
                    door=door,
                )
                spouse = self._person(
                    rng,
                    community,
                    actor,
                    used,
                    age=age - rng.randint(0, 4),
                    gender="female",
                    compound=compound,
                    door=door,
                )
                members += [(head, "本人"), (spouse, "配偶")]
                for _ in range(rng.choice([1, 1, 2])):
                    child = self._person(
                        rng,
                        community,
                        actor,
                        used,
                        age=rng.randint(2, 17),
                        gender=rng.choice(["male", "female"]),
                        compound=compound,
                        door=door,
                    )
                    members.append((child, "子女"))
                if kind == "family_old":
                    elder = self._person(
                        rng,
                        community,
                        actor,
                        used,
                        age=rng.randint(72, 93),
                        gender=rng.choice(["male", "female"]),
                        compound=compound,
                        door=door,
                    )
                    members.append((elder, "父母"))
            household = services.household_create(
                actor=actor,
                community_id=community.pk,
                address=door,
                compound_id=compound.pk,
                head_id=head.pk,
            )
            for person, relation in members[1:]:
                services.household_add_member(
                    actor=actor,
                    household_id=household.pk,
                    person_id=person.pk,
                    relation_to_head=relation,
                )
            self._tags_and_consent(rng, actor, kind, members, start)

    def _tags_and_consent(self, rng, actor, kind, members, start) -> None:
        poor = rng.random() < 0.07
        parents = [p for p, rel in members if rel in ("本人", "配偶") and (p.age() or 0) >= 18]
        for person, _relation in members:
            age = person.age() or 0
            tags = []
            if kind == "alone" and rng.random() < 0.85:
                tags.append(Tag.LIVES_ALONE)
            if kind == "couple_old" and rng.random() < 0.7:
                tags.append(Tag.EMPTY_NEST)
            if rng.random() < (0.09 if age >= 60 else 0.02):
                tags.append(Tag.DISABLED)
            if poor:
                tags.append(Tag.LOW_INCOME if rng.random() < 0.8 else Tag.EXTREME_POVERTY)
            if age < 18 and (poor or rng.random() < 0.04):
                tags.append(Tag.CHILD_IN_DIFFICULTY)
            if rng.random() < 0.006:
                tags.append(Tag.EMERGENCY_RELIEF)
            for tag in tags:
                services.person_tag_add(
                    actor=actor,
                    person_id=person.pk,
                    tag=tag,
                    start_date=start + datetime.timedelta(days=rng.randint(0, 150)),
                )
            if rng.random() < 0.9:
                child_at_consent = person.age(start) is not None and person.age(start) < 14
                guardian = parents[0] if child_at_consent and parents else None
                if child_at_consent and guardian is None:
                    continue
                services.consent_record(
                    actor=actor,
                    person_id=person.pk,
                    purpose=Consent.Purpose.REGISTRY,
                    method=Consent.Method.SIGNED,
                    given_on=start,
                    guardian_id=guardian.pk if guardian else None,
                )
            if age < 18 and parents:
                services.person_update(actor=actor, person_id=person.pk, guardian_id=parents[0].pk)
