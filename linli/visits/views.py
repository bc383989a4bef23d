"""The visit pages: what is due (per worker, per grid), the phone-friendly visit form, the log,
the monthly count against the target, and the station's rules."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core.errors import DomainError, NotFound
from linli.core.paging import (
    add_domain_errors,
    community_choice,
    form_args,
    message_domain_error,
    paginate,
    query_without_page,
)
from linli.core.parsing import form_id, query_id
from linli.core.scoping import community_ids, has_perm, require, scope
from linli.people.models import Person
from linli.visits import forms, selectors, services
from linli.visits.models import Visit
from linli.visits.rules import RULE_TAGS


def _int(request, name: str) -> int | None:
    return query_id(request, name)


@login_required
def due(request):
    """应探访: the visits due this week and every overdue one, by worker or grid."""
    community, communities = community_choice(request, Perm.VISITS_VIEW)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Visit.Kind.values else ""
    worker_id = _int(request, "worker")
    if request.GET.get("mine") == "1":
        worker_id = request.user.pk
    grid_id = _int(request, "grid")
    overdue_only = request.GET.get("overdue") == "1"
    rows = selectors.due_list(
        request.user,
        community_id=community.pk,
        grid_id=grid_id,
        worker_id=worker_id,
        kind=kind,
        overdue_only=overdue_only,
    )
    return render(
        request,
        "visits/due.html",
        {
            "community": community,
            "communities": communities,
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "overdue_count": sum(1 for r in rows if r.overdue),
            "kind": kind,
            "worker_id": worker_id,
            "grid_id": grid_id,
            "overdue_only": overdue_only,
            "grids": selectors.grids_with_visitors(community.pk),
            "workers": selectors.grid_visitor_workers(community.pk),
            "can_record": has_perm(request.user, Perm.VISITS_RECORD, community.pk),
        },
    )


@login_required
def record(request):
    """The visit form, made for a phone on a poor connection: the draft is kept on the device
    (it survives a reload) until the server has saved the visit."""
    community = community_choice(request, Perm.VISITS_RECORD)[0]
    person = None
    person_id = _int(request, "person")
    if person_id is not None:
        person = (
            scope(Person.objects.all(), request.user, Perm.VISITS_RECORD)
            .filter(pk=person_id, community=community)
            .first()
        )
    initial = {"person": person.pk if person else ""}
    kind = request.GET.get("kind", "")
    if kind in Visit.Kind.values:
        initial["kind"] = kind
    form = forms.VisitForm(*form_args(request), initial=initial, community_id=community.pk)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_record(actor=request.user, **form.service_data())
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            found = visit.needs.count()
            messages.success(
                request,
                _("The visit is recorded.")
                + (" " + _("%(n)d needs added to the needs list.") % {"n": found} if found else ""),
            )
            return redirect(f"{visit.get_absolute_url()}?saved=1")
    return render(
        request,
        "visits/record.html",
        {
            "form": form,
            "person": person,
            "community": community,
            "draft_key": f"visit-draft-{request.user.pk}-{person.pk if person else 'new'}",
        },
    )


@login_required
def visit_list(request):
    """探访记录: every visit, searchable, by worker and kind."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Visit.Kind.values else ""
    q = request.GET.get("q", "").strip()[:50]
    visits = selectors.visit_list(request.user, q=q, kind=kind, visitor_id=_int(request, "visitor"))
    return render(
        request,
        "visits/visit_list.html",
        {
            "page": paginate(request, visits),
            "query": query_without_page(request),
            "q": q,
            "kind": kind,
            "kinds": Visit.Kind.choices,
        },
    )


@login_required
def visit_detail(request, visit_id: int):
    visit = selectors.visit_get(request.user, visit_id)
    return render(
        request,
        "visits/visit_detail.html",
        {
            "visit": visit,
            "needs": visit.needs.all(),
            "saved": request.GET.get("saved") == "1",
            "draft_key": f"visit-draft-{request.user.pk}-",
        },
    )


@login_required
def monthly(request):
    """本月探访: per worker, home and phone visits against the monthly target."""
    community, communities = community_choice(request, Perm.VISITS_VIEW)
    today = timezone.localdate()
    month = request.GET.get("month", "")
    try:
        chosen = datetime.datetime.strptime(month, "%Y-%m").date() if month else today
    except ValueError:
        chosen = today
    if not 2000 <= chosen.year <= 2099:
        chosen = today
    rows = selectors.monthly_counts(request.user, community.pk, chosen.year, chosen.month)
    return render(
        request,
        "visits/monthly.html",
        {
            "community": community,
            "communities": communities,
            "rows": rows,
            "month": chosen.strftime("%Y-%m"),
            "target": selectors.monthly_target(community.pk),
            "home": sum(r.home for r in rows),
            "phone": sum(r.phone for r in rows),
        },
    )


