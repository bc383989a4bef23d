"""我的 (the resident's and volunteer's own pages, for phones): my points, my hours, submit hours,
the mall, my vouchers, donate points, my certificate. Large type, big buttons, few fields.

Everything is the logged-in user's own: the resident their login belongs to (``User.person``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.core import idempotency
from linli.core.errors import DomainError
from linli.core.paging import add_domain_errors, form_args, message_domain_error, paginate
from linli.core.parsing import query_id
from linli.places.models import Community
from linli.points import donations, mall
from linli.points import selectors as points_selectors
from linli.points.forms import DonateForm
from linli.points.models import TRANSACTION_KINDS
from linli.points.views import render_statement
from linli.volunteers import certificates, hours, selectors
from linli.volunteers.forms import MyHoursForm
from linli.volunteers.models import Volunteer


def _me(request):
    """(person, volunteer or None) of the logged-in user; 403 for a login without a resident."""
    person = points_selectors.own_person(request.user)
    volunteer = Volunteer.objects.filter(person=person).first()
    return person, volunteer


@login_required
def home(request):
    person, volunteer = _me(request)
    year = timezone.localdate().year
    balance, frozen = points_selectors.points_balances(person)
    context = {
        "person": person,
        "volunteer": volunteer,
        "balance": balance,
        "frozen": frozen,
        "earned": points_selectors.points_earned_in_year(person, year),
        "year": year,
        "recent": points_selectors.person_postings(person)[:5],
        "kinds": TRANSACTION_KINDS,
    }
    if volunteer is not None:
        context["hours"] = selectors.volunteer_hours(volunteer, year)
        context["award"] = selectors.stars_of(volunteer)
    return render(request, "volunteers/me/home.html", context)


@login_required
def statement(request):
    person, _volunteer = _me(request)
    return render_statement(request, person, points_selectors.person_postings(person))


@login_required
def my_hours(request):
    person, volunteer = _me(request)
    if volunteer is None:
        messages.info(request, _("Only registered volunteers record hours; ask your station."))
        return redirect("me:home")
    form = MyHoursForm(*form_args(request), volunteer=volunteer)
    if idempotency.already_done(request, "volunteers.hours") is not None:
        return redirect("me:hours")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = hours.service_record_submit(
                actor=request.user,
                volunteer_id=volunteer.pk,
                served_on=data["served_on"],
                hours=data["hours"],
                description=data["description"],
                team_id=data["team"].pk if data["team"] else None,
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            idempotency.say_done(request, record, _("Thank you! Your hours wait for verification."))
            return redirect("me:hours")
    year = timezone.localdate().year
    return render(
        request,
        "volunteers/me/hours.html",
        {
            "form": form,
            "volunteer": volunteer,
            "hours": selectors.volunteer_hours(volunteer, year),
            "year": year,
            "page": paginate(request, volunteer.records.select_related("team"), per_page=20),
            "query": "",
        },
    )


@login_required
def my_mall(request):
    person, _volunteer = _me(request)
    communities = Community.objects.order_by("code")
    chosen = query_id(request, "community")
    community = communities.filter(pk=chosen).first() if chosen is not None else None
    community = community or person.community
    rewards = list(points_selectors.rewards_on_offer(community.pk)[:100])
    taken = points_selectors.redeemed_this_month(person, [r.pk for r in rewards])
    balance = points_selectors.points_balances(person)[0]
    for reward in rewards:
        reward.taken = taken.get(reward.pk, 0)
        reward.limit_reached = (
            reward.monthly_limit is not None and reward.taken >= reward.monthly_limit
        )
        reward.affordable = reward.price <= balance
    return render(
        request,
        "volunteers/me/mall.html",
        {
            "person": person,
            "community": community,
            "communities": communities,
            "rewards": rewards,
            "balance": balance,
        },
    )


@login_required
@require_POST
def redeem(request, reward_id: int):
    _me(request)
    if idempotency.already_done(request, "points.redeem") is not None:
        return redirect("me:vouchers")
    try:
        redemption = mall.redemption_create(
            actor=request.user,
            reward_id=reward_id,
            idempotency_key=idempotency.form_key(request),
        )
    except DomainError as exc:
        message_domain_error(request, exc)
        return redirect("me:mall")
    idempotency.say_done(
        request,
        redemption,
        _("Redeemed! Show the code %(code)s when you pick it up.") % {"code": redemption.code},
    )
    return redirect("me:vouchers")


@login_required
def vouchers(request):
    person, _volunteer = _me(request)
    return render(
        request,
        "volunteers/me/vouchers.html",
        {"page": paginate(request, points_selectors.my_redemptions(person)), "query": ""},
    )


@login_required
@require_POST
def voucher_cancel(request, redemption_id: int):
    _me(request)
    try:
        mall.redemption_cancel(actor=request.user, redemption_id=redemption_id)
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("Cancelled; your points are back."))
    return redirect("me:vouchers")


@login_required
def donate(request):
    person, _volunteer = _me(request)
    form = DonateForm(*form_args(request))
    if idempotency.already_done(request, "points.donate") is not None:
        return redirect("me:donate")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gift = donations.points_donate(
                actor=request.user,
                points=data["points"],
                to=data["to"],
                recipient_mobile=data["recipient_mobile"],
                message=data["message"],
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            if gift.to_pool:
                done = _("Thank you! Your points went to the community pool.")
            else:
                done = _("Thank you! %(points)s points went to %(name)s.") % {
                    "points": gift.points,
                    "name": gift.recipient.name[:1] + "*",
                }
            idempotency.say_done(request, gift, done)
            return redirect("me:donate")
    return render(
        request,
        "volunteers/me/donate.html",
        {
            "form": form,
            "person": person,
            "balance": points_selectors.points_balances(person)[0],
            "gifts": points_selectors.donations_of(person)[:20],
        },
    )


@login_required
def certificate(request):
    person, volunteer = _me(request)
    if volunteer is None:
        messages.info(request, _("Only registered volunteers have a service certificate."))
        return redirect("me:home")
    cert = certificates.certificate_for(volunteer)
    return render(
        request,
        "volunteers/certificate.html",
        {"certificate": cert, "qr_svg": cert.qr_svg(request), "check_url": cert.url(request)},
    )
