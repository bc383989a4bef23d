"""The catalogue (物资目录), stock locations (库位) and their minimum levels."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.errors import Conflict, NotFound
from linli.core.scoping import has_perm, require
from linli.warehouse.models import Category, Item, Location, StockLevel
from linli.warehouse.services.stock import decimal_clean, invalid

ITEM_FIELDS = (
    "name",
    "category",
    "unit",
    "fair_value_fen",
    "tracks_expiry",
    "barcode",
    "prescription_only",
    "lendable",
    "loan_days",
    "points_price",
    "is_active",
)
LOCATION_FIELDS = ("name", "kind", "parent_id", "address", "is_active")


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _item_clean(data: dict) -> dict:
    data = {**data}
    data["name"] = (data.get("name") or "").strip()
    data["unit"] = (data.get("unit") or "").strip()
    data["barcode"] = (data.get("barcode") or "").strip()
    for flag in ("tracks_expiry", "prescription_only", "lendable"):
        data[flag] = bool(data.get(flag))
    data["is_active"] = True if data.get("is_active") is None else bool(data["is_active"])
    data["loan_days"] = 14 if data.get("loan_days") is None else data["loan_days"]
    errors: dict[str, list[str]] = {}
    if not data["name"] or len(data["name"]) > 100:
        errors["name"] = [_("Give the item a name of at most 100 characters.")]
    if data.get("category") not in Category.values:
        errors["category"] = [_("Choose a category.")]
    if not data["unit"] or len(data["unit"]) > 10:
        errors["unit"] = [_("Give the unit it is counted in (袋, 件, 盒…), at most 10 characters.")]
    if not _whole(data.get("fair_value_fen"), 0, 100_000_000):
        errors["fair_value_fen"] = [_("The fair value is a whole number of fen, at least 0.")]
    barcode = data["barcode"]
    if barcode and (
        len(barcode) > 32
        or not barcode.replace("-", "").isascii()
        or not barcode.replace("-", "").isalnum()
    ):
        errors["barcode"] = [_("A barcode is at most 32 letters and digits.")]
    if not _whole(data["loan_days"], 1, 365):
        errors["loan_days"] = [_("A loan period is from 1 to 365 days.")]
    if data.get("points_price") is not None and not _whole(data["points_price"], 1, 100000):
        errors["points_price"] = [_("The price is empty or a whole number of points 1–100000.")]
    if data.get("category") == Category.MEDICINE:
        data["tracks_expiry"] = True  # medicine always has an expiry date
        if data["prescription_only"]:
            errors["prescription_only"] = [
                _("Prescription-only medicine cannot be shared: it is never accepted.")
            ]
    elif data["prescription_only"]:
        errors["prescription_only"] = [_("Only medicine can be prescription-only.")]
    if data["lendable"] and data.get("category") != Category.TOOLS:
        errors["lendable"] = [_("Only tools are lent from the tool library.")]
    if errors:
        raise invalid(errors)
    return data


def _item_unique(community_id: int, data: dict, exclude_id: int | None = None) -> None:
    same = Item.objects.filter(community_id=community_id).exclude(pk=exclude_id)
    if same.filter(name=data["name"]).exists():
        raise invalid({"name": [_("The catalogue already has an item of this name.")]})
    if data["barcode"] and same.filter(barcode=data["barcode"]).exists():
        raise invalid({"barcode": [_("Another item already has this barcode.")]})


@transaction.atomic
def item_create(*, actor, community_id: int, **data) -> Item:
    """Add an item to the community's catalogue."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    data = _item_clean({k: data.get(k) for k in ITEM_FIELDS})
    _item_unique(community_id, data)
    item = Item.objects.create(community_id=community_id, **data)
    audit.record(actor, "item.create", item, category=item.category)
    return item


