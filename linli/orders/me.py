"""我的服务 on a phone: the resident orders help and rates it; the volunteer sees what is
dispatched to them and accepts, declines, checks in and out. Large type, big buttons, few fields,
and the station's phone number for anyone who would rather call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core.errors import DomainError
from linli.core.paging import add_domain_errors, form_args
from linli.orders import forms, selectors
from linli.orders.models import ServiceOrder
from linli.orders.services import orders as order_services
from linli.points.selectors import own_person
from linli.volunteers.selectors import team_member_choices, teams_led_by


@login_required
def my_orders(request):
    """The resident's services: order one, follow it, rate it when it is done."""
    person = own_person(request.user)
    form = forms.ResidentOrderForm(*form_args(request))
    if request.method == "POST" and form.is_valid():
        try:
            order_services.order_create(
                actor=request.user, person_id=person.pk, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("Your order is in. The station will arrange someone and let you know.")
            )
            return redirect("orders_me:orders")
    orders = _with_actions(request.user, selectors.orders_of_resident(person)[:20])
    return render(
        request,
        "orders/me/orders.html",
        {
            "person": person,
            "form": form,
            "orders": orders,
            "phone": selectors.station_phone(person.community),
        },
    )


@login_required
def my_tasks(request):
    """The volunteer's tasks: dispatched to them (or their team, for a leader), to do and done."""
    return tasks_page(request)


def tasks_page(request, *, check_out=None, status: int = 200):
    """The tasks page; ``check_out`` = (order id, bound form) shows a refused check-out again
    with what was typed and the reasons."""
    tasks = _with_actions(request.user, selectors.tasks_of_volunteer(request.user))
    if check_out is not None:
        order_id, form = check_out
        for task in tasks:
            if task.pk == order_id:
                task.check_out_form = form
    context = {"tasks": tasks, "here": reverse("orders_me:tasks")}
    return render(request, "orders/me/tasks.html", context, status=status)


def _with_actions(user, orders) -> list[ServiceOrder]:
    """The orders, each with ``actions`` the user may take and, for a team order a leader may
    accept, the ``members`` to name — in a fixed number of queries."""
    orders = list(orders)
    teams = teams_led_by(user)
    for order in orders:
        order.rel = order_services.relation(user, order, teams_led=teams)
        order.actions = order_services.allowed_actions(order, order.rel)
    accepting = {o.team_id for o in orders if o.team_id and "accept" in o.actions}
    members = team_member_choices(accepting)
    for order in orders:
        order.members = members.get(order.team_id, [])
    return orders
