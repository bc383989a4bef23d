from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
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
from linli.places.models import Community
from linli.points import donations, mall, selectors, services
from linli.points.forms import EarningRuleForm, FulfilForm, GrantForm, RewardForm
from linli.points.models import TRANSACTION_KINDS, Redemption


@login_required
def earning_rules(request):
    """积分规则: what earns how many points, now and from which date; station admins change it."""
    community, communities = community_choice(request, Perm.POINTS_VIEW)
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


def render_statement(request, person, postings):
    """The statement page for one resident (the station's view and the resident's own)."""
    balance, frozen = selectors.points_balances(person)
    year = timezone.localdate().year
    return render(
        request,
        "points/statement.html",
        {
            "person": person,
            "balance": balance,
            "frozen": frozen,
            "earned_this_year": selectors.points_earned_in_year(person, year),
            "year": year,
            "page": paginate(request, postings, per_page=30),
            "query": query_without_page(request),
            "kinds": TRANSACTION_KINDS,
        },
    )


@login_required
def statement(request, person_id: int):
    """积分明细: every posting on the person's points account with its reason and community."""
    person, postings = selectors.points_statement(request.user, person_id)
    return render_statement(request, person, postings)


@login_required
def reward_list(request):
    """积分商城管理: the community's rewards, on offer or not, with redemptions waiting."""
    community_id = request.community.pk if request.community else None
    q = request.GET.get("q", "")[:50]
    rewards = selectors.reward_list(request.user, community_id=community_id, q=q)
    return render(
        request,
        "points/reward_list.html",
        {"page": paginate(request, rewards), "query": query_without_page(request), "q": q},
    )


@login_required
def reward_edit(request, reward_id: int | None = None):
    """Put a reward on offer, or change one (price, stock, validity, off offer)."""
    reward = selectors.reward_get(request.user, reward_id) if reward_id else None
    community = reward.community if reward else community_choice(request, Perm.POINTS_MANAGE)[0]
    initial = {}
    if reward is not None:
        initial = {f: getattr(reward, f) for f in RewardForm.base_fields if f != "provider_user"}
        initial["provider_user"] = reward.provider_user_id
    form = RewardForm(*form_args(request), initial=initial, community_id=community.pk)
    if request.method == "POST" and form.is_valid():
        try:
            if reward is None:
                reward = mall.reward_create(
                    actor=request.user, community_id=community.pk, **form.service_data()
                )
            else:
                data = form.service_data()
                mall.reward_update(actor=request.user, reward_id=reward.pk, **data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The reward is saved."))
            return redirect("points:reward_list")
    return render(
        request, "points/reward_form.html", {"form": form, "reward": reward, "community": community}
    )


@login_required
def redemption_list(request):
    """待核销: redemptions to fulfil by the code the resident shows, or to cancel with a reason."""
    status = request.GET.get("status", "frozen")
    if status not in Redemption.Status.values:
        status = "frozen"
    q = request.GET.get("q", "")[:50]
    community_id = request.community.pk if request.community else None
    redemptions = selectors.redemption_list(
        request.user, community_id=community_id, status=status, q=q
    )
    form = FulfilForm(*form_args(request))
    if request.method == "POST" and form.is_valid():
        try:
            done = mall.redemption_fulfil(actor=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                _("Fulfilled: %(reward)s for %(person)s.")
                % {"reward": done.reward.name, "person": done.person.name},
            )
            return redirect("points:redemption_list")
    return render(
        request,
        "points/redemption_list.html",
        {
            "page": paginate(request, redemptions),
            "query": query_without_page(request),
            "status": status,
            "statuses": Redemption.Status.choices,
            "q": q,
            "form": form,
        },
    )


@login_required
@require_POST
def redemption_cancel(request, redemption_id: int):
    try:
        mall.redemption_cancel(
            actor=request.user,
            redemption_id=redemption_id,
            reason=request.POST.get("reason", "")[:200],
        )
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("Cancelled; the points are back on the resident's account."))
    return redirect("points:redemption_list")


@login_required
def pool(request):
    """积分池 (station): balance, inflows and grants with recipients; grant to someone in need."""
    community, communities = community_choice(request, Perm.POINTS_MANAGE)
    needy = selectors.people_in_need(community.pk)
    form = GrantForm(*form_args(request), choices=[(p.pk, str(p)) for p in needy])
    if idempotency.already_done(request, "points.pool_grant") is not None:
        return redirect(f"{request.path}?community={community.pk}")
    if request.method == "POST" and form.is_valid():
        try:
            grant = donations.pool_grant(
                actor=request.user,
                community_id=community.pk,
                recipient_id=form.cleaned_data["recipient"],
                points=form.cleaned_data["points"],
                purpose=form.cleaned_data["purpose"],
                note=form.cleaned_data["note"],
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            idempotency.say_done(request, grant, _("Granted from the pool."))
            return redirect(f"{request.path}?community={community.pk}")
    grants = selectors.pool_grant_list(request.user, community_id=community.pk)
    return render(
        request,
        "points/pool.html",
        {
            "community": community,
            "communities": communities,
            "summary": selectors.pool_summary(community),
            "page": paginate(request, grants),
            "query": query_without_page(request),
            "form": form,
        },
    )


def pool_public(request, community_id: int):
    """积分池公示 (public, no login): inflows and grants per month and purpose, no names."""
    community = get_object_or_404(Community, pk=community_id)
    return render(
        request, "points/pool_public.html", {"summary": selectors.pool_summary(community)}
    )
