"""The four orders (四单) as one state machine: each transition is one function here, allowed only
to its role, stamped in a ``ServiceOrderEvent`` and written to the audit trail.

Who may do what (anyone else who can see the order gets a clear 403; anyone who cannot, a 404):

=============  =========================================================================
create         the resident for themself (phone page), or a worker for any resident
dispatch       the station (station admin, social worker): to one volunteer or one team
accept/decline the dispatched volunteer, the dispatched team's leader (naming who serves), or a
               worker who reached them by phone
check in/out   the serving volunteer, their team leader, or a worker on their behalf (photos
               at check-out, or sent after it until the review: ``order_photos_add``)
rate           the resident, or a worker writing down what the resident said
team account   the serving volunteer, their team leader, or a worker writing down what they said
review         the station: completes the evaluation and credits the volunteer's points
close          the station
cancel         a worker before the service is done; the resident while nobody has accepted
=============  =========================================================================
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from linli.accounts.roles import Perm
from linli.core import audit
from linli.core.dates import PLAN_AHEAD, service_date_problem
from linli.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from linli.core.scoping import get_in_scope, has_perm, require
from linli.core.uploads import image_clean, image_save
from linli.core.workflow import transition, transition_check
from linli.orders.models import Category, Need, ServiceOrder, ServiceOrderPhoto, Urgency
from linli.orders.services.needs import choice_clean, need_move, raise_if, text_clean
from linli.people.models import Person
from linli.volunteers import hours as volunteer_hours
from linli.volunteers.models import Team, TeamMembership, Volunteer
from linli.volunteers.selectors import teams_led_by

Status = ServiceOrder.Status

# A resident may have this many orders open at once (a runaway phone is not a flood of orders).
MAX_OPEN_PER_RESIDENT = 5
MAX_PHOTOS = 5
# How long the station has to dispatch, and a volunteer to accept, by urgency.
DISPATCH_WITHIN = {Urgency.EMERGENCY: datetime.timedelta(hours=2)}
DISPATCH_WITHIN_DEFAULT = datetime.timedelta(hours=24)
ACCEPT_WITHIN = {
    Urgency.EMERGENCY: datetime.timedelta(hours=1),
    Urgency.WITHIN_48H: datetime.timedelta(hours=4),
    Urgency.THIS_WEEK: datetime.timedelta(hours=24),
    Urgency.FLEXIBLE: datetime.timedelta(hours=48),
}


@dataclass(frozen=True)
class Relation:
    """How the acting user stands to one order."""

    manager: bool  # the station: ORDERS_MANAGE in the order's community
    viewer: bool
    resident: bool  # the resident served
    volunteer: bool  # the volunteer it is dispatched to / served by
    leader: bool  # the leader of the team it is dispatched to

    @property
    def server(self) -> bool:
        return self.volunteer or self.leader


def relation(actor, order: ServiceOrder, *, teams_led: frozenset[int] | None = None) -> Relation:
    """How ``actor`` stands to ``order``. List pages pass ``teams_led`` (``teams_led_by``) and
    load ``order.volunteer`` with the list, so this costs no query per order."""
    person_id = getattr(actor, "person_id", None)
    volunteer = order.volunteer if order.volunteer_id else None
    if teams_led is None:
        teams_led = teams_led_by(actor)
    return Relation(
        manager=has_perm(actor, Perm.ORDERS_MANAGE, order.community_id),
        viewer=has_perm(actor, Perm.ORDERS_VIEW, order.community_id),
        resident=person_id is not None and person_id == order.person_id,
        volunteer=volunteer is not None and volunteer.user_id == actor.pk,
        leader=order.team_id is not None and order.team_id in teams_led,
    )


def _locked(actor, order_id: int) -> tuple[ServiceOrder, Relation]:
    return _visible(actor, ServiceOrder.objects.select_for_update().filter(pk=order_id).first())


def _unlocked(actor, order_id: int) -> tuple[ServiceOrder, Relation]:
    """The order and the actor's relation read without a lock or a transaction: for the cheap
    checks before an upload is decoded. Check again under ``_locked``."""
    return _visible(actor, ServiceOrder.objects.filter(pk=order_id).first())


def _visible(actor, order: ServiceOrder | None) -> tuple[ServiceOrder, Relation]:
    if order is None:
        raise NotFound(_("Not found."))
    rel = relation(actor, order)
    if not (rel.manager or rel.viewer or rel.resident or rel.server):
        raise NotFound(_("Not found."))
    return order, rel


# Who may take each step; whether the order's state allows it is the transition table's business.
# The services check these, and the pages offer exactly the steps ``allowed_actions`` returns.
MAY = {
    "dispatch": lambda rel, order: rel.manager,
    "accept": lambda rel, order: rel.server or rel.manager,
    "decline": lambda rel, order: rel.server or rel.manager,
    "check_in": lambda rel, order: rel.server or rel.manager,
    "check_out": lambda rel, order: rel.server or rel.manager,
    "rate": lambda rel, order: rel.resident or rel.manager,
    "team_account": lambda rel, order: rel.server or rel.manager,
    "review": lambda rel, order: rel.manager,
    "close": lambda rel, order: rel.manager,
    "cancel": lambda rel, order: (
        rel.manager or (rel.resident and order.status in (Status.ORDERED, Status.DISPATCHED))
    ),
}
# The state each step moves to (the evaluation parts are written while the order is done).
TARGET = {
    "dispatch": Status.DISPATCHED,
    "accept": Status.ACCEPTED,
    "decline": Status.ORDERED,
    "check_in": Status.IN_SERVICE,
    "check_out": Status.DONE,
    "review": Status.EVALUATED,
    "close": Status.CLOSED,
    "cancel": Status.CANCELLED,
}


def allowed_actions(order: ServiceOrder, rel: Relation) -> frozenset[str]:
    """The steps the user may take on the order now (what the pages offer)."""
    return frozenset(
        action
        for action, may in MAY.items()
        if may(rel, order)
        and (
            order.status == Status.DONE
            if action not in TARGET
            else TARGET[action] in ServiceOrder.TRANSITIONS.get(order.status, set())
        )
    )


def _may(action: str, rel: Relation, order: ServiceOrder, message: str) -> None:
    if not MAY[action](rel, order):
        raise PermissionDenied(message)


def _move(order: ServiceOrder, actor, to: str, *, note: str = "", fields=()) -> None:
    transition(order, actor, to, events=order.events, note=note[:200])
    order.save(update_fields=["status", *fields])


@transaction.atomic
def order_create(
    *,
    actor,
    person_id: int,
    category: str,
    urgency: str,
    description: str,
    wanted_at: datetime.datetime | None = None,
    need_id: int | None = None,
) -> ServiceOrder:
    """群众点单: the resident orders for themself, or a worker for them (from a need or not)."""
    own = getattr(actor, "person_id", None) == person_id
    if own and need_id is None:
        person = Person.objects.filter(pk=person_id).first()
        channel = ServiceOrder.Channel.RESIDENT
    else:
        person = get_in_scope(Person.objects.all(), actor, Perm.REGISTRY_VIEW, pk=person_id)
        require(actor, Perm.ORDERS_MANAGE, person.community_id)
        channel = ServiceOrder.Channel.NEED if need_id else ServiceOrder.Channel.WORKER
    errors: dict[str, list[str]] = {}
    need = None
    if need_id is not None:
        need = Need.objects.select_for_update().filter(pk=need_id).first()
        if need is None or need.community_id != person.community_id:
            raise NotFound(_("Not found."))
        if need.status not in (Need.Status.OPEN, Need.Status.BEING_MET):
            errors["need_id"] = [_("This need is no longer open.")]
    choice_clean(errors, "category", category, Category)
    choice_clean(errors, "urgency", urgency, Urgency)
    description = text_clean(errors, "description", description, 300)
    if wanted_at is not None and wanted_at < timezone.now() - datetime.timedelta(hours=1):
        errors["wanted_at"] = [_("The time wanted has already passed.")]
    elif problem := service_date_problem(wanted_at, ahead=PLAN_AHEAD):
        errors["wanted_at"] = [problem]
    if (
        channel == ServiceOrder.Channel.RESIDENT
        and ServiceOrder.objects.filter(person=person, status__in=ServiceOrder.OPEN_STATES).count()
        >= MAX_OPEN_PER_RESIDENT
    ):
        errors["description"] = [
            _("You already have %(n)d services waiting. Please call the station.")
            % {"n": MAX_OPEN_PER_RESIDENT}
        ]
    raise_if(errors)
    order = ServiceOrder.objects.create(
        community_id=person.community_id,
        person=person,
        need=need,
        channel=channel,
        category=category,
        urgency=urgency,
        description=description,
        wanted_at=wanted_at,
        created_by=actor,
    )
    order.events.create(to_status=order.status, actor=actor)
    if need is not None:
        need_move(need, actor, Need.Status.BEING_MET)
    audit.record(actor, "order.create", order, person_id=person.pk, channel=channel)
    return order


@transaction.atomic
def order_dispatch(
    *,
    actor,
    order_id: int,
    volunteer_id: int | None = None,
    team_id: int | None = None,
    due_at: datetime.datetime | None = None,
    note: str = "",
) -> ServiceOrder:
    """站点派单: the station gives the order to one volunteer or one team, to accept by ``due_at``
    (default: by urgency, an hour for an emergency up to two days when flexible)."""
    order, rel = _locked(actor, order_id)
    _may("dispatch", rel, order, _("Only the station dispatches service orders."))
    errors: dict[str, list[str]] = {}
    volunteer = team = None
    if (volunteer_id is None) == (team_id is None):
        errors["volunteer_id"] = [_("Choose one volunteer or one team.")]
    elif volunteer_id is not None:
        volunteer = Volunteer.objects.filter(
            pk=volunteer_id, community_id=order.community_id
        ).first()
        if volunteer is None or volunteer.status != Volunteer.Status.ACTIVE:
            errors["volunteer_id"] = [_("Choose an active volunteer of this community.")]
    else:
        team = Team.objects.filter(pk=team_id, community_id=order.community_id).first()
        if team is None or not team.is_active:
            errors["team_id"] = [_("Choose an active team of this community.")]
    now = timezone.now()
    if due_at is None:
        due_at = now + ACCEPT_WITHIN[order.urgency]
    elif due_at <= now:
        errors["due_at"] = [_("The time to accept by must be in the future.")]
    note = text_clean(errors, "note", note, 200, required=False)
    raise_if(errors)
    order.volunteer, order.team, order.due_at, order.dispatched_at = volunteer, team, due_at, now
    _move(
        order,
        actor,
        Status.DISPATCHED,
        note=note,
        fields=["volunteer", "team", "due_at", "dispatched_at"],
    )
    audit.record(actor, "order.dispatch", order, volunteer_id=volunteer_id, team_id=team_id)
    return order


@transaction.atomic
def order_accept(*, actor, order_id: int, volunteer_id: int | None = None) -> ServiceOrder:
    """团队接单: the volunteer accepts, or the team's leader accepts and names who serves (the
    station may record either when the volunteer agreed by phone)."""
    order, rel = _locked(actor, order_id)
    _may(
        "accept",
        rel,
        order,
        _("Only the volunteer or team the order was dispatched to accepts it."),
    )
    if order.team_id is not None:
        member = TeamMembership.objects.filter(
            team_id=order.team_id,
            volunteer_id=volunteer_id,
            status=TeamMembership.Status.APPROVED,
            volunteer__status=Volunteer.Status.ACTIVE,
        ).first()
        if member is None:
            raise ValidationFailed(
                _("Name an active member of the team to serve."),
                fields={"volunteer_id": [_("Name an active member of the team to serve.")]},
            )
        order.volunteer_id = member.volunteer_id
    order.accepted_at = timezone.now()
    _move(order, actor, Status.ACCEPTED, fields=["volunteer", "accepted_at"])
    audit.record(actor, "order.accept", order, volunteer_id=order.volunteer_id)
    return order


@transaction.atomic
def order_decline(*, actor, order_id: int, reason: str) -> ServiceOrder:
    """The volunteer or team cannot take it: back to the station, with the reason, to dispatch
    again."""
    order, rel = _locked(actor, order_id)
    _may(
        "decline",
        rel,
        order,
        _("Only the volunteer or team the order was dispatched to declines it."),
    )
    errors: dict[str, list[str]] = {}
    reason = text_clean(errors, "reason", reason, 200)
    raise_if(errors)
    declined = {"volunteer_id": order.volunteer_id, "team_id": order.team_id}
    order.volunteer = order.team = order.due_at = order.dispatched_at = None
    _move(
        order,
        actor,
        Status.ORDERED,
        note=reason,
        fields=["volunteer", "team", "due_at", "dispatched_at"],
    )
    audit.record(actor, "order.decline", order, reason=reason, **declined)
    return order


SERVING_ONLY = _lazy("Only the serving volunteer, their team leader or the station records this.")


@transaction.atomic
def order_check_in(*, actor, order_id: int) -> ServiceOrder:
    """Arrived at the resident's (签到)."""
    order, rel = _locked(actor, order_id)
    _may("check_in", rel, order, str(SERVING_ONLY))
    order.checked_in_at = timezone.now()
    _move(order, actor, Status.IN_SERVICE, fields=["checked_in_at"])
    audit.record(actor, "order.check_in", order)
    return order


