"""Goods coming in: donations (捐赠入库) with their certificate, donor points and medicine rules,
and pledges of labour or services (人力资源支持)."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit, idempotency
from linli.core.dates import PLAN_AHEAD, service_date_problem
from linli.core.errors import NotFound, ValidationFailed
from linli.core.scoping import has_perm, require
from linli.ledger.services import Leg
from linli.people.models import Person
from linli.points.models import EarningKind
from linli.points.selectors import points_for
from linli.points.services import points_credit
from linli.warehouse.models import Donation, DonationLine, Item, Lot, Pledge
from linli.warehouse.services.stock import (
    active_location,
    community_account,
    holding_for,
    invalid,
    move,
    quantity_clean,
    value_of,
)

MEDICINE_MIN_DAYS = 90  # donated medicine keeps at least this long (余药共享)
MAX_LINES = 50
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class LineIn:
    """One line of a donation as entered."""

    item_id: int
    quantity: Decimal | str | int
    expires_on: datetime.date | None = None
    value_fen: int | None = None
    unopened: bool | None = None


def _donor(community_id: int, kind, person_id, name: str) -> tuple[Person | None, str]:
    name = (name or "").strip()
    if kind not in Donation.DonorKind.values:
        raise invalid({"donor_kind": [_("Choose who gives it.")]})
    if kind == Donation.DonorKind.RESIDENT:
        person = Person.objects.filter(
            pk=person_id, community_id=community_id, is_anonymised=False
        ).first()
        if person is None:
            raise invalid({"donor_person_id": [_("Choose a resident of this community.")]})
        return person, ""
    if kind == Donation.DonorKind.ANONYMOUS:
        return None, ""
    if not name or len(name) > 100:
        raise invalid({"donor_name": [_("Give the business's or organisation's name.")]})
    return None, name


def line_problems(
    item: Item, line: LineIn, quantity: Decimal, received_on: datetime.date
) -> list[str]:
    """What is wrong with one line (empty when it may be accepted)."""
    problems = []
    if item.tracks_expiry and line.expires_on is None:
        problems.append(_("%(item)s needs its expiry date.") % {"item": item.name})
    if line.expires_on is not None and line.expires_on < received_on:
        problems.append(_("%(item)s has already expired.") % {"item": item.name})
    if line.value_fen is not None and not (
        isinstance(line.value_fen, int) and 0 <= line.value_fen <= 10**10
    ):
        problems.append(_("The value is a whole number of fen, at least 0."))
    if item.is_medicine:
        if item.prescription_only:
            problems.append(
                _("%(item)s is prescription-only medicine, which is never accepted.")
                % {"item": item.name}
            )
        if not line.unopened:
            problems.append(
                _("%(item)s: only unopened medicine is accepted.") % {"item": item.name}
            )
        if line.expires_on is not None and line.expires_on < received_on + datetime.timedelta(
            days=MEDICINE_MIN_DAYS
        ):
            problems.append(
                _(
                    "%(item)s expires on %(date)s: medicine needs at least %(days)s days "
                    "before its expiry date."
                )
                % {
                    "item": item.name,
                    "date": line.expires_on.isoformat(),
                    "days": MEDICINE_MIN_DAYS,
                }
            )
    return problems


def _certificate_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(10))


def donation_points(community_id: int, quantity: Decimal, on: datetime.date) -> int:
    """A resident donor's points for one line: the community's per-item rule times the whole
    units given (at least one unit per line)."""
    return points_for(community_id, EarningKind.PER_ITEM, on) * max(1, int(quantity))


@transaction.atomic
def donation_receive(
    *,
    actor,
    community_id: int,
    location_id: int,
    donor_kind: str,
    lines: list[LineIn],
    donor_person_id: int | None = None,
    donor_name: str = "",
    received_on: datetime.date | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> Donation:
    """Take in a donation: one lot per line at the location, one ledger transaction for the goods,
    and the resident donor's points per line (once each, by the earning rule of the day).

    Every line is checked before anything is written: a single refused line (expired, opened or
    prescription-only medicine, medicine with less than 90 days left) refuses the whole donation
    and leaves nothing behind. With ``idempotency_key``, a repeat returns the first donation."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="warehouse.donation",
        content={
            "community_id": community_id,
            "location_id": location_id,
            "donor_kind": donor_kind,
            "donor_person_id": donor_person_id,
            "donor_name": donor_name,
            "received_on": received_on,
            "note": note,
            "lines": list(lines),
        },
    )
    if once.replayed is not None:
        return once.replayed
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today or received_on < today - datetime.timedelta(days=366):
        raise invalid(
            {"received_on": [_("The date is within the last year and not in the future.")]}
        )
    if problem := service_date_problem(received_on):
        raise invalid({"received_on": [problem]})
    location = active_location(community_id, location_id)
    person, name = _donor(community_id, donor_kind, donor_person_id, donor_name)
    if not lines:
        raise invalid({"lines": [_("Add at least one item.")]})
    if len(lines) > MAX_LINES:
        raise invalid({"lines": [_("At most %(n)s lines per donation.") % {"n": MAX_LINES}]})
    items = Item.objects.in_bulk([line.item_id for line in lines])
    errors: list[str] = []
    cleaned: list[tuple[Item, LineIn, Decimal]] = []
    for number, line in enumerate(lines, start=1):
        item = items.get(line.item_id)
        if item is None or item.community_id != community_id or not item.is_active:
            errors.append(
                _("Line %(n)s: choose an item of this community's catalogue.") % {"n": number}
            )
            continue
        try:
            quantity = quantity_clean(line.quantity)
        except ValidationFailed as exc:
            errors.append(
                _("Line %(n)s: %(error)s") % {"n": number, "error": exc.fields["quantity"][0]}
            )
            continue
        for problem in line_problems(item, line, quantity, received_on):
            errors.append(_("Line %(n)s: %(error)s") % {"n": number, "error": problem})
        cleaned.append((item, line, quantity))
    if errors:
        raise ValidationFailed(
            errors[0] if len(errors) == 1 else _("Some lines cannot be accepted."),
            fields={"lines": errors},
        )

    donation = Donation(
        community_id=community_id,
        location=location,
        donor_kind=donor_kind,
        donor_person=person,
        donor_name=name,
        received_on=received_on,
        note=(note or "").strip()[:200],
        certificate_code=_certificate_code(),
        created_by=actor,
        total_value_fen=0,
    )
    source = str(person.name if person else name or _("Anonymous donor"))[:100]
    built = []
    legs: list[Leg] = []
    for item, line, quantity in cleaned:
        lot = Lot.objects.create(
            item=item,
            expires_on=line.expires_on,
            source=source,
            check_status=Lot.Check.PENDING if item.is_medicine else Lot.Check.NOT_NEEDED,
        )
        holding = holding_for(location, lot)
        legs += [
            Leg(community_account(community_id, lot, "donated"), -quantity),
            Leg(holding.account, quantity),
        ]
        value = line.value_fen if line.value_fen is not None else value_of(item, quantity)
        built.append((item, lot, quantity, value))
    donation.total_value_fen = sum(value for *_rest, value in built)
    donation.transaction = move(
        actor=actor,
        community_id=community_id,
        kind="warehouse.donation",
        legs=legs,
        memo=f"捐赠入库 {source}",
        idempotency_key=once.ledger_key,
    )
    donation.save()
    Lot.objects.filter(pk__in=[lot.pk for _i, lot, _q, _v in built]).update(donation=donation)
    points_total = 0
    for item, lot, quantity, value in built:
        line = DonationLine.objects.create(
            donation=donation, item=item, lot=lot, quantity=quantity, value_fen=value
        )
        if person is not None:
            points = donation_points(community_id, quantity, received_on)
            if points:
                line.points = points
                line.points_transaction = points_credit(
                    actor=actor,
                    person=person,
                    points=points,
                    kind="points.item",
                    memo=f"捐赠 {item.name} × {quantity.normalize()}",
                    idempotency_key=f"warehouse.donation-line:{line.pk}",
                )
                line.save(update_fields=["points", "points_transaction"])
                points_total += points
    if points_total:
        donation.points_awarded = points_total
        donation.save(update_fields=["points_awarded"])
    audit.record(
        actor,
        "donation.receive",
        donation,
        person_id=person.pk if person else None,
        lines=len(built),
        value_fen=donation.total_value_fen,
        points=points_total,
    )
    return once.finish(donation)


