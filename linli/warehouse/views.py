"""Pages of the love warehouse: stock, catalogue, locations, donations in, handouts, transfers,
counts, write-offs, the pharmacist's checks, pledges. Thin: services write, selectors read."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.core import idempotency
from linli.core.errors import DomainError
from linli.core.exports import xlsx_response
from linli.core.paging import (
    add_domain_errors,
    community_choice,
    form_args,
    message_domain_error,
    paginate,
    query_without_page,
)
from linli.core.parsing import id_param
from linli.core.privacy import mask_name
from linli.core.scoping import has_perm, scope
from linli.core.uploads import image_response
from linli.people.models import Person
from linli.warehouse import selectors
from linli.warehouse.forms import (
    CountLineAddForm,
    DistributionForm,
    DonationForm,
    DonationLineForm,
    ItemForm,
    LocationForm,
    MedicineCheckForm,
    OutLineForm,
    PledgeForm,
    StockLevelForm,
    TransferForm,
    WriteOffForm,
    line_formset,
)
from linli.warehouse.models import (
    AdjustmentReason,
    Category,
    Distribution,
    Donation,
    StockCount,
)
from linli.warehouse.services import catalogue, counts, inbound, outbound


def _community_id(request) -> int | None:
    return request.community.pk if getattr(request, "community", None) else None


def _q(request) -> str:
    return request.GET.get("q", "").strip()[:50]


def _int(value) -> int | None:
    return id_param(value)


def _out_lines(lines) -> list[outbound.OutLine]:
    """The filled lines of an ``OutLineForm`` formset, for the services."""
    return [
        outbound.OutLine(
            item_id=f.cleaned_data["item"].pk,
            quantity=f.cleaned_data["quantity"],
            lot_id=f.cleaned_data.get("lot"),
        )
        for f in lines
        if f.is_filled
    ]


def _fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


# --- stock -------------------------------------------------------------------------------------


@login_required
def stock(request):
    """库存: what is where, per item and location, with its value; alerts on top."""
    community_id = _community_id(request)
    location_id = _int(request.GET.get("location"))
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    q = _q(request)
    rows = selectors.stock_on_hand(
        request.user, community_id=community_id, location_id=location_id, category=category, q=q
    )
    page = paginate(request, rows, per_page=50)
    return render(
        request,
        "warehouse/stock.html",
        {
            "page": page,
            "query": query_without_page(request),
            "q": q,
            "category": category,
            "location_id": location_id,
            "categories": Category.choices,
            "locations": selectors.location_list(request.user, community_id=community_id),
            "total_value_fen": selectors.stock_value_fen(request.user, community_id=community_id),
            "below": selectors.below_minimum(request.user, community_id=community_id),
            "expiring": selectors.expiring_soon(request.user, community_id=community_id).count(),
            "medicine_waiting": selectors.medicine_waiting(
                request.user, community_id=community_id
            ).count(),
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def alerts(request):
    """库存预警: below-minimum levels (emergency reserve first) and lots expiring soon."""
    community_id = _community_id(request)
    days = _int(request.GET.get("days")) or selectors.EXPIRY_WARNING_DAYS
    days = min(days, 365)
    return render(
        request,
        "warehouse/alerts.html",
        {
            "below": selectors.below_minimum(request.user, community_id=community_id),
            "expiring": selectors.expiring_soon(request.user, community_id=community_id, days=days)[
                :200
            ],
            "days": days,
            "can_write_off": has_perm(request.user, Perm.WAREHOUSE_ADMIN),
        },
    )


# --- catalogue ---------------------------------------------------------------------------------


@login_required
def item_list(request):
    """物资目录: items with what is on hand; search by name or barcode."""
    q = _q(request)
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    items = selectors.item_list(
        request.user, community_id=_community_id(request), q=q, category=category
    )
    return render(
        request,
        "warehouse/item_list.html",
        {
            "page": paginate(request, items),
            "query": query_without_page(request),
            "q": q,
            "category": category,
            "categories": Category.choices,
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def item_edit(request, item_id: int | None = None):
    item = selectors.item_get(request.user, item_id) if item_id else None
    community = item.community if item else community_choice(request, Perm.WAREHOUSE_MANAGE)[0]
    initial = {}
    if item is not None:
        initial = {f: getattr(item, f) for f in ItemForm.base_fields if hasattr(item, f)}
        initial["fair_value"] = Decimal(item.fair_value_fen) / 100
    form = ItemForm(*form_args(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                item = catalogue.item_create(
                    actor=request.user, community_id=community.pk, **form.service_data()
                )
            else:
                catalogue.item_update(actor=request.user, item_id=item.pk, **form.service_data())
        except DomainError as exc:
            add_domain_errors(form, exc, {"fair_value_fen": "fair_value"})
        else:
            messages.success(request, _("The item is saved."))
            return redirect("warehouse:item_detail", item.pk)
    return render(
        request, "warehouse/item_form.html", {"form": form, "item": item, "community": community}
    )


@login_required
def item_detail(request, item_id: int):
    item = selectors.item_get(request.user, item_id)
    return render(
        request,
        "warehouse/item_detail.html",
        {
            "item": item,
            "holdings": selectors.item_holdings(item),
            "levels": item.levels.select_related("location"),
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE, item.community_id),
        },
    )


# --- locations ---------------------------------------------------------------------------------


@login_required
def location_list(request):
    return render(
        request,
        "warehouse/location_list.html",
        {
            "locations": selectors.location_list(request.user, community_id=_community_id(request)),
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def location_edit(request, location_id: int | None = None):
    location = selectors.location_get(request.user, location_id) if location_id else None
    community = (
        location.community if location else community_choice(request, Perm.WAREHOUSE_MANAGE)[0]
    )
    initial = {}
    if location is not None:
        initial = {f: getattr(location, f) for f in ("name", "kind", "address", "is_active")}
        initial["parent"] = location.parent_id
    form = LocationForm(
        *form_args(request),
        initial=initial,
        community_id=community.pk,
        exclude_id=location.pk if location else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if location is None:
                location = catalogue.location_create(
                    actor=request.user, community_id=community.pk, **form.service_data()
                )
            else:
                catalogue.location_update(
                    actor=request.user, location_id=location.pk, **form.service_data()
                )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("The location is saved."))
            return redirect("warehouse:location_detail", location.pk)
    return render(
        request,
        "warehouse/location_form.html",
        {"form": form, "location": location, "community": community},
    )


@login_required
def location_detail(request, location_id: int):
    location = selectors.location_get(request.user, location_id)
    can_manage = has_perm(request.user, Perm.WAREHOUSE_MANAGE, location.community_id)
    level_form = StockLevelForm(*form_args(request), community_id=location.community_id)
    if request.method == "POST" and can_manage and level_form.is_valid():
        try:
            catalogue.stock_level_set(
                actor=request.user,
                location_id=location.pk,
                item_id=level_form.cleaned_data["item"].pk,
                minimum=level_form.cleaned_data["minimum"],
                recommended=level_form.cleaned_data["recommended"],
            )
        except DomainError as exc:
            add_domain_errors(level_form, exc, {"item_id": "item"})
        else:
            messages.success(request, _("The stock level is saved."))
            return redirect("warehouse:location_detail", location.pk)
    open_count = location.counts.filter(
        status__in=[StockCount.Status.COUNTING, StockCount.Status.REVIEW]
    ).first()
    return render(
        request,
        "warehouse/location_detail.html",
        {
            "location": location,
            "holdings": selectors.location_holdings(location),
            "levels": location.levels.select_related("item").order_by("item__name"),
            "level_form": level_form if can_manage else None,
            "open_count": open_count,
            "can_manage": can_manage,
            "can_write_off": has_perm(request.user, Perm.WAREHOUSE_ADMIN, location.community_id),
        },
    )


# --- donations in ------------------------------------------------------------------------------


@login_required
def donation_list(request):
    """捐赠记录: who gave what, when, worth how much."""
    q = _q(request)
    kind = request.GET.get("donor_kind", "")
    kind = kind if kind in Donation.DonorKind.values else ""
    donations = selectors.donation_list(
        request.user, community_id=_community_id(request), q=q, donor_kind=kind
    )
    return render(
        request,
        "warehouse/donation_list.html",
        {
            "page": paginate(request, donations),
            "query": query_without_page(request),
            "q": q,
            "donor_kind": kind,
            "kinds": Donation.DonorKind.choices,
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def donation_create(request):
    """捐赠入库: the donor, then the goods line by line."""
    community, communities = community_choice(request, Perm.WAREHOUSE_MANAGE)
    items = selectors.item_choices(community.pk)
    form = DonationForm(*form_args(request), community_id=community.pk)
    lines = line_formset(DonationLineForm, data=request.POST or None, items=items)
    done = idempotency.already_done(request, "warehouse.donation")
    if done is not None:
        return redirect("warehouse:donation_detail", done.pk)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        entered = [
            inbound.LineIn(
                item_id=f.cleaned_data["item"].pk,
                quantity=f.cleaned_data["quantity"],
                expires_on=f.cleaned_data.get("expires_on"),
                value_fen=_fen(f.cleaned_data.get("value")),
                unopened=f.cleaned_data.get("unopened"),
            )
            for f in lines
            if f.is_filled
        ]
        data = form.cleaned_data
        try:
            donation = inbound.donation_receive(
                actor=request.user,
                community_id=community.pk,
                location_id=data["location"].pk,
                donor_kind=data["donor_kind"],
                donor_person_id=data["donor_person"],
                donor_name=data["donor_name"],
                received_on=data["received_on"],
                note=data["note"],
                lines=entered,
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(
                form, exc, {"donor_person_id": "donor_person", "location_id": "location"}
            )
        else:
            idempotency.say_done(
                request, donation, _("Donation received. The certificate is ready to print.")
            )
            return redirect("warehouse:donation_detail", donation.pk)
    return render(
        request,
        "warehouse/donation_form.html",
        {"form": form, "lines": lines, "community": community, "communities": communities},
    )


@login_required
def donation_detail(request, donation_id: int):
    donation = selectors.donation_get(request.user, donation_id)
    return render(request, "warehouse/donation_detail.html", {"donation": donation})


@login_required
def donation_certificate(request, donation_id: int):
    """捐赠证书: printable, with a QR code anyone can scan to check it."""
    import segno

    donation = selectors.donation_get(request.user, donation_id)
    url = request.build_absolute_uri(
        reverse("warehouse_certificate_check", args=[donation.certificate_code])
    )
    return render(
        request,
        "warehouse/certificate.html",
        {
            "donation": donation,
            "check_url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=4),
        },
    )


def certificate_check(request, code: str):
    """Public (no login): is this donation certificate genuine? Shows the masked donor only."""
    donation = selectors.donation_by_certificate(code)
    donor = ""
    if donation is not None:
        donor = donation.donor_display
        if donation.donor_kind == Donation.DonorKind.RESIDENT:
            donor = mask_name(donor)
    return render(
        request,
        "warehouse/certificate_check.html",
        {"donation": donation, "donor": donor},
        status=200 if donation else 404,
    )


# --- distributions out -------------------------------------------------------------------------


@login_required
def distribution_list(request):
    """发放记录."""
    q = _q(request)
    kind = request.GET.get("recipient_kind", "")
    kind = kind if kind in Distribution.RecipientKind.values else ""
    rows = selectors.distribution_list(
        request.user, community_id=_community_id(request), q=q, recipient_kind=kind
    )
    return render(
        request,
        "warehouse/distribution_list.html",
        {
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "q": q,
            "recipient_kind": kind,
            "kinds": Distribution.RecipientKind.choices,
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def distribution_create(request):
    """发放: who receives, the goods (first expiry first unless a lot is picked), the receipt."""
    community, communities = community_choice(request, Perm.WAREHOUSE_MANAGE)
    items = selectors.item_choices(community.pk)
    initial = {}
    if _int(request.GET.get("person")):
        initial = {"recipient_kind": "person", "person": _int(request.GET.get("person"))}
    elif _int(request.GET.get("household")):  # a member of the household (its head)
        initial = {"recipient_kind": "household", "household": _int(request.GET.get("household"))}
    form = DistributionForm(
        *form_args(request, files=True), initial=initial, community_id=community.pk
    )
    lines = line_formset(OutLineForm, data=request.POST or None, items=items)
    done = idempotency.already_done(request, "warehouse.distribution")
    if done is not None:
        return redirect("warehouse:distribution_detail", done.pk)
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        household_id = None
        if data["recipient_kind"] == Distribution.RecipientKind.HOUSEHOLD and data["household"]:
            household_id = (
                scope(
                    Person.objects.all(),
                    request.user,
                    Perm.REGISTRY_VIEW,
                    community_id=community.pk,
                )
                .filter(pk=data["household"])
                .values_list("household_id", flat=True)
                .first()
            )
        try:
            distribution = outbound.distribution_create(
                actor=request.user,
                community_id=community.pk,
                location_id=data["location"].pk,
                recipient_kind=data["recipient_kind"],
                person_id=data["person"],
                household_id=household_id,
                occasion=data["occasion"],
                distributed_on=data["distributed_on"],
                signed_by=data["signed_by"],
                receipt=data["receipt"] or None,
                note=data["note"],
                lines=_out_lines(lines),
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(
                form,
                exc,
                {"person_id": "person", "household_id": "household", "location_id": "location"},
            )
        else:
            idempotency.say_done(request, distribution, _("The handout is recorded."))
            return redirect("warehouse:distribution_detail", distribution.pk)
    if request.FILES.get("receipt"):  # refused: a browser cannot keep the chosen file
        form["receipt"].help_text = _(
            "Choose the photo of the receipt again: the form was not saved, and a page cannot "
            "keep a photo that was chosen before."
        )
    return render(
        request,
        "warehouse/distribution_form.html",
        {"form": form, "lines": lines, "community": community, "communities": communities},
    )


@login_required
def distribution_detail(request, distribution_id: int):
    distribution = selectors.distribution_get(request.user, distribution_id)
    return render(request, "warehouse/distribution_detail.html", {"distribution": distribution})


@login_required
def distribution_receipt(request, distribution_id: int, thumbnail: bool = False):
    """The receipt photo (or its thumbnail), only to those who may see the handout: served as the
    stored image type with ``nosniff`` and a download name of our own."""
    distribution = selectors.distribution_get(request.user, distribution_id)
    return image_response(distribution.receipt, f"receipt-{distribution.pk}", thumbnail=thumbnail)


# --- transfers, counts, write-offs -------------------------------------------------------------


@login_required
def transfer_list(request):
    rows = selectors.transfer_list(request.user, community_id=_community_id(request))
    return render(
        request,
        "warehouse/transfer_list.html",
        {
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def transfer_create(request):
    """调拨: goods from one location to another."""
    community, communities = community_choice(request, Perm.WAREHOUSE_MANAGE)
    form = TransferForm(*form_args(request), community_id=community.pk)
    lines = line_formset(
        OutLineForm, data=request.POST or None, items=selectors.item_choices(community.pk)
    )
    if idempotency.already_done(request, "warehouse.transfer") is not None:
        return redirect("warehouse:transfer_list")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            transfer = outbound.transfer_create(
                actor=request.user,
                community_id=community.pk,
                from_location_id=form.cleaned_data["from_location"].pk,
                to_location_id=form.cleaned_data["to_location"].pk,
                note=form.cleaned_data["note"],
                lines=_out_lines(lines),
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(
                form, exc, {"from_location_id": "from_location", "to_location_id": "to_location"}
            )
        else:
            idempotency.say_done(request, transfer, _("The goods are moved."))
            return redirect("warehouse:transfer_list")
    return render(
        request,
        "warehouse/transfer_form.html",
        {"form": form, "lines": lines, "community": community, "communities": communities},
    )


@login_required
def count_list(request):
    status = request.GET.get("status", "")
    status = status if status in StockCount.Status.values else ""
    rows = selectors.count_list(request.user, community_id=_community_id(request), status=status)
    return render(
        request,
        "warehouse/count_list.html",
        {
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "status": status,
            "statuses": StockCount.Status.choices,
        },
    )


@login_required
@require_POST
def count_start(request, location_id: int):
    location = selectors.location_get(request.user, location_id)
    try:
        count = counts.count_start(actor=request.user, location_id=location.pk)
    except DomainError as exc:
        message_domain_error(request, exc)
        return redirect("warehouse:location_detail", location.pk)
    messages.success(request, _("The count is open: enter what you find on the shelves."))
    return redirect("warehouse:count_detail", count.pk)


@login_required
def count_detail(request, count_id: int):
    """One count: enter quantities and reasons, submit, and (station admin) finalise."""
    count = selectors.count_get(request.user, count_id)
    can_count = has_perm(request.user, Perm.WAREHOUSE_MANAGE, count.community_id)
    add_form = CountLineAddForm(community_id=count.community_id)
    if request.method == "POST" and can_count:
        entries = {}
        for line in count.line_rows:
            if f"counted-{line.pk}" in request.POST:
                entries[line.pk] = (
                    request.POST.get(f"counted-{line.pk}", "").strip(),
                    request.POST.get(f"reason-{line.pk}", ""),
                )
        try:
            counts.count_record(actor=request.user, count_id=count.pk, entries=entries)
            if request.POST.get("then") == "submit":
                counts.count_submit(actor=request.user, count_id=count.pk)
                messages.success(request, _("The count is submitted for review."))
            else:
                messages.success(request, _("Saved."))
        except DomainError as exc:
            message_domain_error(request, exc)
        return redirect("warehouse:count_detail", count.pk)
    return render(
        request,
        "warehouse/count_detail.html",
        {
            "count": count,
            "reasons": AdjustmentReason.choices,
            "can_count": can_count,
            "can_finalise": has_perm(request.user, Perm.WAREHOUSE_ADMIN, count.community_id),
            "add_form": add_form,
        },
    )


@login_required
@require_POST
def count_action(request, count_id: int, action: str):
    count = selectors.count_get(request.user, count_id)
    actions = {
        "finalise": (
            counts.count_finalise,
            _("The count is finalised: the differences are posted."),
        ),
        "reopen": (counts.count_reopen, _("The count is back to counting.")),
        "cancel": (counts.count_cancel, _("The count is cancelled.")),
    }
    if action not in actions:
        raise Http404
    service, success = actions[action]
    try:
        service(actor=request.user, count_id=count.pk, note=request.POST.get("note", ""))
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, success)
    return redirect("warehouse:count_detail", count.pk)


@login_required
@require_POST
def count_line_add(request, count_id: int):
    count = selectors.count_get(request.user, count_id)
    form = CountLineAddForm(request.POST, community_id=count.community_id)
    if not form.is_valid():
        messages.error(request, _("Choose the item (and its expiry date)."))
    else:
        try:
            counts.count_line_add(
                actor=request.user,
                count_id=count.pk,
                item_id=form.cleaned_data["item"].pk,
                expires_on=form.cleaned_data["expires_on"],
            )
        except DomainError as exc:
            message_domain_error(request, exc)
    return redirect("warehouse:count_detail", count.pk)


@login_required
def write_off_list(request):
    rows = selectors.write_off_list(request.user, community_id=_community_id(request))
    return render(
        request,
        "warehouse/write_off_list.html",
        {"page": paginate(request, rows), "query": query_without_page(request)},
    )


@login_required
def write_off_create(request, holding_id: int):
    """报损: confirm writing off (part of) one lot at one location."""
    holding = selectors.holding_get(request.user, holding_id)
    form = WriteOffForm(*form_args(request))
    if idempotency.already_done(request, "warehouse.write_off") is not None:
        return redirect("warehouse:location_detail", holding.location_id)
    if request.method == "POST" and form.is_valid():
        try:
            write_off = outbound.write_off_create(
                actor=request.user,
                holding_id=holding.pk,
                reason=form.cleaned_data["reason"],
                quantity=form.cleaned_data["quantity"],
                note=form.cleaned_data["note"],
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            idempotency.say_done(request, write_off, _("Written off."))
            return redirect("warehouse:location_detail", holding.location_id)
    return render(request, "warehouse/write_off_form.html", {"form": form, "holding": holding})


@login_required
@require_POST
def expired_write_off(request, location_id: int):
    location = selectors.location_get(request.user, location_id)
    try:
        done = outbound.expired_write_off(actor=request.user, location_id=location.pk)
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("%(n)s expired lots written off.") % {"n": len(done)})
    return redirect("warehouse:location_detail", location.pk)


# --- medicine and pledges ----------------------------------------------------------------------


@login_required
def medicine_list(request):
    """药师核验: donated medicine waiting for the pharmacist."""
    lots = selectors.medicine_waiting(request.user, community_id=_community_id(request))
    return render(
        request,
        "warehouse/medicine_list.html",
        {
            "page": paginate(request, lots),
            "query": query_without_page(request),
            "can_check": has_perm(request.user, Perm.MEDICINE_CHECK),
            "form": MedicineCheckForm(),
        },
    )


@login_required
@require_POST
def medicine_check(request, lot_id: int):
    form = MedicineCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose release or reject."))
        return redirect("warehouse:medicine_list")
    try:
        counts.medicine_check(
            actor=request.user,
            lot_id=lot_id,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("The check is recorded."))
    return redirect("warehouse:medicine_list")


@login_required
def pledge_list(request):
    """人力资源支持: labour and services pledged to the station."""
    q = _q(request)
    show = request.GET.get("show", "active")
    active = {"active": True, "ended": False}.get(show)
    rows = selectors.pledge_list(
        request.user, community_id=_community_id(request), q=q, active=active
    )
    return render(
        request,
        "warehouse/pledge_list.html",
        {
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "q": q,
            "show": show,
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE),
        },
    )


@login_required
def pledge_edit(request, pledge_id: int | None = None):
    pledge = selectors.pledge_get(request.user, pledge_id) if pledge_id else None
    community = pledge.community if pledge else community_choice(request, Perm.WAREHOUSE_MANAGE)[0]
    initial = {}
    if pledge is not None:
        initial = {f: getattr(pledge, f) for f in PledgeForm.base_fields if hasattr(pledge, f)}
        initial["person"] = pledge.person_id
    form = PledgeForm(*form_args(request), initial=initial, community_id=community.pk)
    if request.method == "POST" and form.is_valid():
        try:
            if pledge is None:
                inbound.pledge_create(
                    actor=request.user, community_id=community.pk, **form.service_data()
                )
            else:
                inbound.pledge_update(
                    actor=request.user, pledge_id=pledge.pk, **form.service_data()
                )
        except DomainError as exc:
            add_domain_errors(form, exc, {"person_id": "person"})
        else:
            messages.success(request, _("The pledge is saved."))
            return redirect("warehouse:pledge_list")
    return render(
        request,
        "warehouse/pledge_form.html",
        {"form": form, "pledge": pledge, "community": community},
    )


# --- panels on other apps' pages ---------------------------------------------------------------


def household_panel(request, household) -> str:
    """The household's distribution history, on the household page (registered in apps.py)."""
    if not has_perm(request.user, Perm.WAREHOUSE_VIEW, household.community_id):
        return ""
    return render_to_string(
        "warehouse/_household_panel.html",
        {
            "distributions": selectors.household_distributions(household),
            "household": household,
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE, household.community_id),
        },
        request=request,
    )


