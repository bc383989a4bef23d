"""Resident registry endpoints (居民档案). Every answer shows masked ID and mobile numbers only."""

import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from linli.core.api import API_AUTH, ErrorOut, LimitOffset, RecordId, Text
from linli.people import selectors, services
from linli.people.api_import import router as import_router
from linli.people.models import Person, Tag

router = Router(tags=["residents"], auth=API_AUTH)
router.add_router("/", import_router)

GenderIn = Literal["male", "female", "unknown"]
TagIn = Literal[tuple(Tag.values)]  # type: ignore[valid-type]
AgeBandIn = Literal[tuple(selectors.AGE_BANDS)]  # type: ignore[valid-type]


class ResidentOut(Schema):
    id: int
    community_id: int
    name: str
    gender: str
    birth_date: datetime.date | None
    age: int | None
    id_number_masked: str
    mobile_masked: str
    grid: str | None
    compound_id: int | None
    compound: str | None
    address: str
    household_id: int | None
    relation_to_head: str
    guardian_id: int | None
    tags: list[str]

    @staticmethod
    def resolve_age(obj: Person) -> int | None:
        return obj.age()

    @staticmethod
    def resolve_compound(obj: Person) -> str | None:
        return obj.compound.name if obj.compound_id else None

    @staticmethod
    def resolve_grid(obj: Person) -> str | None:
        return obj.compound.grid.name if obj.compound_id else None

    @staticmethod
    def resolve_tags(obj: Person) -> list[str]:
        tags = [t.tag for t in getattr(obj, "current_tags", [])]
        return ([Tag.ADVANCED_AGE.value] if obj.is_advanced_age else []) + tags


class ResidentDetailOut(ResidentOut):
    notes: str


class ResidentCreateIn(Schema):
    community_id: RecordId
    name: Text = Field(..., max_length=50)
    gender: GenderIn = "unknown"
    birth_date: datetime.date | None = None
    id_number: Text = Field("", max_length=32)
    mobile: Text = Field("", max_length=32)
    compound_id: RecordId | None = None
    address: Text = Field("", max_length=100)
    household_id: RecordId | None = None
    relation_to_head: Text = Field("", max_length=20)
    guardian_id: RecordId | None = None
    notes: Text = Field("", max_length=5000)


class ResidentPatchIn(Schema):
    name: Text | None = Field(None, max_length=50)
    gender: GenderIn | None = None
    birth_date: datetime.date | None = None
    id_number: Text | None = Field(None, max_length=32)
    mobile: Text | None = Field(None, max_length=32)
    compound_id: RecordId | None = None
    address: Text | None = Field(None, max_length=100)
    household_id: RecordId | None = None
    relation_to_head: Text | None = Field(None, max_length=20)
    guardian_id: RecordId | None = None
    notes: Text | None = Field(None, max_length=5000)


class ResidentFilterIn(Schema):
    community_id: RecordId | None = None
    grid_id: RecordId | None = None
    compound_id: RecordId | None = None
    tag: TagIn | None = None
    age_band: AgeBandIn | None = None
    q: Text = Field("", max_length=50, description="name, pinyin initials, mobile last 4, ID")


class RevealIn(Schema):
    field: Literal["id_number", "mobile"]


class RevealOut(Schema):
    field: str
    value: str


@router.get("/residents", response=list[ResidentOut])
@paginate(LimitOffset)
def resident_list(request, filters: Query[ResidentFilterIn]):
    """Residents in the caller's communities, filtered and searched."""
    return selectors.person_list(request.user, selectors.PersonFilters(**filters.dict()))


@router.post(
    "/residents", response={201: ResidentDetailOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def resident_create(request, payload: ResidentCreateIn):
    data = payload.dict()
    person = services.person_create(
        actor=request.user, community_id=data.pop("community_id"), **data
    )
    return Status(201, selectors.person_get(request.user, person.pk))


@router.get("/residents/{resident_id}", response={200: ResidentDetailOut, 404: ErrorOut})
def resident_get(request, resident_id: RecordId):
    return selectors.person_get(request.user, resident_id)


@router.patch(
    "/residents/{resident_id}",
    response={200: ResidentDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def resident_update(request, resident_id: RecordId, payload: ResidentPatchIn):
    changes = payload.dict(exclude_unset=True)
    for required in ("name", "gender", "id_number", "mobile", "address", "relation_to_head"):
        if required in changes and changes[required] is None:
            changes[required] = ""
    services.person_update(actor=request.user, person_id=resident_id, **changes)
    return selectors.person_get(request.user, resident_id)


@router.post(
    "/residents/{resident_id}/reveal",
    response={200: RevealOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def resident_reveal(request, resident_id: RecordId, payload: RevealIn):
    """The full ID or mobile number. Needs station_admin or social_worker; audited.
    At most ``LINLI_REVEAL_LIMIT`` an hour per user (429 past it)."""
    value = services.person_reveal(actor=request.user, person_id=resident_id, field=payload.field)
    return {"field": payload.field, "value": value}
