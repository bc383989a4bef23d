"""Pages of the resident registry.

Thin: parse with forms, act through services, read with selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.core.errors import DomainError, RateLimited, ValidationFailed
from linli.core.exports import xlsx_response
from linli.core.paging import (
    add_domain_errors,
    form_args,
    message_domain_error,
    paginate,
    query_without_page,
)
from linli.core.panels import render_panels
from linli.core.parsing import query_id
from linli.core.scoping import community_ids, has_perm, require, require_any
from linli.people import roster, roster_import, selectors, services
from linli.people.forms import (
    ConsentForm,
    EndTagForm,
    HouseholdCreateForm,
    HouseholdJoinForm,
    ImportConfirmForm,
    ImportUploadForm,
    PersonFilterForm,
    PersonForm,
    TagForm,
)
from linli.places.models import Community


def _filters(request) -> tuple[PersonFilterForm, selectors.PersonFilters]:
    ids = require_any(request.user, Perm.REGISTRY_VIEW)
    data = request.GET.copy()
    if "community" not in data and request.community is not None:
        data["community"] = str(request.community.pk)
    form = PersonFilterForm(data, community_ids=ids)
    form.is_valid()
    cleaned = form.cleaned_data
    filters = selectors.PersonFilters(
        community_id=cleaned["community"].pk if cleaned.get("community") else None,
        grid_id=cleaned["grid"].pk if cleaned.get("grid") else None,
        compound_id=cleaned["compound"].pk if cleaned.get("compound") else None,
        tag=cleaned.get("tag") or None,
        age_band=cleaned.get("age_band") or None,
        q=cleaned.get("q") or "",
    )
    return form, filters


@login_required
def person_list(request):
    """居民档案: filters, search, counts per tag, pagination; htmx swaps only the results."""
    form, filters = _filters(request)
    page = paginate(request, selectors.person_list(request.user, filters))
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "tag_counts": selectors.tag_counts(request.user, filters.community_id),
        "can_edit": has_perm(request.user, Perm.REGISTRY_EDIT),
    }
    template = "people/person_list.html"
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        template += "#results"
    return render(request, template, context)


@login_required
def person_pick(request):
    """The results of a resident picker (``people.widgets.PersonPicker``), as an htmx fragment."""
    people = selectors.person_pick(
        request.user, query_id(request, "community"), request.GET.get("q", "")
    )
    field = request.GET.get("field", "person")[:50]
    return render(
        request,
        "people/_person_pick.html",
        {"people": people, "field": field, "q": request.GET.get("q", "")[:50]},
    )


@login_required
def person_export(request):
    """The filtered list as Excel, IDs and mobiles masked."""
    _form, filters = _filters(request)
    people = selectors.person_list(request.user, filters)
    data = roster.roster_export(actor=request.user, people=people.iterator(chunk_size=500))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(data, f"residents-{stamp}.xlsx")


def _editable_communities(user):
    ids = community_ids(user, Perm.REGISTRY_EDIT)
    if not ids:
        require_any(user, Perm.REGISTRY_EDIT)
    return Community.objects.filter(id__in=ids).order_by("code")


@login_required
def person_create(request):
    communities = _editable_communities(request.user)
    form = PersonForm(*form_args(request), communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=request.user,
                community_id=form.cleaned_data["community"].pk,
                **form.service_fields(),
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, person_id: int):
    person = selectors.person_get(request.user, person_id)
    require(request.user, Perm.REGISTRY_EDIT, person.community_id)
    initial = {
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "compound": person.compound_id,
        "address": person.address,
        "guardian": person.guardian_id,
        "notes": person.notes,
    }
    form = PersonForm(
        *form_args(request),
        initial=initial,
        communities=Community.objects.filter(pk=person.community_id),
        person=person,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=request.user, person_id=person.pk, **form.service_fields())
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:detail", person_id=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
def person_detail(request, person_id: int):
    person = selectors.person_get(request.user, person_id)
    can_edit = has_perm(request.user, Perm.REGISTRY_EDIT, person.community_id)
    context = {
        "person": person,
        "can_edit": can_edit,
        "can_reveal": has_perm(request.user, Perm.REGISTRY_REVEAL, person.community_id),
        "can_register_volunteer": has_perm(
            request.user, Perm.VOLUNTEERS_MANAGE, person.community_id
        ),
        "tag_history": selectors.person_tag_history(person),
        "consents": selectors.person_consents(person),
        "audit_events": selectors.person_audit(person),
        "household_members": selectors.household_members(person.household)
        if person.household_id
        else [],
        "panels": render_panels("person", request, person),
    }
    if can_edit:
        context.update(
            tag_form=TagForm(),
            end_tag_form=EndTagForm(),
            consent_form=ConsentForm(person=person),
            household_form=HouseholdCreateForm(person=person),
            join_form=HouseholdJoinForm(person=person),
        )
    return render(request, "people/person_detail.html", context)


@login_required
@require_POST
def person_reveal(request, person_id: int):
    """htmx: the full number in place of the masked one; audited by the service."""
    field = request.POST.get("field", "")
    try:
        value = services.person_reveal(actor=request.user, person_id=person_id, field=field)
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=422)
    except RateLimited as exc:
        refusal = '<span class="text-danger small" role="alert">{}</span>'
        return HttpResponse(format_html(refusal, exc.message), status=429)
    return render(request, "people/person_detail.html#revealed", {"value": value, "field": field})


def _post_action(request, person_id: int, action, success: str):
    """Run one service for a POSTed form on the detail page; report its outcome as a message."""
    try:
        action()
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, success)
    return redirect("people:detail", person_id=person_id)


@login_required
@require_POST
def person_tag_add(request, person_id: int):
    form = TagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a tag and a valid date."))
        return redirect("people:detail", person_id=person_id)
    return _post_action(
        request,
        person_id,
        lambda: services.person_tag_add(
            actor=request.user, person_id=person_id, **form.cleaned_data
        ),
        _("Tag added."),
    )


@login_required
@require_POST
def person_tag_end(request, person_id: int, tag_id: int):
    form = EndTagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give a valid end date."))
        return redirect("people:detail", person_id=person_id)
    selectors.person_get(request.user, person_id)
    return _post_action(
        request,
        person_id,
        lambda: services.person_tag_end(
            actor=request.user, person_tag_id=tag_id, end_date=form.cleaned_data["end_date"]
        ),
        _("Tag ended; its history is kept."),
    )


@login_required
@require_POST
def consent_add(request, person_id: int):
    person = selectors.person_get(request.user, person_id)
    form = ConsentForm(request.POST, person=person)
    if not form.is_valid():
        messages.error(request, _("Please fill in the consent form completely."))
        return redirect("people:detail", person_id=person_id)
    data = form.cleaned_data
    return _post_action(
        request,
        person_id,
        lambda: services.consent_record(
            actor=request.user,
            person_id=person_id,
            purpose=data["purpose"],
            method=data["method"],
            given_on=data["given_on"],
            guardian_id=data["guardian"].pk if data["guardian"] else None,
        ),
        _("Consent recorded."),
    )


@login_required
@require_POST
def consent_withdraw(request, person_id: int, consent_id: int):
    selectors.person_get(request.user, person_id)
    return _post_action(
        request,
        person_id,
        lambda: services.consent_withdraw(actor=request.user, consent_id=consent_id),
        _("Consent withdrawn."),
    )


@login_required
@require_POST
def household_create(request, person_id: int):
    person = selectors.person_get(request.user, person_id)
    form = HouseholdCreateForm(request.POST, person=person)
    if not form.is_valid():
        messages.error(request, _("Please enter the building and door."))
        return redirect("people:detail", person_id=person_id)
    data = form.cleaned_data
    return _post_action(
        request,
        person_id,
        lambda: services.household_create(
            actor=request.user,
            community_id=person.community_id,
            address=data["address"],
            compound_id=data["compound"].pk if data["compound"] else None,
            head_id=person.pk,
        ),
        _("Household opened with this resident as head."),
    )


@login_required
@require_POST
def household_join(request, person_id: int):
    person = selectors.person_get(request.user, person_id)
    form = HouseholdJoinForm(request.POST, person=person)
    if not form.is_valid():
        messages.error(request, _("Please choose a household and the relation to its head."))
        return redirect("people:detail", person_id=person_id)
    return _post_action(
        request,
        person_id,
        lambda: services.household_add_member(
            actor=request.user,
            household_id=form.cleaned_data["household"].pk,
            person_id=person.pk,
            relation_to_head=form.cleaned_data["relation_to_head"],
        ),
        _("Added to the household."),
    )


@login_required
def household_detail(request, household_id: int):
    household = selectors.household_get(request.user, household_id)
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": selectors.household_members(household),
            "panels": render_panels("household", request, household),
        },
    )


@login_required
def import_upload(request):
    """Step 1 of the roster import: choose the community and the file."""
    communities = _editable_communities(request.user)
    form = ImportUploadForm(*form_args(request, files=True), communities=communities)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = roster_import.roster_upload(
                actor=request.user,
                community_id=form.cleaned_data["community"].pk,
                file_name=upload.name,
                data=upload.read(),
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("people:import_preview", batch_id=batch.pk)
    return render(
        request,
        "people/import_upload.html",
        {
            "form": form,
            "max_rows": settings.LINLI_IMPORT_MAX_ROWS,
            "max_mb": f"{settings.LINLI_IMPORT_MAX_BYTES / (1024 * 1024):g}",
        },
    )


@login_required
def import_preview(request, batch_id: int):
    """Step 2: every row with its errors; confirm writes the rows in chunks. Afterwards the same
    page shows the progress and the outcome (failed rows, children whose guardian to record)."""
    batch, rows = roster_import.roster_preview(actor=request.user, batch_id=batch_id)
    form = ImportConfirmForm(*form_args(request))
    if request.method == "POST" and form.is_valid():
        if "discard" in request.POST:
            try:
                roster_import.roster_discard(actor=request.user, batch_id=batch.pk)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.info(request, _("The roster was discarded; nothing was imported."))
            return redirect("people:import_upload")
        try:
            result = roster_import.roster_apply(
                actor=request.user,
                batch_id=batch.pk,
                update_existing=form.cleaned_data["update_existing"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            message = (
                _("Imported: %(created)d new, %(updated)d updated, %(tagged)d tags added.") % result
            )
            if result["failed"]:
                messages.warning(
                    request,
                    message + " " + _("%(failed)d rows could not be written; see below.") % result,
                )
            else:
                messages.success(request, message)
        return redirect("people:import_preview", batch_id=batch.pk)
    template = "people/import_preview.html"
    if request.headers.get("HX-Request"):
        template += "#progress"
    return render(
        request,
        template,
        {
            "batch": batch,
            "rows": rows,
            "form": form,
            "bad_rows": sum(1 for r in rows if r.errors),
            "updates": sum(1 for r in rows if r.action == "update"),
            "children": [r for r in rows if r.child and r.result != "failed"],
            "failed": [r for r in rows if r.result == "failed"],
        },
    )
