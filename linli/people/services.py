"""Writes to the resident registry. Each function checks the actor's role, validates, runs in one
transaction and leaves an audit event. Errors are ``core.errors`` domain errors."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from linli.accounts.models import User
from linli.accounts.roles import Perm, Role
from linli.core import audit
from linli.core.dates import birth_date_problem, service_date_problem
from linli.core.errors import Conflict, RateLimited, ValidationFailed
from linli.core.models import AuditEvent, Notification
from linli.core.notifications import notify
from linli.core.privacy import (
    birth_date_from_id,
    id_number_errors,
    keyed_hash,
    mask_id_number,
    mask_mobile,
    mobile_errors,
    normalise_id_number,
    normalise_mobile,
)
from linli.core.scoping import get_in_scope, require
from linli.people.models import (
    CHILD_AGE_YEARS,
    Consent,
    Gender,
    Household,
    Person,
    PersonTag,
    Tag,
)
from linli.places.models import Compound

PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "mobile",
    "compound_id",
    "address",
    "household_id",
    "relation_to_head",
    "guardian_id",
    "notes",
)
SENSITIVE_FIELDS = {"id_number", "mobile", "notes"}


def name_initials(name: str) -> str:
    """Pinyin initials for search: 张三丰 → ``zsf``."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()[:50]


def _age_on(birth_date: datetime.date, today: datetime.date) -> int:
    years = today.year - birth_date.year
    return years - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _validate_and_apply(person: Person, changes: dict[str, Any]) -> list[str]:
    """Apply ``changes`` to ``person`` after checking every rule; raise with all field errors."""
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("Unknown fields."), fields={f: [_("This field cannot be set.")] for f in unknown}
        )
    data = {f: changes[f] for f in PERSON_FIELDS if f in changes}

    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors.setdefault("name", []).append(_("Please enter the name."))
        elif len(data["name"]) > 50:
            errors.setdefault("name", []).append(_("A name has at most 50 characters."))
    if "gender" in data and data["gender"] not in Gender.values:
        errors.setdefault("gender", []).append(_("Please choose male, female or unknown."))
    for text_field, limit in (("address", 100), ("relation_to_head", 20)):
        if text_field in data:
            data[text_field] = (data[text_field] or "").strip()
            if len(data[text_field]) > limit:
                errors.setdefault(text_field, []).append(
                    _("At most %(n)d characters.") % {"n": limit}
                )
    if "notes" in data:
        data["notes"] = data["notes"] or ""

    birth_date = data.get("birth_date", person.birth_date)
    if problem := birth_date_problem(birth_date):
        errors.setdefault("birth_date", []).append(problem)

    if "id_number" in data:
        data["id_number"] = normalise_id_number(data["id_number"])
        if data["id_number"]:
            problems = id_number_errors(data["id_number"], birth_date=birth_date)
            if problems:
                errors.setdefault("id_number", []).extend(problems)
            else:
                if not birth_date:
                    data["birth_date"] = birth_date = birth_date_from_id(data["id_number"])
                clash = Person.objects.filter(
                    community_id=person.community_id,
                    id_number_hash=keyed_hash(data["id_number"]),
                ).exclude(pk=person.pk)
                if clash.exists():
                    errors.setdefault("id_number", []).append(
                        _("A resident with this ID number is already registered here.")
                    )
    elif "birth_date" in data and person.id_number and birth_date:
        problems = id_number_errors(person.id_number, birth_date=birth_date)
        if problems:
            errors.setdefault("birth_date", []).extend(problems)

    if "mobile" in data:
        data["mobile"] = normalise_mobile(data["mobile"])
        if data["mobile"]:
            errors_mobile = mobile_errors(data["mobile"])
            if errors_mobile:
                errors.setdefault("mobile", []).extend(errors_mobile)

    if (
        data.get("compound_id") is not None
        and not Compound.objects.filter(
            pk=data["compound_id"], community_id=person.community_id
        ).exists()
    ):
        errors.setdefault("compound_id", []).append(_("Choose a compound of this community."))
    if (
        data.get("household_id") is not None
        and not Household.objects.filter(
            pk=data["household_id"], community_id=person.community_id
        ).exists()
    ):
        errors.setdefault("household_id", []).append(_("Choose a household of this community."))
    if data.get("guardian_id") is not None:
        if person.pk and data["guardian_id"] == person.pk:
            errors.setdefault("guardian_id", []).append(_("A person cannot be their own guardian."))
        elif not Person.objects.filter(
            pk=data["guardian_id"], community_id=person.community_id
        ).exists():
            errors.setdefault("guardian_id", []).append(_("Choose a resident of this community."))

    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)

    changed = []
    for field, value in data.items():
        if field == "id_number":
            if value != person.id_number:
                person.id_number = value
                person.id_number_hash = keyed_hash(value) if value else ""
                person.id_number_masked = mask_id_number(value)
                changed.append(field)
        elif field == "mobile":
            if value != person.mobile:
                person.mobile = value
                person.mobile_hash = keyed_hash(value) if value else ""
                person.mobile_masked = mask_mobile(value)
                changed.append(field)
        elif getattr(person, field) != value:
            setattr(person, field, value)
            changed.append(field)
    if "name" in changed:
        person.name_initials = name_initials(person.name)
    return changed