def order_check_out(*, actor, order_id: int, notes: str = "", photos=()) -> ServiceOrder:
    """Done (签退): what was done, and up to five photos. The photos are decoded before the
    write transaction opens (docs/security.md), once the cheap checks have passed."""
    order, rel = _unlocked(actor, order_id)
    _may("check_out", rel, order, str(SERVING_ONLY))
    transition_check(order, Status.DONE)
    errors: dict[str, list[str]] = {}
    notes = text_clean(errors, "notes", notes, 500, required=False)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("At most %(n)d photos.") % {"n": MAX_PHOTOS}]
    raise_if(errors)
    images = _photos_clean(photos)  # every one, before any is kept
    with transaction.atomic():
        order, rel = _locked(actor, order_id)  # the state is only reliable under the lock
        _may("check_out", rel, order, str(SERVING_ONLY))
        order.checked_out_at = timezone.now()
        order.service_notes = notes
        _move(order, actor, Status.DONE, fields=["checked_out_at", "service_notes"])
        _photos_store(order, actor, images)
        audit.record(actor, "order.check_out", order, photos=len(photos))
    return order


def order_photos_add(*, actor, order_id: int, photos=()) -> list[ServiceOrderPhoto]:
    """Photos of a done service sent after the check-out (a phone client sends one file a
    request): by those who check out, before the station's review, up to five in all. The
    photos are decoded before the write transaction opens, once the cheap checks have passed."""
    photos = list(photos)
    order, rel = _unlocked(actor, order_id)
    _photos_addable(order, rel, photos)
    images = _photos_clean(photos)
    with transaction.atomic():
        order, rel = _locked(actor, order_id)  # the state and the count again, under the lock
        _photos_addable(order, rel, photos)
        stored = _photos_store(order, actor, images)
        audit.record(actor, "order.photos_add", order, photos=len(stored))
    return stored


