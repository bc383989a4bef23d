"""Pages for volunteers and teams (station side)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse as reverse_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from linli.accounts.roles import Perm
from linli.core import idempotency
from linli.core.audit import record as audit_record
from linli.core.errors import DomainError
from linli.core.paging import (
    add_domain_errors,
    community_choice,
    form_args,
    message_domain_error,
    paginate,
    query_without_page,
)
from linli.core.parsing import query_id, query_int
from linli.core.scoping import community_ids, has_perm, require
from linli.people import selectors as people_selectors
from linli.points import selectors as points_selectors
from linli.volunteers import certificates, hours, selectors, services, stars
from linli.volunteers.forms import (
    WEEKDAY_LABELS,
    AddMemberForm,
    DecideForm,
    HoursForm,
    StarPolicyForm,
    TeamForm,
    VolunteerRegisterForm,
)
from linli.volunteers.models import WEEKDAYS, Period, ServiceRecord, Skill


def _community_id(request) -> int | None:
    return request.community.pk if request.community else None


@login_required
def volunteer_list(request):
    """志愿者: search by name or pinyin initials, filter by skill."""
    skill = request.GET.get("skill", "")[:20]
    volunteers = selectors.volunteer_list(
        request.user,
        community_id=_community_id(request),
        skill_id=query_id(request, "skill"),
        q=request.GET.get("q", "")[:50],
    )
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "page": paginate(request, volunteers),
            "query": query_without_page(request),
            "skills": Skill.objects.filter(is_active=True),
            "chosen_skill": skill,
            "q": request.GET.get("q", "")[:50],
        },
    )


@login_required
def volunteer_detail(request, volunteer_id: int):
    volunteer = selectors.volunteer_get(request.user, volunteer_id)
    availability = [
        (WEEKDAY_LABELS[day], [p in volunteer.availability.get(day, []) for p in Period.values])
        for day in WEEKDAYS
    ]
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "availability": availability,
            "periods": Period.choices,
            "memberships": selectors.volunteer_teams(volunteer),
            "year": timezone.localdate().year,
            "hours": selectors.volunteer_hours(volunteer, timezone.localdate().year),
            "award": selectors.stars_of(volunteer),
            "points_this_year": points_selectors.points_earned_in_year(
                volunteer.person, timezone.localdate().year
            ),
        },
    )


@login_required
def volunteer_register(request, person_id: int):
    """Register a resident (from their page) as a volunteer."""
    person = people_selectors.person_get(request.user, person_id)
    require(request.user, Perm.VOLUNTEERS_MANAGE, person.community_id)
    form = VolunteerRegisterForm(*form_args(request), community_id=person.community_id)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = services.volunteer_register(
                actor=request.user,
                person_id=person.pk,
                consent_method=form.cleaned_data["consent_method"],
                skill_ids=[s.pk for s in form.cleaned_data["skills"]],
                availability=form.availability(),
                grid_ids=[g.pk for g in form.cleaned_data["grids"]],
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"skill_ids": "skills", "grid_ids": "grids"})
        else:
            messages.success(
                request, _("%(name)s is registered as a volunteer.") % {"name": person}
            )
            return redirect("volunteers:detail", volunteer_id=volunteer.pk)
    day_fields = [form[f"free_{day}"] for day in WEEKDAYS]
    return render(
        request,
        "volunteers/volunteer_form.html",
        {"form": form, "person": person, "day_fields": day_fields},
    )


@login_required
def team_list(request):
    """志愿服务队 with member counts and waiting requests."""
    teams = selectors.team_list(request.user, community_id=_community_id(request))
    return render(
        request,
        "volunteers/team_list.html",
        {"teams": teams, "can_manage": has_perm(request.user, Perm.VOLUNTEERS_MANAGE)},
    )


@login_required
def team_create(request):
    community_obj, _communities = community_choice(request, Perm.VOLUNTEERS_MANAGE)
    form = TeamForm(*form_args(request), community_id=community_obj.pk)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(
                actor=request.user,
                community_id=community_obj.pk,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                leader_id=form.cleaned_data["leader"].pk if form.cleaned_data["leader"] else None,
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Team %(name)s is open.") % {"name": team.name})
            return redirect("volunteers:team_detail", team_id=team.pk)
    return render(request, "volunteers/team_form.html", {"form": form, "community": community_obj})


@login_required
def team_detail(request, team_id: int):
    team = selectors.team_get(request.user, team_id)
    memberships = list(team.memberships.all())
    can_manage = has_perm(request.user, Perm.VOLUNTEERS_MANAGE, team.community_id)
    return render(
        request,
        "volunteers/team_detail.html",
        {
            "team": team,
            "members": [m for m in memberships if m.status == "approved"],
            "pending": [m for m in memberships if m.status == "pending"],
            "past": [m for m in memberships if m.status in ("rejected", "left")],
            "can_manage": can_manage,
            "add_form": AddMemberForm(team=team) if can_manage else None,
            "decide_form": DecideForm(),
        },
    )


@login_required
@require_POST
def team_add_member(request, team_id: int):
    team = selectors.team_get(request.user, team_id)
    form = AddMemberForm(request.POST, team=team)
    if not form.is_valid():
        messages.error(request, _("Please choose a volunteer of this community."))
    else:
        try:
            services.team_join_request(
                actor=request.user, team_id=team.pk, volunteer_id=form.cleaned_data["volunteer"].pk
            )
        except DomainError as exc:
            message_domain_error(request, exc)
        else:
            messages.success(request, _("Request added; the leader or the station approves it."))
    return redirect("volunteers:team_detail", team_id=team.pk)


@login_required
@require_POST
def team_decide(request, team_id: int, membership_id: int):
    team = selectors.team_get(request.user, team_id)
    form = DecideForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        services.team_join_decide(
            actor=request.user,
            membership_id=membership_id,
            approve=approve,
            reason=form.cleaned_data.get("reason", ""),
        )
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("Approved.") if approve else _("Rejected."))
    return redirect("volunteers:team_detail", team_id=team.pk)


@login_required
def hours_queue(request):
    """服务时长核实: records waiting (or in another state), with verify / reject / reverse."""
    status = request.GET.get("status", "submitted")
    if status not in ServiceRecord.Status.values:
        status = "submitted"
    records = selectors.service_record_list(
        request.user, community_id=_community_id(request), status=status
    )
    ids = community_ids(request.user, Perm.VOLUNTEERS_MANAGE)
    form = HoursForm(*form_args(request), community_ids=ids) if ids else None
    if idempotency.already_done(request, "volunteers.hours") is not None:
        return redirect("volunteers:hours")
    if form is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = hours.service_record_submit(
                actor=request.user,
                volunteer_id=data["volunteer"].pk,
                served_on=data["served_on"],
                hours=data["hours"],
                description=data["description"],
                idempotency_key=idempotency.form_key(request),
            )
        except DomainError as exc:
            add_domain_errors(form, exc, {"volunteer_id": "volunteer"})
        else:
            idempotency.say_done(request, record, _("Hours submitted; someone else verifies them."))
            return redirect("volunteers:hours")
    return render(
        request,
        "volunteers/hours_queue.html",
        {
            "page": paginate(request, records),
            "query": query_without_page(request),
            "status": status,
            "statuses": ServiceRecord.Status.choices,
            "form": form,
        },
    )


@login_required
@require_POST
def hours_decide(request, record_id: int):
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")[:200]
    try:
        if action == "verify":
            record = hours.service_record_verify(actor=request.user, record_id=record_id)
            messages.success(
                request, _("Verified: %(points)s points credited.") % {"points": record.points}
            )
        elif action == "reject":
            hours.service_record_reject(actor=request.user, record_id=record_id, reason=reason)
            messages.success(request, _("Rejected."))
        elif action == "reverse":
            hours.service_record_reverse(actor=request.user, record_id=record_id, reason=reason)
            messages.success(request, _("Reversed; the points were taken back."))
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        message_domain_error(request, exc)
    next_status = request.POST.get("status", "submitted")
    return redirect(f"{reverse_url('volunteers:hours')}?status={next_status}")


@login_required
def volunteer_certificate(request, volunteer_id: int):
    """A printable certificate of the volunteer's verified hours with a QR code to check it."""
    volunteer = selectors.volunteer_get(request.user, volunteer_id)
    certificate = certificates.certificate_for(volunteer)
    audit_record(request.user, "volunteer.certificate", volunteer, person_id=volunteer.person_id)
    return render(
        request,
        "volunteers/certificate.html",
        {
            "certificate": certificate,
            "qr_svg": certificate.qr_svg(request),
            "check_url": certificate.url(request),
        },
    )


