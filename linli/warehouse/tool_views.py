"""The tool library (共享工具): loans out, overdue, lend, renew, return."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.core import idempotency
from linli.core.errors import DomainError
from linli.core.paging import (
    add_domain_errors,
    community_choice,
    form_args,
    message_domain_error,
    paginate,
    query_without_page,
)
from linli.core.scoping import has_perm
from linli.warehouse import selectors
from linli.warehouse.forms import LoanForm, LoanReturnForm
from linli.warehouse.services import tools

SHOW = {
    "out": gettext_lazy("Out"),
    "overdue": gettext_lazy("Overdue"),
    "closed": gettext_lazy("Returned or lost"),
    "all": gettext_lazy("All"),
}


@login_required
def loan_list(request):
    """共享工具: what is lent out, to whom, until when; overdue first to chase."""
    show = request.GET.get("show", "out")
    show = show if show in SHOW else "out"
    q = request.GET.get("q", "").strip()[:50]
    loans = selectors.loan_list(
        request.user,
        community_id=request.community.pk if request.community else None,
        show=show,
        q=q,
    )
    return render(
        request,
        "warehouse/loan_list.html",
        {
            "page": paginate(request, loans),
            "query": query_without_page(request),
            "show": show,
            "shows": SHOW,
            "q": q,
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def loan_create(request):
    community, communities = community_choice(request, Perm.WAREHOUSE_MANAGE)
    form = LoanForm(*form_args(request), community_id=community.pk)
    done = idempotency.already_done(request, "warehouse.loan")
    if done is not None:
        return redirect("warehouse:loan_detail", done.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            loan = tools.loan_create(
                actor=request.user,
                community_id=community.pk,
                location_id=data["location"].pk,
                item_id=data["item"].pk,
                borrower_id=data["borrower"],
                deposit_points=data["deposit_points"] or 0,
                condition_out=data["condition_out"],
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(
                form, exc, {"borrower_id": "borrower", "item_id": "item", "location_id": "location"}
            )
        else:
            idempotency.say_done(
                request, loan, _("Lent. Due back on %(date)s.") % {"date": loan.due_on.isoformat()}
            )
            return redirect("warehouse:loan_detail", loan.pk)
    return render(
        request,
        "warehouse/loan_form.html",
        {"form": form, "community": community, "communities": communities},
    )


@login_required
def loan_detail(request, loan_id: int):
    loan = selectors.loan_get(request.user, loan_id)
    return render(
        request,
        "warehouse/loan_detail.html",
        {
            "loan": loan,
            "return_form": LoanReturnForm(),
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE, loan.community_id),
        },
    )


@login_required
@require_POST
def loan_renew(request, loan_id: int):
    loan = selectors.loan_get(request.user, loan_id)
    try:
        loan = tools.loan_renew(actor=request.user, loan_id=loan.pk)
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(
            request, _("Renewed. Due back on %(date)s.") % {"date": loan.due_on.isoformat()}
        )
    return redirect("warehouse:loan_detail", loan.pk)


@login_required
@require_POST
def loan_return(request, loan_id: int):
    loan = selectors.loan_get(request.user, loan_id)
    form = LoanReturnForm(request.POST)
    if form.is_valid():
        try:
            tools.loan_return(
                actor=request.user,
                loan_id=loan.pk,
                condition_in=form.cleaned_data["condition_in"],
                lost=form.cleaned_data["lost"],
            )
        except DomainError as exc:
            message_domain_error(request, exc)
        else:
            messages.success(request, _("The return is recorded."))
    return redirect("warehouse:loan_detail", loan.pk)
