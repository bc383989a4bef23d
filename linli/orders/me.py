"""我的服务 on a phone: the resident orders help and rates it; the volunteer sees what is
dispatched to them and accepts, declines, checks in and out. Large type, big buttons, few fields,
and the station's phone number for anyone who would rather call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import DomainError
from linli.core.paging import add_domain_errors, form_args
from linli.orders import forms, selectors
from linli.orders.models import ServiceOrder
from linli.orders.services import orders as order_services
from linli.orders.views import team_members
from linli.places.models import ServiceSite
from linli.points.selectors import own_person
from linli.volunteers.services import is_team_leader


def station_phone(community) -> str:
    """The number a resident can call instead: the community's service line, else a site's."""
    if community.service_phone:
        return community.service_phone
    sites = ServiceSite.objects.filter(community=community).exclude(phone="")
    site = sites.filter(kind=ServiceSite.Kind.SERVICE_CENTER).first() or sites.first()
    return site.phone if site else ""


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
    orders = list(selectors.orders_of_resident(person)[:20])
    return render(
        request,
        "orders/me/orders.html",
        {
            "person": person,
            "form": form,
            "orders": orders,
            "phone": station_phone(person.community),
            "rate_form": forms.RateForm(),
            "open_states": ServiceOrder.OPEN_STATES[:2],
        },
    )


@login_required
def my_tasks(request):
    """The volunteer's tasks: dispatched to them (or their team, for a leader), to do and done."""
    tasks = list(selectors.tasks_of_volunteer(request.user))
    for task in tasks:
        task.led = is_team_leader(request.user, task.team_id)
        task.members = team_members(task.team_id) if task.led and task.team_id else []
    return render(
        request,
        "orders/me/tasks.html",
        {"tasks": tasks, "reason_form": forms.ReasonForm(), "checkout_form": forms.CheckOutForm()},
    )
