from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.accounts.roles import Perm
from linli.core.errors import DomainError
from linli.core.paging import add_domain_errors, form_args, paginate, query_without_page
from linli.core.scoping import has_perm, require_any
from linli.places.models import Community
from linli.points import selectors, services
from linli.points.forms import EarningRuleForm
from linli.points.models import TRANSACTION_KINDS


@login_required
def earning_rules(request):
    """积分规则: what earns how many points, now and from which date; station admins change it."""
    ids = require_any(request.user, Perm.POINTS_VIEW)
    communities = Community.objects.filter(pk__in=ids).order_by("code")
    chosen = request.GET.get("community", "")
    community = None
    if chosen.isdigit():
        community = communities.filter(pk=int(chosen)).first()
    if community is None and request.community is not None and request.community.pk in ids:
        community = request.community
    community = community or communities.first()
    can_edit = has_perm(request.user, Perm.POINTS_RULES_EDIT, community.pk)
    form = EarningRuleForm(*form_args(request)) if can_edit else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.earning_rule_set(
                actor=request.user, community_id=community.pk, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The rule is saved; it applies from its start date."))
            return redirect(f"{request.path}?community={community.pk}")
    return render(
        request,
        "points/earning_rules.html",
        {
            "community": community,
            "communities": communities,
            "rules": selectors.earning_rules(request.user, community.pk),
            "form": form,
        },
    )


@login_required
def statement(request, person_id: int):
    """积分明细: every posting on the person's points account with its reason and community."""
    person, account, postings = selectors.points_statement(request.user, person_id)
    year = timezone.localdate().year
    return render(
        request,
        "points/statement.html",
        {
            "person": person,
            "balance": account.balance if account else 0,
            "earned_this_year": selectors.points_earned_in_year(person, year),
            "year": year,
            "page": paginate(request, postings, per_page=30),
            "query": query_without_page(request),
            "kinds": TRANSACTION_KINDS,
        },
    )
