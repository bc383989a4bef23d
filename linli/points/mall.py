"""The points mall (积分兑换商城): rewards, and redemptions that freeze points until pickup.

Redeem: points move from the person's account to their frozen account and a voucher code is
issued. Fulfil (pickup confirmed by the station or the partner): frozen → the mall's redeemed
account. Cancel: frozen → back to the person, stock back. Every move goes through the ledger.
Points earned in one community can be spent in any community's mall (通存通兑).
"""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit, idempotency
from linli.core.dates import PLAN_AHEAD, service_date_problem
from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.core.scoping import has_perm, require
from linli.core.workflow import transition
from linli.ledger.services import Leg, post
from linli.people.models import Person
from linli.points.models import Redemption, RedemptionEvent, Reward
from linli.points.selectors import redeemed_this_month
from linli.points.services import (
    person_frozen_account,
    person_points_account,
    redeemed_points_account,
)

Status = Redemption.Status
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at a counter
REWARD_FIELDS = (
    "name",
    "description",
    "kind",
    "provider_name",
    "provider_user_id",
    "price",
    "stock",
    "monthly_limit",
    "valid_from",
    "valid_until",
    "is_active",
)


def _reward_errors(data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [_("Give the reward a name of at most 100 characters.")]
    if not (data.get("provider_name") or "").strip():
        errors["provider_name"] = [_("Say who offers it (the community or a partner business).")]
    if data.get("kind") not in Reward.Kind.values:
        errors["kind"] = [_("Choose voucher or service.")]
    price = data.get("price")
    if not isinstance(price, int) or isinstance(price, bool) or not 1 <= price <= 100000:
        errors["price"] = [_("The price is a whole number of points from 1 to 100000.")]
    stock = data.get("stock")
    if not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= 100000:
        errors["stock"] = [_("Stock is a whole number from 0 to 100000.")]
    limit = data.get("monthly_limit")
    if limit is not None and (not isinstance(limit, int) or not 1 <= limit <= 100):
        errors["monthly_limit"] = [_("The monthly limit is empty (none) or from 1 to 100.")]
    valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
    if not isinstance(valid_from, datetime.date):
        errors["valid_from"] = [_("Give the first day it can be redeemed.")]
    if not isinstance(valid_until, datetime.date):
        errors["valid_until"] = [_("Give the last day it can be redeemed.")]
    elif isinstance(valid_from, datetime.date) and valid_until < valid_from:
        errors["valid_until"] = [_("The last day cannot be before the first day.")]
    for name in ("valid_from", "valid_until"):
        day = data.get(name)
        if isinstance(day, datetime.date) and (
            problem := service_date_problem(day, ahead=PLAN_AHEAD)
        ):
            errors.setdefault(name, []).append(problem)
    return errors


def _provider_check(community_id: int, provider_user_id: int | None) -> None:
    if provider_user_id is None:
        return
    from linli.accounts.models import Membership
    from linli.accounts.roles import Role

    if not Membership.objects.filter(
        user_id=provider_user_id, community_id=community_id, role=Role.PARTNER
    ).exists():
        raise ValidationFailed(
            _("Please correct the errors below."),
            fields={"provider_user_id": [_("Choose a partner login of this community.")]},
        )


@transaction.atomic
def reward_create(*, actor, community_id: int, **data) -> Reward:
    """Put a voucher or service on offer in the community's mall (上架)."""
    require(actor, Perm.POINTS_MANAGE, community_id)
    data = {k: data.get(k) for k in REWARD_FIELDS}
    data["kind"] = data["kind"] or Reward.Kind.VOUCHER
    data["is_active"] = True if data["is_active"] is None else bool(data["is_active"])
    errors = _reward_errors(data)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    _provider_check(community_id, data["provider_user_id"])
    reward = Reward.objects.create(
        community_id=community_id,
        created_by=actor,
        **{**data, "name": data["name"].strip(), "description": (data["description"] or "")[:500]},
    )
    audit.record(actor, "reward.create", reward, price=reward.price, stock=reward.stock)
    return reward


@transaction.atomic
def reward_update(*, actor, reward_id: int, **changes) -> Reward:
    """Change a reward's details, price, stock or validity; take it off offer with is_active."""
    reward = Reward.objects.select_for_update().filter(pk=reward_id).first()
    if reward is None or not has_perm(actor, Perm.POINTS_VIEW, reward.community_id):
        raise NotFound(_("Not found."))
    require(actor, Perm.POINTS_MANAGE, reward.community_id)
    data = {k: getattr(reward, k) for k in REWARD_FIELDS}
    data.update({k: v for k, v in changes.items() if k in REWARD_FIELDS and v is not None})
    if "monthly_limit" in changes and changes["monthly_limit"] is None:
        data["monthly_limit"] = None
    errors = _reward_errors(data)
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    _provider_check(reward.community_id, data["provider_user_id"])
    for key, value in data.items():
        setattr(reward, key, value)
    reward.name = reward.name.strip()
    reward.save()
    audit.record(actor, "reward.update", reward, price=reward.price, stock=reward.stock)
    return reward


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(8))
        if not Redemption.objects.filter(code=code).exists():
            return code


def acting_person(actor, person_id: int | None) -> Person:
    """The person whose points move: the actor's own resident record, or (station staff) a
    resident of their community on whose behalf they act."""
    own = getattr(actor, "person_id", None)
    if person_id is None or person_id == own:
        if own is None:
            raise PermissionDenied(_("This login is not linked to a resident's points account."))
        return Person.objects.select_for_update().get(pk=own)
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None or not has_perm(actor, Perm.POINTS_MANAGE, person.community_id):
        raise NotFound(_("Not found."))
    return person