@login_required
def rules(request):
    """The station's visit settings: the rules, the monthly target, who visits each grid."""
    community, communities = community_choice(request, Perm.VISITS_VIEW)
    can_admin = has_perm(request.user, Perm.VISITS_ADMIN, community.pk)
    rule_id = _int(request, "rule")
    rule = selectors.stored_rules(community.pk).filter(pk=rule_id).first() if rule_id else None
    initial = {}
    if rule is not None:
        initial = {f: getattr(rule, f) for f in forms.RuleForm.base_fields}
    form = forms.RuleForm(
        request.POST if request.method == "POST" and "save_rule" in request.POST else None,
        initial=initial,
    )
    target_form = forms.TargetForm(
        request.POST if request.method == "POST" and "save_target" in request.POST else None,
        initial={"monthly_target": selectors.monthly_target(community.pk)},
    )
    if request.method == "POST":
        try:
            require(request.user, Perm.VISITS_ADMIN, community.pk)
            if "save_rule" in request.POST and form.is_valid():
                services.visit_rule_save(
                    actor=request.user,
                    community_id=community.pk,
                    rule_id=rule.pk if rule else None,
                    **form.cleaned_data,
                )
                messages.success(request, _("The visit rule is saved."))
                return redirect(f"{request.path}?community={community.pk}")
            if "save_target" in request.POST and target_form.is_valid():
                services.visit_policy_set(
                    actor=request.user, community_id=community.pk, **target_form.cleaned_data
                )
                messages.success(request, _("The monthly target is saved."))
                return redirect(f"{request.path}?community={community.pk}")
            if "grid" in request.POST:
                grid = form_id(request, "grid")
                if grid is None:
                    raise NotFound(_("Not found."))
                services.grid_visitor_set(
                    actor=request.user, grid_id=grid, worker_id=form_id(request, "worker")
                )
                messages.success(request, _("The grid's visitor is saved."))
                return redirect(f"{request.path}?community={community.pk}")
        except DomainError as exc:
            if "save_rule" in request.POST:
                add_domain_errors(form, exc)
            else:
                message_domain_error(request, exc)
    stored = selectors.stored_rules(community.pk)
    return render(
        request,
        "visits/rules.html",
        {
            "community": community,
            "communities": communities,
            "rules": stored if stored.exists() else None,
            "defaults": selectors.rules_for(community.pk),
            "form": form,
            "editing": rule,
            "target_form": target_form,
            "grids": selectors.grids_with_visitors(community.pk),
            "staff": selectors.visit_staff(community.pk),
            "tag_labels": dict(forms.tag_choices()),
            "rule_tags": RULE_TAGS,
            "can_admin": can_admin,
        },
    )


# --- panels on other apps' pages ---------------------------------------------------------------


def person_panel(request, person) -> str:
    """The person's visiting plan and latest visits, on their page."""
    if not has_perm(request.user, Perm.VISITS_VIEW, person.community_id):
        return ""
    plan = selectors.person_plan(person)
    return render_to_string(
        "visits/_person_panel.html",
        {
            "person": person,
            "plan": plan,
            "visits": person.visits.select_related("visitor")[:5],
            "due": selectors.due_list(request.user, person_id=person.pk, within_days=366)
            if plan
            else [],
            "can_record": has_perm(request.user, Perm.VISITS_RECORD, person.community_id),
        },
        request=request,
    )


def dashboard_panel(request, _obj=None) -> str:
    """My visits: overdue and due this week for the grids I look after, and this month's count."""
    if not has_perm(request.user, Perm.VISITS_RECORD):
        return ""
    mine = selectors.due_list(request.user, worker_id=request.user.pk)
    today = timezone.localdate()
    done = selectors.visits_made(request.user, today.year, today.month)
    community_id = min(community_ids(request.user, Perm.VISITS_RECORD))
    return render_to_string(
        "visits/_dashboard_panel.html",
        {
            "overdue": sum(1 for r in mine if r.overdue),
            "due": len(mine),
            "done": done,
            "target": selectors.monthly_target(community_id),
        },
        request=request,
    )
