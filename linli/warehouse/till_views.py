"""The charity supermarket till (收银台), its receipts and daily summary, the relief quotas, and
the resident's card whose QR code the till scans. Phone- and tablet-friendly."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.core import idempotency
from linli.core.errors import DomainError
from linli.core.paging import community_choice, message_domain_error, paginate, query_without_page
from linli.core.scoping import has_perm, require
from linli.people.models import Person
from linli.people.selectors import person_get
from linli.points.selectors import points_balances
from linli.warehouse import selectors
from linli.warehouse.forms import QuotaGrantForm, TillAddForm, TillStartForm
from linli.warehouse.models import Item, Location
from linli.warehouse.services import till
from linli.warehouse.services.outbound import OutLine

CARD_SALT = "linli.warehouse.card"
BASKET_MAX_LINES = 30


def card_token(person: Person) -> str:
    """What a resident's card QR code holds: their id, signed (nobody can forge another's)."""
    return signing.dumps({"p": person.pk}, salt=CARD_SALT, compress=True)


def person_from_card(token: str) -> int | None:
    try:
        return int(signing.loads((token or "").strip()[:300], salt=CARD_SALT)["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _basket_key(location_id: int, person_id: int) -> str:
    return f"till:{location_id}:{person_id}"


def _basket(request, location_id: int, person_id: int) -> dict[str, str]:
    return dict(request.session.get(_basket_key(location_id, person_id), {}))


def _save_basket(request, location_id: int, person_id: int, basket: dict[str, str]) -> None:
    request.session[_basket_key(location_id, person_id)] = basket


@login_required
def till_start(request):
    """Choose the shelf and find the customer (by name, or by scanning their card)."""
    community, communities = community_choice(request, Perm.WAREHOUSE_MANAGE)
    form = TillStartForm(request.GET or None, community_id=community.pk)
    if request.GET.get("location") and form.is_valid():
        person_id = form.cleaned_data["person"] or person_from_card(form.cleaned_data["card"])
        if person_id is None:
            form.add_error("card", _("Find the customer by name or scan their card."))
        else:
            person = person_get(request.user, person_id)  # 404 outside scope
            location = form.cleaned_data["location"]
            return redirect("warehouse:till_basket", location.pk, person.pk)
    return render(
        request,
        "warehouse/till_start.html",
        {"form": form, "community": community, "communities": communities},
    )


def _basket_rows(basket: dict[str, str], location: Location):
    items = Item.objects.in_bulk([int(k) for k in basket])
    rows, total = [], 0
    for key, quantity in basket.items():
        item = items.get(int(key))
        if item is None:
            continue
        quantity = Decimal(quantity)
        points = till.points_for(item, int(quantity))
        rows.append({"item": item, "quantity": quantity, "points": points})
        total += points
    return rows, total


@login_required
def till_basket(request, location_id: int, person_id: int):
    """The customer's basket: scan or pick items, then settle by points, quota or both."""
    location = selectors.location_get(request.user, location_id)
    require(request.user, Perm.WAREHOUSE_MANAGE, location.community_id)
    person = person_get(request.user, person_id)
    basket = _basket(request, location.pk, person.pk)
    form = TillAddForm(request.POST or None, community_id=location.community_id)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        if action == "add" and form.is_valid():
            item = form.cleaned_data["item"] or selectors.item_by_barcode(
                request.user, location.community_id, form.cleaned_data["barcode"]
            )
            if item is None:
                messages.error(request, _("No item in the catalogue has this barcode."))
            elif not item.points_price:
                messages.error(
                    request, _("%(item)s is not sold at the till.") % {"item": item.name}
                )
            elif len(basket) >= BASKET_MAX_LINES and str(item.pk) not in basket:
                messages.error(request, _("The basket is full."))
            else:
                quantity = Decimal(basket.get(str(item.pk), "0")) + form.cleaned_data["quantity"]
                basket[str(item.pk)] = str(quantity)
        elif action == "remove":
            basket.pop(request.POST.get("item", ""), None)
        elif action == "clear":
            basket = {}
        _save_basket(request, location.pk, person.pk, basket)
        if request.headers.get("HX-Request") is None:
            return redirect(request.path)
    rows, total = _basket_rows(basket, location)
    quota, item_quotas = till.current_quotas(person)
    context = {
        "location": location,
        "person": person,
        "rows": rows,
        "total": total,
        "points": points_balances(person)[0],
        "quota": quota,
        "quota_left": int(quota.account.balance) if quota else 0,
        "item_quotas": [q for q in item_quotas.values() if q.account.balance > 0],
        "form": TillAddForm(community_id=location.community_id),
    }
    template = "warehouse/till_basket.html"
    if request.headers.get("HX-Request"):
        template += "#basket"
    return render(request, template, context)