@transaction.atomic
def person_create(*, actor, community_id: int, **fields: Any) -> Person:
    """Register a resident (登记居民) in a community."""
    require(actor, Perm.REGISTRY_EDIT, community_id)
    fields.setdefault("gender", Gender.UNKNOWN)
    person = Person(community_id=community_id, created_by=actor)
    if "name" not in fields:
        fields["name"] = ""
    _validate_and_apply(person, fields)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        raise Conflict(_("A resident with this ID number is already registered here.")) from exc
    audit.record(actor, "person.create", person)
    return person


@transaction.atomic
def person_update(*, actor, person_id: int, **changes: Any) -> Person:
    """Change a resident's profile; sensitive fields are named in the audit, never their values."""
    person = get_in_scope(
        Person.objects.select_for_update(), actor, Perm.REGISTRY_VIEW, pk=person_id
    )
    require(actor, Perm.REGISTRY_EDIT, person.community_id)
    changed = _validate_and_apply(person, changes)
    if changed:
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError as exc:
            raise Conflict(_("A resident with this ID number is already registered here.")) from exc
        audit.record(actor, "person.update", person, fields=sorted(changed))
    return person


REVEAL_WINDOW = datetime.timedelta(hours=1)


def person_reveal(*, actor, person_id: int, field: str) -> str:
    """Show a full ID or mobile number (查看完整信息).

    Needs station_admin or social_worker in the person's community; always audited. At most
    ``LINLI_REVEAL_LIMIT`` reveals per user in the last hour (counted from the audit trail, so it
    holds across app processes); past it ``RateLimited`` (429), and the station admins of the
    person's community hear of it once per window."""
    if field not in ("id_number", "mobile"):
        raise ValidationFailed(_("Only the ID number or the mobile number can be revealed."))
    with transaction.atomic():
        person = get_in_scope(Person.objects.all(), actor, Perm.REGISTRY_VIEW, pk=person_id)
        require(actor, Perm.REGISTRY_REVEAL, person.community_id)
        # One reveal at a time per user, so two processes cannot both take the last one.
        list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
        since = timezone.now() - REVEAL_WINDOW
        used = AuditEvent.objects.filter(
            actor=actor, verb="person.reveal", created_at__gte=since
        ).count()
        if used < settings.LINLI_REVEAL_LIMIT:
            audit.record(actor, "person.reveal", person, field=field)
            return getattr(person, field)
    _reveal_limit_reached(actor, person, field)
    raise RateLimited(
        _(
            "You have shown %(limit)s full numbers in the last hour, the most allowed. "
            "Try again later; your station administrator has been told."
        )
        % {"limit": settings.LINLI_REVEAL_LIMIT}
    )