@transaction.atomic
def item_update(*, actor, item_id: int, **changes) -> Item:
    """Change an item's details. Its category and unit stay once it has stock (the lots and the
    ledger were counted in that unit)."""
    item = Item.objects.select_for_update().filter(pk=item_id).first()
    if item is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, item.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_MANAGE, item.community_id)
    data = {k: getattr(item, k) for k in ITEM_FIELDS}
    data.update({k: v for k, v in changes.items() if k in ITEM_FIELDS})
    data = _item_clean(data)
    _item_unique(item.community_id, data, exclude_id=item.pk)
    if item.lots.exists() and (data["unit"] != item.unit or data["category"] != item.category):
        raise Conflict(
            _(
                "This item already has stock: its unit and category cannot change. "
                "Add a new item instead."
            )
        )
    changed = {k: v for k, v in data.items() if getattr(item, k) != v}
    for key, value in changed.items():
        setattr(item, key, value)
    item.save()
    audit.record(actor, "item.update", item, fields=sorted(changed))
    return item


def _location_clean(community_id: int, data: dict, exclude_id: int | None = None) -> dict:
    data = {**data}
    data["name"] = (data.get("name") or "").strip()
    data["address"] = (data.get("address") or "").strip()[:200]
    data["is_active"] = True if data.get("is_active") is None else bool(data["is_active"])
    errors: dict[str, list[str]] = {}
    if not data["name"] or len(data["name"]) > 100:
        errors["name"] = [_("Give the location a name of at most 100 characters.")]
    elif (
        Location.objects.filter(community_id=community_id, name=data["name"])
        .exclude(pk=exclude_id)
        .exists()
    ):
        errors["name"] = [_("The community already has a location of this name.")]
    if data.get("kind") not in Location.Kind.values:
        errors["kind"] = [_("Choose what kind of location it is.")]
    parent_id = data.get("parent_id")
    if parent_id is not None:
        parent = Location.objects.filter(pk=parent_id, community_id=community_id).first()
        if parent is None or parent.pk == exclude_id or parent.parent_id is not None:
            errors["parent_id"] = [_("Choose a top-level location of the same community.")]
    if errors:
        raise invalid(errors)
    return data


@transaction.atomic
def location_create(*, actor, community_id: int, **data) -> Location:
    """Add a warehouse, a supermarket shelf, the emergency reserve or a drop-off point."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    data = _location_clean(community_id, {k: data.get(k) for k in LOCATION_FIELDS})
    location = Location.objects.create(community_id=community_id, **data)
    audit.record(actor, "location.create", location, kind=location.kind)
    return location


@transaction.atomic
def location_update(*, actor, location_id: int, **changes) -> Location:
    location = Location.objects.select_for_update().filter(pk=location_id).first()
    if location is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, location.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_MANAGE, location.community_id)
    data = {k: getattr(location, k) for k in LOCATION_FIELDS}
    data.update({k: v for k, v in changes.items() if k in LOCATION_FIELDS})
    data = _location_clean(location.community_id, data, exclude_id=location.pk)
    if not data["is_active"] and location.is_active:
        from linli.warehouse.selectors import location_has_stock

        if location_has_stock(location):
            raise Conflict(_("Move or write off the goods here before closing the location."))
    for key, value in data.items():
        setattr(location, key, value)
    location.save()
    audit.record(actor, "location.update", location)
    return location


@transaction.atomic
def stock_level_set(
    *,
    actor,
    location_id: int,
    item_id: int,
    minimum: Decimal | None,
    recommended: Decimal | None = None,
) -> StockLevel | None:
    """Set the minimum and recommended level of an item at a location; no minimum removes it."""
    location = Location.objects.filter(pk=location_id).first()
    if location is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, location.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_MANAGE, location.community_id)
    item = Item.objects.filter(pk=item_id, community_id=location.community_id).first()
    if item is None:
        raise invalid({"item_id": [_("Choose an item of this community's catalogue.")]})
    if minimum is None:
        StockLevel.objects.filter(location=location, item=item).delete()
        audit.record(actor, "stock_level.set", location, item=item.pk, minimum=None)
        return None
    recommended = minimum if recommended is None else recommended
    message = _("Levels are 0–100000, the recommended at least the minimum.")
    minimum = decimal_clean(minimum, field="recommended", message=message, positive=False)
    recommended = decimal_clean(recommended, field="recommended", message=message, positive=False)
    if recommended < minimum:
        raise invalid({"recommended": [message]})
    level, _created = StockLevel.objects.update_or_create(
        location=location, item=item, defaults={"minimum": minimum, "recommended": recommended}
    )
    audit.record(
        actor,
        "stock_level.set",
        location,
        item=item.pk,
        minimum=str(minimum),
        recommended=str(recommended),
    )
    return level