def _photos_addable(order: ServiceOrder, rel: Relation, photos: list) -> None:
    _may("check_out", rel, order, str(SERVING_ONLY))
    if order.status != Status.DONE:
        raise Conflict(_("Photos are added once the service is done and before it is reviewed."))
    if not photos:
        raise ValidationFailed(_("Attach a photo."), fields={"photos": [_("Attach a photo.")]})
    if order.photos.count() + len(photos) > MAX_PHOTOS:
        message = _("At most %(n)d photos.") % {"n": MAX_PHOTOS}
        raise ValidationFailed(message, fields={"photos": [message]})


def _photos_clean(photos: list) -> list:
    """Check and re-encode every photo (nothing stored yet); among several, a refusal names the
    photo by its place and its uploaded name."""
    if len(photos) == 1:
        return [image_clean(photos[0], "photos")]
    return [image_clean(p, "photos", index=n) for n, p in enumerate(photos, start=1)]


def _photos_store(order: ServiceOrder, actor, images) -> list[ServiceOrderPhoto]:
    """Store checked photos (re-encoded, random names, thumbnails): the last step of a service."""
    stored = []
    for image in images:
        photo = ServiceOrderPhoto(order=order, uploaded_by=actor)
        image_save(photo.image, image)
        photo.save()
        stored.append(photo)
    return stored