def _pledge_clean(community_id: int, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    kind = data.get("pledger_kind")
    person_id = data.get("person_id")
    renamed = {"donor_person_id": "person_id", "donor_name": "pledger_name"}
    data["person"] = None
    try:
        data["person"], data["pledger_name"] = _donor(
            community_id, kind, person_id, data.get("pledger_name") or ""
        )
    except ValidationFailed as exc:
        errors.update({renamed.get(k, "pledger_kind"): v for k, v in exc.fields.items()})
    service = (data.get("service") or "").strip()
    if not service or len(service) > 100:
        errors["service"] = [_("Say what is offered, in at most 100 characters.")]
    data["service"] = service
    hours = data.get("hours_per_month")
    if hours is not None:
        try:
            hours = Decimal(str(hours))
            ok = hours.is_finite() and 0 < hours <= 744 and hours == hours.quantize(Decimal("0.1"))
        except ArithmeticError:
            ok = False
        if not ok:
            errors["hours_per_month"] = [_("Hours a month are empty or from 0.1 to 744.")]
        data["hours_per_month"] = hours
    start = data.get("available_from") or timezone.localdate()
    until = data.get("available_until")
    data["available_from"] = start
    if until is not None and until < start:
        errors["available_until"] = [_("The end cannot be before the start.")]
    for name, day in (("available_from", start), ("available_until", until)):
        if problem := service_date_problem(day, ahead=PLAN_AHEAD):
            errors.setdefault(name, []).append(problem)
    data["note"] = (data.get("note") or "").strip()[:200]
    if errors:
        raise invalid(errors)
    data.pop("person_id", None)
    return data


PLEDGE_FIELDS = (
    "pledger_kind",
    "person_id",
    "pledger_name",
    "service",
    "hours_per_month",
    "available_from",
    "available_until",
    "note",
    "is_active",
)


@transaction.atomic
def pledge_create(*, actor, community_id: int, **data) -> Pledge:
    """Record labour or a service pledged to the station (a resource it can call on)."""
    require(actor, Perm.WAREHOUSE_MANAGE, community_id)
    data = _pledge_clean(community_id, {k: data.get(k) for k in PLEDGE_FIELDS})
    data["is_active"] = True if data.get("is_active") is None else bool(data["is_active"])
    pledge = Pledge.objects.create(community_id=community_id, created_by=actor, **data)
    audit.record(actor, "pledge.create", pledge, person_id=pledge.person_id)
    return pledge


@transaction.atomic
def pledge_update(*, actor, pledge_id: int, **changes) -> Pledge:
    """Change a pledge, or end it (``is_active`` false)."""
    pledge = Pledge.objects.select_for_update().filter(pk=pledge_id).first()
    if pledge is None or not has_perm(actor, Perm.WAREHOUSE_VIEW, pledge.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.WAREHOUSE_MANAGE, pledge.community_id)
    data = {k: getattr(pledge, k) for k in PLEDGE_FIELDS}
    data.update({k: v for k, v in changes.items() if k in PLEDGE_FIELDS})
    data = _pledge_clean(pledge.community_id, data)
    data["is_active"] = bool(data.get("is_active"))
    for key, value in data.items():
        setattr(pledge, key, value)
    pledge.save()
    audit.record(actor, "pledge.update", pledge, person_id=pledge.person_id)
    return pledge