def certificate_check(request, token: str):
    """Public: anyone holding the paper can check it (no login; the name is masked)."""
    return render(
        request,
        "volunteers/certificate_check.html",
        {"result": certificates.certificate_check(token)},
    )


@login_required
def leaderboard(request):
    """志愿者排行榜 and star ratings: volunteers and teams by verified hours in a year; the station
    admin sets the star thresholds and runs the year's rating (final, once a year)."""
    community, communities = community_choice(request, Perm.VOLUNTEERS_VIEW)
    this_year = timezone.localdate().year
    year = query_int(request, "year", default=this_year, minimum=2000, maximum=this_year)
    team = request.GET.get("team", "")[:20]
    board = selectors.leaderboard(
        request.user, community.pk, year, team_id=query_id(request, "team")
    )
    can_edit = has_perm(request.user, Perm.POINTS_RULES_EDIT, community.pk)
    policy_form = None
    if can_edit:
        initial = dict(
            zip(
                ["one_star", "two_stars", "three_stars", "four_stars", "five_stars"],
                board.settings.thresholds,
                strict=True,
            ),
            min_points=board.settings.min_points,
        )
        policy_form = StarPolicyForm(
            request.POST if request.POST.get("action") == "policy" else None, initial=initial
        )
        if request.method == "POST" and request.POST.get("action") == "policy":
            if policy_form.is_valid():
                try:
                    stars.star_policy_set(
                        actor=request.user,
                        community_id=community.pk,
                        thresholds=policy_form.thresholds(),
                        min_points=policy_form.cleaned_data["min_points"],
                    )
                except DomainError as exc:
                    add_domain_errors(policy_form, exc, {"thresholds": "one_star"})
                else:
                    messages.success(request, _("The star thresholds are saved."))
                    return redirect(f"{request.path}?community={community.pk}&year={year}")
        elif request.method == "POST" and request.POST.get("action") == "run":
            try:
                run = stars.star_rating_run(
                    actor=request.user, community_id=community.pk, year=year
                )
            except DomainError as exc:
                message_domain_error(request, exc)
            else:
                messages.success(
                    request,
                    _("The %(year)s rating is done: %(n)s volunteers awarded stars.")
                    % {"year": year, "n": run.awarded},
                )
            return redirect(f"{request.path}?community={community.pk}&year={year}")
    return render(
        request,
        "volunteers/leaderboard.html",
        {
            "community": community,
            "communities": communities,
            "board": board,
            "year": year,
            "years": range(this_year, this_year - 5, -1),
            "team": team,
            "policy_form": policy_form,
            "can_run": can_edit and board.run is None,
            "page": paginate(request, board.rows, per_page=50),
            "query": query_without_page(request),
        },
    )