def person_panel(request, person) -> str:
    """On the resident's page: what they received, tools they have out, their love card."""
    if not has_perm(request.user, Perm.WAREHOUSE_VIEW, person.community_id):
        return ""
    return render_to_string(
        "warehouse/_person_panel.html",
        {
            "person": person,
            "distributions": selectors.person_distributions(person),
            "loans": selectors.loan_list(request.user, community_id=person.community_id).filter(
                borrower=person
            ),
            "can_manage": has_perm(request.user, Perm.WAREHOUSE_MANAGE, person.community_id),
        },
        request=request,
    )


def dashboard_panel(request, _obj) -> str:
    """On the station dashboard: today's stock alerts for the user's (chosen) communities."""
    if not has_perm(request.user, Perm.WAREHOUSE_VIEW):
        return ""
    community_id = _community_id(request)
    return render_to_string(
        "warehouse/_dashboard_panel.html",
        {
            "below": selectors.below_minimum(request.user, community_id=community_id),
            "expiring": selectors.expiring_soon(request.user, community_id=community_id).count(),
            "medicine_waiting": selectors.medicine_waiting(
                request.user, community_id=community_id
            ).count(),
            "overdue_loans": selectors.loan_list(
                request.user, community_id=community_id, show="overdue"
            ).count(),
        },
        request=request,
    )


REPORTS = {
    "stock": _lazy("Stock on hand by location and category"),
    "inflows": _lazy("Donations in by donor and month"),
    "outflows": _lazy("Goods given out by beneficiary group and month"),
}


@login_required
def report(request):
    """报表: the three warehouse reports, on the page or as Excel (``?format=xlsx``)."""
    from linli.warehouse import reports

    kind = request.GET.get("report", "stock")
    kind = kind if kind in REPORTS else "stock"
    this_year = timezone.localdate().year
    year = _int(request.GET.get("year")) or this_year
    year = year if 2000 <= year <= this_year + 1 else this_year
    table = reports.report_for(request.user, kind, year=year, community_id=_community_id(request))
    if request.GET.get("format") == "xlsx":
        return xlsx_response(reports.workbook_bytes(table), f"warehouse-{kind}-{year}.xlsx")
    return render(
        request,
        "warehouse/report.html",
        {
            "table": table,
            "rows": [table.cells(row) for row in table.rows],
            "total": table.cells(table.total_row()),
            "kind": kind,
            "reports": REPORTS,
            "year": year,
            "years": range(this_year, this_year - 5, -1),
            "query": query_without_page(request),
        },
    )
