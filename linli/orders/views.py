"""The station's pages: needs, resources, service orders with their timeline and actions,
suggestions, batch dispatch and the quarterly project list. Thin: forms shape input, services
decide, selectors read."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.core.errors import DomainError
from linli.core.paging import (
    add_domain_errors,
    community_choice,
    form_args,
    message_domain_error,
    paginate,
    query_without_page,
)
from linli.core.parsing import id_list, query_id, query_int
from linli.core.scoping import has_perm
from linli.core.uploads import image_response
from linli.orders import forms, matching, me, selectors
from linli.orders.models import Category, Need, Resource, ServiceOrder, Urgency
from linli.orders.services import matching as batch
from linli.orders.services import needs as need_services
from linli.orders.services import orders as order_services
from linli.volunteers.selectors import team_member_choices


def _q(request) -> str:
    return request.GET.get("q", "").strip()[:50]


def _choice(request, name: str, choices) -> str:
    value = request.GET.get(name, "")
    return value if value in choices else ""


# --- needs ------------------------------------------------------------------------------------


@login_required
def need_list(request):
    """需求清单: filter by status, category and urgency; search by resident or words."""
    status = _choice(request, "status", Need.Status.values)
    category = _choice(request, "category", Category.values)
    urgency = _choice(request, "urgency", Urgency.values)
    rows = selectors.need_list(
        request.user, q=_q(request), status=status, category=category, urgency=urgency
    )
    return render(
        request,
        "orders/need_list.html",
        {
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "q": _q(request),
            "status": status,
            "category": category,
            "urgency": urgency,
            "statuses": Need.Status.choices,
            "categories": Category.choices,
            "urgencies": Urgency.choices,
            "can_manage": has_perm(request.user, Perm.ORDERS_MANAGE),
        },
    )


@login_required
def need_detail(request, need_id: int):
    need = selectors.need_get(request.user, need_id)
    form = forms.NeedStatusForm(*form_args(request))
    if request.method == "POST" and form.is_valid():
        try:
            need_services.need_set_status(actor=request.user, need_id=need.pk, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("The need is now “%(s)s”.") % {"s": need.get_status_display()}
            )
            return redirect("orders:need_detail", need.pk)
    return render(
        request,
        "orders/need_detail.html",
        {
            "need": need,
            "form": form,
            "orders": need.orders.select_related("volunteer__person", "team"),
            "events": need.events.select_related("actor"),
            "can_manage": has_perm(request.user, Perm.ORDERS_MANAGE, need.community_id),
        },
    )


@login_required
def need_edit(request, need_id: int | None = None):
    need = selectors.need_get(request.user, need_id) if need_id else None
    if need is not None:
        community = need.community
        initial = {"category": need.category, "urgency": need.urgency}
        initial["description"] = need.description
    else:
        community = community_choice(request, Perm.ORDERS_MANAGE)[0]
        initial = {"person": request.GET.get("person", "")}
    form = forms.NeedForm(
        *form_args(request), initial=initial, community_id=community.pk, editing=need is not None
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if need is None:
                data["person_id"] = data.pop("person")
                need = need_services.need_create(actor=request.user, **data)
            else:
                need_services.need_update(actor=request.user, need_id=need.pk, **data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The need is saved."))
            return redirect("orders:need_detail", need.pk)
    return render(
        request, "orders/need_form.html", {"form": form, "need": need, "community": community}
    )


# --- resources --------------------------------------------------------------------------------


@login_required
def resource_list(request):
    """资源清单: per category, volunteers by skill, teams and listed resources; the listed ones
    below with search and filters."""
    community, communities = community_choice(request, Perm.ORDERS_VIEW)
    category = _choice(request, "category", Category.values)
    kind = _choice(request, "kind", Resource.Kind.values)
    catalogue = selectors.resource_catalogue(request.user, community.pk)
    if category:
        catalogue = [row for row in catalogue if row.category == category]
    rows = selectors.resource_list(request.user, q=_q(request), category=category, kind=kind)
    return render(
        request,
        "orders/resource_list.html",
        {
            "community": community,
            "communities": communities,
            "catalogue": catalogue,
            "page": paginate(request, rows.filter(community=community)),
            "query": query_without_page(request),
            "q": _q(request),
            "category": category,
            "kind": kind,
            "categories": Category.choices,
            "kinds": Resource.Kind.choices,
            "can_manage": has_perm(request.user, Perm.ORDERS_MANAGE, community.pk),
        },
    )


@login_required
def resource_edit(request, resource_id: int | None = None):
    resource = selectors.resource_get(request.user, resource_id) if resource_id else None
    community = resource.community if resource else community_choice(request, Perm.ORDERS_MANAGE)[0]
    initial = {f: getattr(resource, f) for f in forms.ResourceForm.base_fields} if resource else {}
    form = forms.ResourceForm(*form_args(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if resource is None:
                need_services.resource_create(
                    actor=request.user, community_id=community.pk, **form.cleaned_data
                )
            else:
                need_services.resource_update(
                    actor=request.user, resource_id=resource.pk, **form.cleaned_data
                )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The resource is saved."))
            return redirect(f"{reverse('orders:resource_list')}?community={community.pk}")
    return render(
        request,
        "orders/resource_form.html",
        {"form": form, "resource": resource, "community": community},
    )


# --- service orders ---------------------------------------------------------------------------


@login_required
def order_list(request):
    """服务订单: filters, search, and the overdue ones the station must act on."""
    status = request.GET.get("status", "open")
    if status not in [*ServiceOrder.Status.values, "open", "all"]:
        status = "open"
    category = _choice(request, "category", Category.values)
    urgency = _choice(request, "urgency", Urgency.values)
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.order_list(
        request.user,
        q=_q(request),
        status="" if status == "all" else status,
        category=category,
        urgency=urgency,
        overdue=overdue,
    )
    page = paginate(request, rows)
    late = set(
        selectors.order_list(request.user, overdue=True)
        .filter(pk__in=[o.pk for o in page.object_list])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "orders/order_list.html",
        {
            "page": page,
            "late": late,
            "query": query_without_page(request),
            "q": _q(request),
            "status": status,
            "category": category,
            "urgency": urgency,
            "overdue": overdue,
            "statuses": ServiceOrder.Status.choices,
            "categories": Category.choices,
            "urgencies": Urgency.choices,
            "can_manage": has_perm(request.user, Perm.ORDERS_MANAGE),
        },
    )


@login_required
def order_create(request):
    """代点单: a worker orders for a resident, from a need when ``?need=`` is given."""
    community = community_choice(request, Perm.ORDERS_MANAGE)[0]
    need = None
    need_id = query_id(request, "need")
    if need_id is not None:
        need = selectors.need_get(request.user, need_id)
        community = need.community
    initial = {}
    if need is not None:
        initial = {
            "person": need.person_id or "",
            "category": need.category,
            "urgency": need.urgency,
            "description": need.description[:300],
        }
    form = forms.OrderForm(*form_args(request), initial=initial, community_id=community.pk)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["person_id"] = data.pop("person")
        try:
            order = order_services.order_create(
                actor=request.user, need_id=need.pk if need else None, **data
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The order is placed; dispatch it now."))
            return redirect("orders:order_detail", order.pk)
    return render(
        request,
        "orders/order_form.html",
        {"form": form, "need": need, "community": community},
    )


@login_required
def order_detail(request, order_id: int):
    """One order: what, who, the timeline, and the steps the viewer may take now."""
    order = selectors.order_get(request.user, order_id)
    return _order_page(request, order)


def _order_page(request, order, *, status: int = 200):
    rel = order_services.relation(request.user, order)
    actions = order_services.allowed_actions(order, rel)
    context = {
        "order": order,
        "rel": rel,
        "actions": actions,
        "side_actions": actions - {"dispatch"},
        "events": order.events.select_related("actor"),
        "photos": order.photos.all(),
        "overdue": selectors.order_is_overdue(order),
    }
    if "dispatch" in actions:
        context["suggestions"] = selectors.order_suggestions(request.user, order)
        context["volunteers"], context["teams"] = selectors.dispatch_choices(order.community_id)
    if "accept" in actions and order.team_id:
        context["members"] = team_member_choices([order.team_id])[order.team_id]
    if "review" in actions:
        context["review_hours"] = order_services.measured_hours(order)
    return render(request, "orders/order_detail.html", context, status=status)


ACTIONS = {
    "dispatch": (
        forms.DispatchForm,
        order_services.order_dispatch,
        gettext_lazy("The order is dispatched."),
    ),
    "accept": (
        forms.AcceptForm,
        order_services.order_accept,
        gettext_lazy("You accepted the order."),
    ),
    "decline": (
        forms.ReasonForm,
        order_services.order_decline,
        gettext_lazy("The order went back to the station."),
    ),
    "check_in": (
        None,
        order_services.order_check_in,
        gettext_lazy("Checked in: the service has started."),
    ),
    "check_out": (
        forms.CheckOutForm,
        order_services.order_check_out,
        gettext_lazy("Checked out: the service is done."),
    ),
    "rate": (forms.RateForm, order_services.order_rate, gettext_lazy("Thank you for the rating.")),
    "team_account": (
        forms.AccountForm,
        order_services.order_team_account,
        gettext_lazy("The team's account is saved."),
    ),
    "review": (
        forms.ReviewForm,
        order_services.order_review,
        gettext_lazy("The evaluation is complete; the volunteer's points are credited."),
    ),
    "close": (None, order_services.order_close, gettext_lazy("The order is closed.")),
    "cancel": (
        forms.ReasonForm,
        order_services.order_cancel,
        gettext_lazy("The order is cancelled."),
    ),
}


@login_required
@require_POST
def order_action(request, order_id: int, action: str):
    """One transition from a button or a small form; back to where it came from."""
    if action not in ACTIONS:
        raise Http404
    form_class, service, done = ACTIONS[action]
    data = {}
    if form_class is not None:
        form = form_class(request.POST, request.FILES)
        if not form.is_valid():
            if action == "check_out":
                return _check_out_refused(request, order_id, form)
            errors = "; ".join(str(m) for msgs in form.errors.values() for m in msgs)
            messages.error(request, errors)
            return _back(request, order_id)
        data = dict(form.cleaned_data)
        if action == "dispatch":
            data["volunteer_id"] = data.pop("volunteer")
            data["team_id"] = data.pop("team")
        if action == "accept":
            data["volunteer_id"] = data.pop("volunteer") or None
    try:
        result = service(actor=request.user, order_id=order_id, **data)
    except DomainError as exc:
        if action == "check_out" and exc.status != 404:
            add_domain_errors(form, exc)
            return _check_out_refused(request, order_id, form)
        message_domain_error(request, exc)
    else:
        if action == "check_out":
            done = _checked_out(result.photos.count())
        messages.success(request, done)
    return _back(request, order_id)


def _checked_out(photos: int) -> str:
    """The check-out's confirmation with how many photos were kept (two sentences, so the first
    keeps its translation)."""
    if not photos:
        saved = _("No photos were added.")
    else:
        saved = ngettext("%(count)d photo is saved.", "%(count)d photos are saved.", photos) % {
            "count": photos
        }
    return f"{_('Checked out: the service is done.')} {saved}"


def _check_out_refused(request, order_id: int, form):
    """A refused check-out shows the page it came from again with everything typed kept and the
    reasons beside the fields (a redirect would lose the notes). Chosen photos cannot be kept by
    a browser: the form asks for them again."""
    order = selectors.order_get(request.user, order_id)
    rel = order_services.relation(request.user, order)
    if "check_out" not in order_services.allowed_actions(order, rel):
        errors = "; ".join(str(m) for msgs in form.errors.values() for m in msgs)
        messages.error(request, errors)
        return _back(request, order_id)
    messages.error(request, _("The check-out is not saved yet; what you typed is kept below."))
    if request.POST.get("next", "") == reverse("orders_me:tasks"):
        return me.tasks_page(request, check_out=(order.pk, form), status=422)
    order.check_out_form = form
    return _order_page(request, order, status=422)


def _back(request, order_id: int):
    target = request.POST.get("next", "")
    if target.startswith("/me/"):
        return redirect(target)
    return redirect("orders:order_detail", order_id)


@login_required
def order_photo(request, photo_id: int, thumbnail: bool = False):
    """A check-out photo (or its thumbnail), only to those who may see the order: served as the
    stored image type with ``nosniff`` and a download name of our own."""
    photo = selectors.order_photo_get(request.user, photo_id)
    return image_response(photo.image, f"photo-{photo.pk}", thumbnail=thumbnail)


# --- batch dispatch ---------------------------------------------------------------------------


@login_required
def match_list(request):
    community, communities = community_choice(request, Perm.ORDERS_MANAGE)
    if request.method == "POST":
        try:
            run = batch.match_propose(actor=request.user, community_id=community.pk)
        except DomainError as exc:
            message_domain_error(request, exc)
        else:
            return redirect("orders:match_detail", run.pk)
    waiting = (
        selectors.order_list(request.user, status=ServiceOrder.Status.ORDERED)
        .filter(community=community)
        .count()
    )
    return render(
        request,
        "orders/match_list.html",
        {
            "community": community,
            "communities": communities,
            "waiting": waiting,
            "page": paginate(
                request, selectors.match_run_list(request.user).filter(community=community)
            ),
            "query": query_without_page(request),
        },
    )


@login_required
def match_detail(request, run_id: int):
    run = selectors.match_run_get(request.user, run_id)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "discard":
                batch.match_discard(actor=request.user, run_id=run.pk)
                messages.success(request, _("The proposal is discarded."))
            else:
                ids = id_list(request.POST.getlist("line"))
                result = batch.match_apply(actor=request.user, run_id=run.pk, line_ids=ids)
                messages.success(
                    request,
                    _("%(n)d orders dispatched; %(s)d skipped because they had moved on.")
                    % {"n": len(result.dispatched), "s": len(result.skipped)},
                )
        except DomainError as exc:
            message_domain_error(request, exc)
        return redirect("orders:match_detail", run.pk)
    lines = list(selectors.match_lines(run))
    for line in lines:
        line.why = [matching.Reason(*reason) for reason in line.reasons]
    saving = (1 - run.total_cost / run.greedy_cost) * 100 if run.greedy_cost else 0
    return render(
        request,
        "orders/match_detail.html",
        {
            "run": run,
            "lines": lines,
            "unplaced": run.orders_considered - len(lines),
            "saving": saving,
            "can_manage": has_perm(request.user, Perm.ORDERS_MANAGE, run.community_id),
        },
    )


# --- the project list -------------------------------------------------------------------------


@login_required
def project_list(request):
    """项目清单: one printable page per community and quarter."""
    community, communities = community_choice(request, Perm.ORDERS_VIEW)
    today = timezone.localdate()
    year = query_int(request, "year", default=today.year, minimum=2000, maximum=2099)
    quarter = query_int(
        request, "quarter", default=(today.month - 1) // 3 + 1, minimum=1, maximum=4
    )
    rows = selectors.project_list(request.user, community.pk, year, quarter)
    return render(
        request,
        "orders/project_list.html",
        {
            "community": community,
            "communities": communities,
            "year": year,
            "quarter": quarter,
            "years": range(today.year - 3, today.year + 1),
            "projects": [row for row in rows if row.active],
            "idle": [row for row in rows if not row.active],
            "printed_at": timezone.localtime(),
        },
    )


# --- panels on other apps' pages ---------------------------------------------------------------


def person_panel(request, person) -> str:
    """The resident's needs and service orders, on their page (registered in apps.py)."""
    if not has_perm(request.user, Perm.ORDERS_VIEW, person.community_id):
        return ""
    return render_to_string(
        "orders/_person_panel.html",
        {
            "person": person,
            "needs": selectors.need_list(request.user, person_id=person.pk)[:10],
            "orders": selectors.order_list(request.user, person_id=person.pk)[:10],
            "can_manage": has_perm(request.user, Perm.ORDERS_MANAGE, person.community_id),
        },
        request=request,
    )


def dashboard_panel(request, _obj=None) -> str:
    """Escalations for the station (overdue orders) and the volunteer's tasks."""
    context = {}
    if has_perm(request.user, Perm.ORDERS_MANAGE):
        overdue = selectors.order_list(request.user, overdue=True).order_by("created_at")
        context["overdue"] = list(overdue[:8])
        context["overdue_count"] = overdue.count() if context["overdue"] else 0
        context["waiting"] = selectors.order_list(request.user, status="ordered").count()
    tasks = selectors.tasks_of_volunteer(request.user)
    context["tasks"] = list(tasks[:5])
    if not context.get("overdue") and not context.get("waiting") and not context["tasks"]:
        return ""
    context["now"] = timezone.now()
    context["hour"] = datetime.timedelta(hours=1)
    return render_to_string("orders/_dashboard_panel.html", context, request=request)
