"""Points donation (捐积分) and the community points pool (积分池).

A resident gives points to another resident (found by their mobile number, or chosen by the
station), to a needy household (credited to its head), or to a community's pool; the station
grants points from the pool to residents in need. The pool's inflows and grants are public per
community, without personal data (``selectors.pool_summary``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core import audit, idempotency
from linli.core.errors import Conflict, NotFound, ValidationFailed
from linli.core.privacy import keyed_hash, mobile_errors, normalise_mobile
from linli.core.scoping import has_perm, require
from linli.ledger.services import Leg, post
from linli.people.models import Household, Person
from linli.people.selectors import in_need_q
from linli.places.models import Community
from linli.points.mall import acting_person
from linli.points.models import GrantPurpose, PointsDonation, PoolGrant
from linli.points.services import person_points_account, pool_points_account

MAX_GIFT = 100000


def _points_errors(points) -> dict[str, list[str]]:
    if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= MAX_GIFT:
        return {"points": [_("Give a whole number of points from 1 to 100000.")]}
    return {}


def is_in_need(person: Person) -> bool:
    """Carries a vulnerability tag today, or is 80 or older (高龄)."""
    return Person.objects.filter(in_need_q(timezone.localdate()), pk=person.pk).exists()


def household_in_need(household: Household) -> bool:
    """Someone in the household is in need."""
    return Person.objects.filter(in_need_q(timezone.localdate()), household=household).exists()


def _recipient_by_mobile(mobile: str, *, community_id: int) -> Person:
    """The resident of the giver's own community with this mobile number. Looked up only after the
    giver's balance is known to cover the gift, and never in other communities, so that the answer
    cannot be used to test whether a number is registered somewhere."""
    mobile = normalise_mobile(mobile or "")
    if mobile_errors(mobile):
        raise ValidationFailed(
            _("Please correct the errors below."),
            fields={"recipient_mobile": [_("Enter the recipient's 11-digit mobile number.")]},
        )
    matches = list(
        Person.objects.filter(
            community_id=community_id, mobile_hash=keyed_hash(mobile), is_anonymised=False
        )[:2]
    )
    if not matches:
        raise ValidationFailed(
            _("Please correct the errors below."),
            fields={"recipient_mobile": [_("No resident with this mobile number is registered.")]},
        )
    if len(matches) > 1:
        raise Conflict(
            _("Several residents share this number; please ask the station to make the gift.")
        )
    return matches[0]


@transaction.atomic
def points_donate(
    *,
    actor,
    points: int,
    to: str,
    giver_id: int | None = None,
    community_id: int | None = None,
    recipient_id: int | None = None,
    recipient_mobile: str = "",
    household_id: int | None = None,
    message: str = "",
    idempotency_key: str | None = None,
) -> PointsDonation:
    """Give points (捐积分) ``to`` "pool" (a community's), "person" or "household".

    The giver is the actor's own resident record, or a resident the station acts for. A resident
    finds a recipient by mobile number; the station may choose a resident or household of its
    community by id. With ``idempotency_key``, a repeat returns the first gift."""
    giver = acting_person(actor, giver_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="points.donate",
        content={
            "giver_id": giver.pk,
            "points": points,
            "to": to,
            "community_id": community_id,
            "recipient_id": recipient_id,
            "recipient_mobile": recipient_mobile,
            "household_id": household_id,
            "message": message,
        },
    )
    if once.replayed is not None:
        return once.replayed
    errors = _points_errors(points)
    if to not in ("pool", "person", "household"):
        errors["to"] = [_("Choose the pool, a person or a household.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    account = person_points_account(giver)
    if account.balance < points:
        raise Conflict(
            _("Only %(balance)s points are available to give.") % {"balance": int(account.balance)}
        )
    recipient, household = None, None
    if to == "pool":
        community = Community.objects.filter(pk=community_id or giver.community_id).first()
        if community is None:
            raise NotFound(_("Not found."))
        target_community_id = community.pk
    elif to == "person":
        if recipient_id is not None:
            recipient = Person.objects.filter(pk=recipient_id).first()
            if recipient is None or not has_perm(actor, Perm.POINTS_MANAGE, recipient.community_id):
                raise NotFound(_("Not found."))
        else:
            recipient = _recipient_by_mobile(recipient_mobile, community_id=giver.community_id)
        target_community_id = giver.community_id
    else:
        household = Household.objects.select_related("head").filter(pk=household_id).first()
        if household is None or not has_perm(actor, Perm.POINTS_MANAGE, household.community_id):
            raise NotFound(_("Not found."))
        if household.head_id is None:
            raise Conflict(_("This household has no head to receive the points."))
        if not household_in_need(household):
            raise Conflict(_("Gifts to households go to households in need (with a tag)."))
        recipient = household.head
        target_community_id = giver.community_id
    if recipient is not None and recipient.pk == giver.pk:
        raise ValidationFailed(
            _("Please correct the errors below."),
            fields={"recipient_id": [_("You cannot give points to yourself.")]},
        )
    destination = (
        pool_points_account(target_community_id)
        if recipient is None
        else person_points_account(recipient)
    )
    tx = post(
        actor=actor,
        kind="points.donation",
        legs=[Leg(account, -points), Leg(destination, points)],
        memo=("捐入积分池" if recipient is None else "捐积分")[:200],
        community_id=target_community_id,
        idempotency_key=once.ledger_key,
    )
    donation = PointsDonation.objects.create(
        giver=giver,
        recipient=recipient,
        household=household,
        community_id=target_community_id,
        to_pool=recipient is None,
        points=points,
        message=(message or "").strip()[:200],
        transaction=tx,
        created_by=actor,
    )
    audit.record(
        actor,
        "points.donate",
        donation,
        person_id=giver.pk,
        points=points,
        to=to,
        recipient_id=recipient.pk if recipient else None,
    )
    return once.finish(donation)


@transaction.atomic
def pool_grant(
    *,
    actor,
    community_id: int,
    recipient_id: int,
    points: int,
    purpose: str,
    note: str = "",
    idempotency_key: str | None = None,
) -> PoolGrant:
    """Grant points from the community's pool to a resident in need (积分池发放). With
    ``idempotency_key``, a repeat returns the first grant."""
    require(actor, Perm.POINTS_MANAGE, community_id)
    once = idempotency.claim(
        actor=actor,
        key=idempotency_key,
        action="points.pool_grant",
        content={
            "community_id": community_id,
            "recipient_id": recipient_id,
            "points": points,
            "purpose": purpose,
            "note": note,
        },
    )
    if once.replayed is not None:
        return once.replayed
    recipient = Person.objects.filter(pk=recipient_id, community_id=community_id).first()
    if recipient is None:
        raise NotFound(_("Not found."))
    errors = _points_errors(points)
    if purpose not in GrantPurpose.values:
        errors["purpose"] = [_("Choose what the grant is for.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    if not (
        is_in_need(recipient) or (recipient.household and household_in_need(recipient.household))
    ):
        raise Conflict(_("Pool points go to residents in need (with a vulnerability tag or 80+)."))
    pool = pool_points_account(community_id)
    if pool.balance < points:
        raise Conflict(
            _("The pool holds only %(balance)s points.") % {"balance": int(pool.balance)}
        )
    tx = post(
        actor=actor,
        kind="points.pool.grant",
        legs=[Leg(pool, -points), Leg(person_points_account(recipient), points)],
        memo="积分池发放",
        community_id=community_id,
        idempotency_key=once.ledger_key,
    )
    grant = PoolGrant.objects.create(
        community_id=community_id,
        recipient=recipient,
        household=recipient.household,
        points=points,
        purpose=purpose,
        note=(note or "").strip()[:200],
        transaction=tx,
        granted_by=actor,
    )
    audit.record(actor, "points.pool_grant", grant, person_id=recipient.pk, points=points)
    return once.finish(grant)