@login_required
@require_POST
def till_settle(request, location_id: int, person_id: int):
    location = selectors.location_get(request.user, location_id)
    person = person_get(request.user, person_id)
    # A retried settle (double click, reload, a lost answer) finds the first sale before the
    # basket, which that sale emptied.
    done = idempotency.already_done(request, "warehouse.sale")
    if done is not None:
        return redirect("warehouse:sale_detail", done.pk)
    basket = _basket(request, location.pk, person.pk)
    if not basket:
        messages.error(request, _("The basket is empty."))
        return redirect("warehouse:till_basket", location.pk, person.pk)
    try:
        sale = till.sale_settle(
            actor=request.user,
            community_id=location.community_id,
            location_id=location.pk,
            person_id=person.pk,
            lines=[OutLine(item_id=int(k), quantity=Decimal(v)) for k, v in basket.items()],
            pay_with=request.POST.get("pay_with", ""),
            idempotency_key=idempotency.form_key(request),
        )
    except DomainError as exc:
        message_domain_error(request, exc)
        return redirect("warehouse:till_basket", location.pk, person.pk)
    _save_basket(request, location.pk, person.pk, {})
    idempotency.say_done(request, sale, _("Paid. Hand over the goods and the receipt."))
    return redirect("warehouse:sale_detail", sale.pk)


@login_required
def sale_detail(request, sale_id: int):
    """小票: the receipt of one sale."""
    sale = selectors.sale_get(request.user, sale_id)
    return render(request, "warehouse/sale_detail.html", {"sale": sale})


@login_required
def till_summary(request):
    """日结: the day's sales per shelf — customers, points, quota and value — and the sales."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = timezone.localdate()
    community_id = request.community.pk if request.community else None
    sales = selectors.sale_list(request.user, community_id=community_id, day=day)
    return render(
        request,
        "warehouse/till_summary.html",
        {
            "day": day,
            "summary": selectors.till_summary(request.user, community_id=community_id, day=day),
            "page": paginate(request, sales, per_page=50),
            "query": query_without_page(request),
        },
    )


@login_required
def relief_quotas(request):
    """扶贫帮困: this month's quotas, and granting them (station administrators)."""
    community, communities = community_choice(request, Perm.WAREHOUSE_VIEW)
    can_grant = has_perm(request.user, Perm.WAREHOUSE_ADMIN, community.pk)
    form = QuotaGrantForm(request.POST or None, community_id=community.pk) if can_grant else None
    if idempotency.already_done(request, "warehouse.relief_grant") is not None:
        return redirect(f"{request.path}?community={community.pk}")
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        what = {"amount": data["amount"], "item_id": data["item"].pk if data["item"] else None}
        try:
            if data["everyone"]:
                n = till.relief_quota_grant_all(
                    actor=request.user, community_id=community.pk, **what
                )
                messages.success(request, _("%(n)s quotas granted.") % {"n": n})
            else:
                quota = till.relief_quota_grant(
                    actor=request.user,
                    community_id=community.pk,
                    person_id=data["person"],
                    idempotency_key=idempotency.form_key(request),
                    **what,
                )
                idempotency.say_done(request, quota, _("The quota is granted."))
        except DomainError as exc:
            message_domain_error(request, exc)
        return redirect(f"{request.path}?community={community.pk}")
    quotas = selectors.relief_quota_list(request.user, community_id=community.pk)
    return render(
        request,
        "warehouse/relief_quotas.html",
        {
            "community": community,
            "communities": communities,
            "page": paginate(request, quotas),
            "query": query_without_page(request),
            "form": form,
            "eligible": selectors.relief_eligible_count(community.pk),
        },
    )


@login_required
def person_card(request, person_id: int):
    """爱心卡: a printable card with the QR code the till scans."""
    import segno

    person = person_get(request.user, person_id)
    require(request.user, Perm.WAREHOUSE_MANAGE, person.community_id)
    token = card_token(person)
    return render(
        request,
        "warehouse/person_card.html",
        {
            "person": person,
            "qr_svg": segno.make(token, error="m").svg_inline(scale=4),
            "till_url": reverse("warehouse:till"),
        },
    )