@transaction.atomic
def order_rate(*, actor, order_id: int, rating: int, words: str = "") -> ServiceOrder:
    """The resident's part of 联合评单: stars and words (a worker may write down what they said)."""
    order, rel = _locked(actor, order_id)
    _may("rate", rel, order, _("Only the resident, or the station for them, rates the service."))
    _evaluating(order)
    errors: dict[str, list[str]] = {}
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("Give one to five stars.")]
    words = text_clean(errors, "words", words, 300, required=False)
    raise_if(errors)
    order.resident_rating, order.resident_words = rating, words
    order.resident_rated_at = timezone.now()
    order.save(update_fields=["resident_rating", "resident_words", "resident_rated_at"])
    audit.record(actor, "order.rate", order, rating=rating)
    return order


@transaction.atomic
def order_team_account(*, actor, order_id: int, account: str) -> ServiceOrder:
    """The team's part of 联合评单: their own account of the service."""
    order, rel = _locked(actor, order_id)
    _may(
        "team_account",
        rel,
        order,
        _("Only the serving volunteer or their team leader gives the team's account."),
    )
    _evaluating(order)
    errors: dict[str, list[str]] = {}
    account = text_clean(errors, "account", account, 500)
    raise_if(errors)
    order.team_account, order.team_account_at = account, timezone.now()
    order.save(update_fields=["team_account", "team_account_at"])
    audit.record(actor, "order.team_account", order)
    return order