@transaction.atomic
def redemption_create(
    *, actor, reward_id: int, person_id: int | None = None, idempotency_key: str | None = None
) -> Redemption:
    """Redeem a reward (兑换): freeze its price from the person's points and issue a voucher code.

    The person row is locked first, so one person's redemptions (and the monthly limit) are
    decided one at a time; the reward row is locked for its stock. With ``idempotency_key``, a
    repeat returns the first redemption."""
    person = acting_person(actor, person_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="points.redeem",
        content={"reward_id": reward_id, "person_id": person.pk},
    )
    if once.replayed is not None:
        return once.replayed
    reward = Reward.objects.select_for_update().filter(pk=reward_id).first()
    if reward is None:
        raise NotFound(_("Not found."))
    today = timezone.localdate()
    if not reward.is_active or not reward.valid_from <= today <= reward.valid_until:
        raise Conflict(_("This reward is not on offer today."))
    if reward.stock < 1:
        raise Conflict(_("Sorry, this reward is sold out."))
    if reward.monthly_limit is not None:
        taken = redeemed_this_month(person, [reward.pk]).get(reward.pk, 0)
        if taken >= reward.monthly_limit:
            raise Conflict(
                _("You have reached this reward's limit of %(n)s per month.")
                % {"n": reward.monthly_limit}
            )
    account = person_points_account(person)
    if account.balance < reward.price:
        raise Conflict(
            _("%(price)s points are needed; the balance is %(balance)s.")
            % {"price": reward.price, "balance": int(account.balance)}
        )
    code = _new_code()
    freeze = post(
        actor=actor,
        kind="points.redeem.freeze",
        legs=[Leg(account, -reward.price), Leg(person_frozen_account(person), reward.price)],
        memo=f"兑换 {reward.name}"[:200],
        community_id=reward.community_id,
        idempotency_key=f"redeem:{code}",
    )
    reward.stock -= 1
    reward.save(update_fields=["stock"])
    redemption = Redemption.objects.create(
        reward=reward,
        community_id=reward.community_id,
        person=person,
        points=reward.price,
        code=code,
        freeze=freeze,
        created_by=actor,
    )
    RedemptionEvent.objects.create(redemption=redemption, to_status=Status.FROZEN, actor=actor)
    audit.record(actor, "redemption.create", redemption, person_id=person.pk, points=reward.price)
    return once.finish(redemption)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:12]


def _staff_or_partner(actor, redemption: Redemption) -> bool:
    return has_perm(actor, Perm.POINTS_MANAGE, redemption.community_id) or (
        redemption.reward.provider_user_id is not None
        and redemption.reward.provider_user_id == actor.pk
    )


@transaction.atomic
def redemption_fulfil(*, actor, code: str) -> Redemption:
    """Confirm pickup by the voucher code the resident shows (核销): the frozen points are spent."""
    redemption = (
        Redemption.objects.select_for_update()
        .select_related("reward", "person")
        .filter(code=normalise_code(code))
        .first()
    )
    if redemption is None or not _staff_or_partner(actor, redemption):
        raise NotFound(_("No redemption with this code is waiting here."))
    transition(redemption, actor, Status.FULFILLED, events=redemption.events)
    redemption.settlement = post(
        actor=actor,
        kind="points.redeem.fulfil",
        legs=[
            Leg(person_frozen_account(redemption.person), -redemption.points),
            Leg(redeemed_points_account(redemption.community_id), redemption.points),
        ],
        memo=f"核销 {redemption.reward.name}"[:200],
        community_id=redemption.community_id,
        idempotency_key=f"redeem:{redemption.code}:fulfil",
    )
    redemption.save(update_fields=["status", "settlement"])
    audit.record(actor, "redemption.fulfil", redemption, person_id=redemption.person_id)
    return redemption


@transaction.atomic
def redemption_cancel(*, actor, redemption_id: int, reason: str = "") -> Redemption:
    """Cancel before pickup: the points go back to the person, the voucher back to stock.

    The resident may cancel their own; the station or the partner must give a reason."""
    redemption = (
        Redemption.objects.select_for_update()
        .select_related("reward", "person")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None:
        raise NotFound(_("Not found."))
    is_self = getattr(actor, "person_id", None) == redemption.person_id
    if not (is_self or _staff_or_partner(actor, redemption)):
        raise NotFound(_("Not found."))
    reason = (reason or "").strip()[:200]
    if not is_self and not reason:
        raise ValidationFailed(
            _("Please give the reason for cancelling."),
            fields={"reason": [_("Please give the reason for cancelling.")]},
        )
    transition(
        redemption,
        actor,
        Status.CANCELLED,
        events=redemption.events,
        note=reason or _("Cancelled by the resident"),
    )
    reward = Reward.objects.select_for_update().get(pk=redemption.reward_id)
    redemption.settlement = post(
        actor=actor,
        kind="points.redeem.cancel",
        legs=[
            Leg(person_frozen_account(redemption.person), -redemption.points),
            Leg(person_points_account(redemption.person), redemption.points),
        ],
        memo=f"取消兑换 {reward.name}"[:200],
        community_id=redemption.community_id,
        idempotency_key=f"redeem:{redemption.code}:cancel",
    )
    reward.stock += 1
    reward.save(update_fields=["stock"])
    redemption.save(update_fields=["status", "settlement"])
    audit.record(actor, "redemption.cancel", redemption, person_id=redemption.person_id)
    return redemption
