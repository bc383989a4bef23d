"""Reads of the resident registry, always through the community scoping helpers."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from linli.accounts.roles import Perm
from linli.core.models import AuditEvent
from linli.core.privacy import id_number_errors, keyed_hash, normalise_id_number
from linli.core.scoping import get_in_scope, scope
from linli.people.models import (
    ADVANCED_AGE_YEARS,
    Consent,
    Household,
    Person,
    PersonTag,
    Tag,
)

AGE_BANDS: dict[str, tuple[int | None, int | None, object]] = {
    # band: (min age inclusive, max age inclusive, label)
    "0-13": (0, 13, _("Under 14")),
    "14-59": (14, 59, _("14 to 59")),
    "60-69": (60, 69, _("60 to 69")),
    "70-79": (70, 79, _("70 to 79")),
    "80+": (80, None, _("80 and over")),
}


def _years_ago(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def age_band_q(band: str, today: datetime.date | None = None) -> Q:
    """Birth-date condition for an age band (age in whole years on ``today``)."""
    today = today or datetime.date.today()
    low, high, _label = AGE_BANDS[band]
    q = Q()
    if low is not None:
        q &= Q(birth_date__lte=_years_ago(today, low))
    if high is not None:
        q &= Q(birth_date__gt=_years_ago(today, high + 1))
    return q


def current_tag_rows(today: datetime.date | None = None) -> QuerySet[PersonTag]:
    """Tag periods that cover ``today``."""
    today = today or datetime.date.today()
    return PersonTag.objects.filter(start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


def advanced_age_q(today: datetime.date | None = None) -> Q:
    return Q(birth_date__lte=_years_ago(today or datetime.date.today(), ADVANCED_AGE_YEARS))


def in_need_q(today: datetime.date | None = None) -> Q:
    """People in need (困难群体) on ``today``: a vulnerability tag that covers the day, or 80+."""
    today = today or datetime.date.today()
    return Q(pk__in=current_tag_rows(today).values("person_id")) | advanced_age_q(today)


@dataclass(frozen=True)
class PersonFilters:
    community_id: int | None = None
    grid_id: int | None = None
    compound_id: int | None = None
    tag: str | None = None
    age_band: str | None = None
    q: str = ""


def _search_q(q: str) -> Q:
    """Name, pinyin initials (zs → 张三), last four digits of the mobile, or a full ID number."""
    q = q.strip()
    if not q:
        return Q()
    if re.fullmatch(r"\d{4}", q):
        return Q(mobile_masked__endswith=q) | Q(name__icontains=q)
    candidate = normalise_id_number(q)
    if len(candidate) == 18 and not id_number_errors(candidate):
        return Q(id_number_hash=keyed_hash(candidate))
    if re.fullmatch(r"[A-Za-z]+", q):
        return Q(name_initials__startswith=q.lower()) | Q(name__icontains=q)
    return Q(name__icontains=q)


def current_tags_prefetch(today: datetime.date | None = None) -> Prefetch:
    return Prefetch(
        "tags", queryset=current_tag_rows(today).order_by("tag"), to_attr="current_tags"
    )


def person_list(user, filters: PersonFilters | None = None) -> QuerySet[Person]:
    """Residents in the user's scope matching the filters, with current tags prefetched."""
    filters = filters or PersonFilters()
    qs = scope(Person.objects.all(), user, Perm.REGISTRY_VIEW, community_id=filters.community_id)
    if filters.grid_id:
        qs = qs.filter(compound__grid_id=filters.grid_id)
    if filters.compound_id:
        qs = qs.filter(compound_id=filters.compound_id)
    if filters.tag == Tag.ADVANCED_AGE:
        qs = qs.filter(advanced_age_q())
    elif filters.tag in Tag.values:
        qs = qs.filter(pk__in=current_tag_rows().filter(tag=filters.tag).values("person_id"))
    if filters.age_band in AGE_BANDS:
        qs = qs.filter(age_band_q(filters.age_band))
    if filters.q:
        qs = qs.filter(_search_q(filters.q))
    return (
        qs.select_related("community", "compound", "compound__grid")
        .prefetch_related(current_tags_prefetch())
        .order_by("name", "id")
    )


def person_get(user, person_id: int) -> Person:
    return get_in_scope(
        Person.objects.select_related(
            "community", "compound", "compound__grid", "household", "guardian"
        ).prefetch_related(current_tags_prefetch()),
        user,
        Perm.REGISTRY_VIEW,
        pk=person_id,
    )


def person_tag_history(person: Person) -> QuerySet[PersonTag]:
    return person.tags.select_related("set_by", "ended_by").order_by("-start_date", "-id")


def person_consents(person: Person) -> QuerySet[Consent]:
    return person.consents.select_related("guardian", "recorded_by")


def person_audit(person: Person, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(person_id=person.pk).select_related("actor")[:limit]


def tag_counts(user, community_id: int | None = None) -> list[dict]:
    """People per vulnerability tag in the user's scope, today: ``[{tag, label, count}]``."""
    base = scope(Person.objects.all(), user, Perm.REGISTRY_VIEW, community_id=community_id)
    today = datetime.date.today()
    counts = dict(
        current_tag_rows(today)
        .filter(person__in=base)
        .values_list("tag")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    counts[Tag.ADVANCED_AGE.value] = base.filter(advanced_age_q(today)).count()
    return [{"tag": tag, "label": label, "count": counts.get(tag, 0)} for tag, label in Tag.choices]


def person_total(user, community_id: int | None = None) -> int:
    return scope(Person.objects.all(), user, Perm.REGISTRY_VIEW, community_id=community_id).count()


def household_get(user, household_id: int) -> Household:
    return get_in_scope(
        Household.objects.select_related("community", "compound", "head"),
        user,
        Perm.REGISTRY_VIEW,
        pk=household_id,
    )


def household_members(household: Household) -> QuerySet[Person]:
    return household.members.prefetch_related(current_tags_prefetch()).order_by("birth_date")


def person_pick(user, community_id: int | None, q: str, *, limit: int = 8) -> list[Person]:
    """Residents for a picker (选择居民): the first matches of ``q`` (name, pinyin initials, last
    four of the mobile, a full ID number) in the user's scope, or the chosen community."""
    q = (q or "").strip()[:50]
    if not q:
        return []
    qs = scope(Person.objects.all(), user, Perm.REGISTRY_VIEW, community_id=community_id)
    qs = qs.filter(is_anonymised=False).filter(_search_q(q))
    return list(qs.select_related("compound").order_by("name", "pk")[:limit])