@transaction.atomic
def _reveal_limit_reached(actor, person: Person, field: str) -> None:
    """Audit the refused reveal; tell the community's station admins once per window (and the
    street's administrators when the one over the limit is a station admin, or no one else is)."""
    audit.record(actor, "person.reveal_limited", person, field=field)
    now = timezone.now()
    key_prefix = f"reveal-limit:{actor.pk}:"
    already = Notification.objects.filter(
        key__startswith=key_prefix, created_at__gte=now - REVEAL_WINDOW
    ).exists()
    if already:
        return
    station_admins = set(
        User.objects.filter(
            memberships__community_id=person.community_id,
            memberships__role=Role.STATION_ADMIN,
            is_active=True,
        ).values_list("pk", flat=True)
    )
    told = station_admins - {actor.pk}
    if actor.pk in station_admins or not told:
        # A station admin is not left to tell themself: the street's administrators hear of it.
        told |= set(
            User.objects.filter(
                memberships__street__communities=person.community_id,
                memberships__role=Role.STREET_ADMIN,
                is_active=True,
            ).values_list("pk", flat=True)
        )
    notify(
        User.objects.filter(pk__in=told),
        key=f"{key_prefix}{now:%Y%m%d%H}",
        title=_("%(user)s reached the limit of full-number reveals")
        % {"user": actor.display_name or actor.username},
        body=_(
            "%(user)s asked to see more than %(limit)s full ID or mobile numbers within an "
            "hour; further reveals are refused until the hour passes. The audit trail lists them."
        )
        % {"user": actor.display_name or actor.username, "limit": settings.LINLI_REVEAL_LIMIT},
        url=reverse("core:audit")
        + "?"
        + urlencode({"actor": actor.username, "verb": "person.reveal"}),
        community_id=person.community_id,
    )


@transaction.atomic
def person_tag_add(
    *,
    actor,
    person_id: int,
    tag: str,
    start_date: datetime.date | None = None,
    note: str = "",
) -> PersonTag:
    """Give a resident a vulnerability tag (标记特殊群体) from a date."""
    person = get_in_scope(
        Person.objects.select_for_update(), actor, Perm.REGISTRY_VIEW, pk=person_id
    )
    require(actor, Perm.REGISTRY_EDIT, person.community_id)
    if tag == Tag.ADVANCED_AGE:
        raise ValidationFailed(
            _("Advanced age follows from the birth date and cannot be set by hand."),
            fields={"tag": [_("Advanced age follows from the birth date.")]},
        )
    if tag not in Tag.values:
        raise ValidationFailed(_("Unknown tag."), fields={"tag": [_("Unknown tag.")]})
    start_date = start_date or datetime.date.today()
    if start_date > datetime.date.today():
        raise ValidationFailed(
            _("A tag cannot start in the future."),
            fields={"start_date": [_("A tag cannot start in the future.")]},
        )
    if problem := service_date_problem(start_date):
        raise ValidationFailed(problem, fields={"start_date": [problem]})
    if person.tags.filter(tag=tag, end_date__isnull=True).exists():
        raise Conflict(_("This resident already carries this tag."))
    if tag == Tag.CHILD_IN_DIFFICULTY and (
        person.birth_date is None or _age_on(person.birth_date, start_date) >= 18
    ):
        raise ValidationFailed(
            _("Only a child under 18 can be tagged as a child in difficulty."),
            fields={"tag": [_("Only a child under 18 can carry this tag.")]},
        )
    person_tag = PersonTag.objects.create(
        person=person, tag=tag, start_date=start_date, note=note.strip()[:200], set_by=actor
    )
    audit.record(actor, "person.tag_add", person, tag=tag, start_date=start_date.isoformat())
    return person_tag


@transaction.atomic
def person_tag_end(
    *, actor, person_tag_id: int, end_date: datetime.date | None = None
) -> PersonTag:
    """End a tag period (取消标记); the history stays."""
    person_tag = get_in_scope(
        PersonTag.objects.select_for_update().select_related("person"),
        actor,
        Perm.REGISTRY_VIEW,
        field="person__community",
        pk=person_tag_id,
    )
    require(actor, Perm.REGISTRY_EDIT, person_tag.person.community_id)
    if person_tag.end_date is not None:
        raise Conflict(_("This tag has already ended."))
    end_date = end_date or datetime.date.today()
    if end_date < person_tag.start_date:
        raise ValidationFailed(
            _("A tag cannot end before it started."),
            fields={"end_date": [_("A tag cannot end before it started.")]},
        )
    person_tag.end_date = end_date
    person_tag.ended_by = actor
    person_tag.save(update_fields=["end_date", "ended_by"])
    audit.record(
        actor,
        "person.tag_end",
        person_tag.person,
        tag=person_tag.tag,
        end_date=end_date.isoformat(),
    )
    return person_tag