def _evaluating(order: ServiceOrder) -> None:
    if order.status != Status.DONE:
        raise Conflict(_("A service is evaluated once it is done and before it is reviewed."))


def measured_hours(order: ServiceOrder) -> Decimal:
    """Check-in to check-out in quarter hours, at least a quarter and at most 12 hours."""
    if order.checked_in_at is None or order.checked_out_at is None:
        return Decimal("0")
    seconds = (order.checked_out_at - order.checked_in_at).total_seconds()
    quarters = (Decimal(seconds) / Decimal(900)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return min(max(quarters, Decimal(1)), Decimal(48)) / 4


@transaction.atomic
def order_review(
    *, actor, order_id: int, review: str, hours: Decimal | None = None
) -> ServiceOrder:
    """The station's part of 联合评单, which completes the evaluation: the volunteer's hours are
    recorded and verified, and their points credited through the ledger by the per-hour earning
    rule — exactly once per order."""
    order, rel = _locked(actor, order_id)
    _may("review", rel, order, _("Only the station reviews a service."))
    _evaluating(order)
    errors: dict[str, list[str]] = {}
    review = text_clean(errors, "review", review, 500)
    if order.resident_rating is None:
        errors["review"] = [
            _("The resident's rating comes first (write it down for them if need be).")
        ]
    hours = measured_hours(order) if hours is None else Decimal(hours)
    if not Decimal("0") <= hours <= Decimal("12") or (hours * 4) % 1 != 0:
        errors["hours"] = [_("Hours are 0 to 12, in quarter hours.")]
    volunteer = order.volunteer
    if volunteer.user_id is not None and volunteer.user_id == actor.pk:
        errors["review"] = [_("Nobody reviews a service they gave.")]
    raise_if(errors)
    order.station_review, order.reviewed_at = review, timezone.now()
    if hours > 0:
        served = timezone.localdate(order.checked_out_at or timezone.now())
        team_id = order.team_id
        if (
            team_id
            and not TeamMembership.objects.filter(
                team_id=team_id, volunteer=volunteer, status=TeamMembership.Status.APPROVED
            ).exists()
        ):
            team_id = None
        record = volunteer_hours.service_record_submit(
            actor=actor,
            volunteer_id=volunteer.pk,
            served_on=served,
            hours=hours,
            description=f"{order.get_category_display()} · #{order.pk}"[:200],
            team_id=team_id,
        )
        order.service_record = volunteer_hours.service_record_verify(
            actor=actor, record_id=record.pk
        )
    _move(
        order,
        actor,
        Status.EVALUATED,
        fields=["station_review", "reviewed_at", "service_record"],
    )
    audit.record(actor, "order.review", order, hours=str(hours))
    return order


@transaction.atomic
def order_close(*, actor, order_id: int) -> ServiceOrder:
    """Close an evaluated order; its need is met once no other order for it is under way."""
    order, rel = _locked(actor, order_id)
    _may("close", rel, order, _("Only the station closes a service order."))
    _move(order, actor, Status.CLOSED)
    _settle_need(order, actor, Need.Status.MET)
    audit.record(actor, "order.close", order)
    return order


@transaction.atomic
def order_cancel(*, actor, order_id: int, reason: str) -> ServiceOrder:
    """Cancel before the service is done, with a reason."""
    order, rel = _locked(actor, order_id)
    _may(
        "cancel",
        rel,
        order,
        _("Only the station, or the resident before anyone has accepted, cancels an order."),
    )
    errors: dict[str, list[str]] = {}
    reason = text_clean(errors, "reason", reason, 200)
    raise_if(errors)
    order.cancel_reason = reason
    _move(order, actor, Status.CANCELLED, note=reason, fields=["cancel_reason"])
    _settle_need(order, actor, Need.Status.OPEN)
    audit.record(actor, "order.cancel", order, reason=reason)
    return order


def _settle_need(order: ServiceOrder, actor, status: str) -> None:
    if order.need_id is None:
        return
    need = Need.objects.select_for_update().get(pk=order.need_id)
    still_serving = (
        need.orders.exclude(pk=order.pk)
        .exclude(status__in=[Status.CANCELLED, Status.CLOSED])
        .exists()
    )
    if need.status == Need.Status.BEING_MET and not still_serving:
        need_move(need, actor, status)
