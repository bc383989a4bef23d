"""From tags to a visiting rhythm (探访计划): the default rules and the one function that picks a
person's plan. Plans are worked out when read, never stored, so they follow tag changes at once."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from linli.people.models import Tag

ADVANCED_AGE = "advanced_age"
# Tags a rule may require: every settable vulnerability tag, and 80+ from the birth date.
RULE_TAGS = [ADVANCED_AGE, *[t for t in Tag.values if t != ADVANCED_AGE]]


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the planner sees it (a stored ``VisitRule`` or a default)."""

    name: str
    tags: tuple[str, ...]
    phone_days: int | None
    home_days: int | None
    priority: int
    pk: int | None = None


# The defaults a community uses until its station changes them: lives alone and 80+ → a phone
# call weekly and a home visit monthly; anyone else in need → monthly phone, quarterly home.
DEFAULT_RULES = [
    RuleSpec(_("Lives alone and 80+"), ("lives_alone", ADVANCED_AGE), 7, 30, 1),
    RuleSpec(_("Other people in need"), (), 30, 91, 100),
]


@dataclass(frozen=True)
class Plan:
    rule: RuleSpec
    phone_days: int | None
    home_days: int | None


def plan_for(tags: set[str], rules: list[RuleSpec]) -> Plan | None:
    """The first rule (by priority) whose tags the person all carries; ``None`` when none does.
    ``tags`` includes ``advanced_age`` for people 80+; a rule without tags matches anyone in
    need (the caller only asks about people in need)."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.pk or 0)):
        if set(rule.tags) <= tags:
            return Plan(rule, rule.phone_days, rule.home_days)
    return None