@transaction.atomic
def consent_record(
    *,
    actor,
    person_id: int,
    purpose: str,
    method: str,
    given_on: datetime.date | None = None,
    guardian_id: int | None = None,
) -> Consent:
    """Record a consent (知情同意); a child under 14 needs a guardian's."""
    person = get_in_scope(Person.objects.all(), actor, Perm.REGISTRY_VIEW, pk=person_id)
    require(actor, Perm.REGISTRY_EDIT, person.community_id)
    errors: dict[str, list[str]] = {}
    if purpose not in Consent.Purpose.values:
        errors["purpose"] = [_("Choose what was consented to.")]
    if method not in Consent.Method.values:
        errors["method"] = [_("Choose how consent was given.")]
    given_on = given_on or datetime.date.today()
    if given_on > datetime.date.today():
        errors["given_on"] = [_("Consent cannot be dated in the future.")]
    elif problem := service_date_problem(given_on):
        errors["given_on"] = [problem]
    guardian = None
    if guardian_id is not None:
        guardian = Person.objects.filter(pk=guardian_id, community_id=person.community_id).first()
        if guardian is None or guardian.pk == person.pk:
            errors["guardian_id"] = [_("Choose the guardian among this community's residents.")]
    if (
        person.birth_date
        and _age_on(person.birth_date, given_on) < CHILD_AGE_YEARS
        and guardian is None
        and "guardian_id" not in errors
    ):
        errors["guardian_id"] = [_("A child under 14 needs a guardian's consent.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    consent = Consent.objects.create(
        person=person,
        purpose=purpose,
        method=method,
        given_on=given_on,
        guardian=guardian,
        recorded_by=actor,
    )
    audit.record(actor, "consent.record", person, purpose=purpose, method=method)
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor, consent_id: int, withdrawn_on: datetime.date | None = None
) -> Consent:
    consent = get_in_scope(
        Consent.objects.select_for_update().select_related("person"),
        actor,
        Perm.REGISTRY_VIEW,
        field="person__community",
        pk=consent_id,
    )
    require(actor, Perm.REGISTRY_EDIT, consent.person.community_id)
    if consent.withdrawn_on:
        raise Conflict(_("This consent has already been withdrawn."))
    withdrawn_on = withdrawn_on or datetime.date.today()
    if withdrawn_on < consent.given_on:
        raise ValidationFailed(_("Consent cannot be withdrawn before it was given."))
    consent.withdrawn_on = withdrawn_on
    consent.save(update_fields=["withdrawn_on"])
    audit.record(actor, "consent.withdraw", consent.person, purpose=consent.purpose)
    return consent


@transaction.atomic
def household_create(
    *, actor, community_id: int, address: str, compound_id: int | None = None, head_id: int
) -> Household:
    """Open a household (建户) with its head, who becomes its first member."""
    require(actor, Perm.REGISTRY_EDIT, community_id)
    head = get_in_scope(Person.objects.select_for_update(), actor, Perm.REGISTRY_EDIT, pk=head_id)
    errors: dict[str, list[str]] = {}
    if head.community_id != community_id:
        errors["head_id"] = [_("Choose a resident of this community.")]
    address = (address or "").strip()
    if not address:
        errors["address"] = [_("Please enter the building and door.")]
    if (
        compound_id is not None
        and not Compound.objects.filter(pk=compound_id, community_id=community_id).exists()
    ):
        errors["compound_id"] = [_("Choose a compound of this community.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    household = Household.objects.create(
        community_id=community_id, compound_id=compound_id, address=address, head=head
    )
    head.household = household
    head.relation_to_head = "本人"  # data, in the registry's language
    head.save(update_fields=["household", "relation_to_head", "updated_at"])
    audit.record(actor, "household.create", household, person_id=head.pk)
    return household


@transaction.atomic
def household_add_member(
    *, actor, household_id: int, person_id: int, relation_to_head: str
) -> Person:
    household = get_in_scope(
        Household.objects.select_for_update(), actor, Perm.REGISTRY_VIEW, pk=household_id
    )
    require(actor, Perm.REGISTRY_EDIT, household.community_id)
    person = get_in_scope(
        Person.objects.select_for_update(), actor, Perm.REGISTRY_VIEW, pk=person_id
    )
    if person.community_id != household.community_id:
        raise ValidationFailed(
            _("Choose a resident of this community."),
            fields={"person_id": [_("Choose a resident of this community.")]},
        )
    relation = (relation_to_head or "").strip()[:20]
    if not relation:
        raise ValidationFailed(
            _("Please say how this person is related to the head."),
            fields={"relation_to_head": [_("Please enter the relation.")]},
        )
    person.household = household
    person.relation_to_head = relation
    person.save(update_fields=["household", "relation_to_head", "updated_at"])
    audit.record(actor, "household.add_member", household, person_id=person.pk)
    return person
