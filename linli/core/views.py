"""Dashboard, audit trail and health check."""

from __future__ import annotations

import datetime
import sys

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from linli.accounts.roles import Perm
from linli.core import notifications, selectors
from linli.core.busy import busy_response, is_busy
from linli.core.paging import paginate, query_without_page
from linli.core.panels import render_panels
from linli.core.parsing import query_id
from linli.core.scoping import has_perm
from linli.people import selectors as people_selectors


@login_required
def dashboard(request):
    """工作台: counts per vulnerability tag in the user's scope (or the chosen community), the
    user's unread notifications, and the panels feature apps add (stock alerts…)."""
    context = {
        "can_view_registry": has_perm(request.user, Perm.REGISTRY_VIEW),
        "notifications": list(notifications.unread_for(request.user)),
        "panels": render_panels("dashboard", request, None),
    }
    if context["can_view_registry"]:
        community_id = request.community.pk if request.community else None
        context["tag_counts"] = people_selectors.tag_counts(request.user, community_id)
        context["total"] = people_selectors.person_total(request.user, community_id)
    return render(request, "core/dashboard.html", context)


@login_required
@require_POST
def notifications_read(request):
    """Mark every notification read."""
    notifications.mark_all_read(request.user)
    return redirect("core:dashboard")


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_list(request):
    """审计日志: who did what, filterable by person, actor, action and date."""
    filters = selectors.AuditFilters(
        community_id=request.community.pk if request.community else None,
        person_id=query_id(request, "person"),
        actor=request.GET.get("actor", "").strip()[:150],
        verb=request.GET.get("verb", "").strip()[:64],
        date_from=_date(request.GET.get("from")),
        date_to=_date(request.GET.get("to")),
    )
    page = paginate(request, selectors.audit_list(request.user, filters), per_page=50)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query_without_page(request),
            "verbs": selectors.AUDIT_VERBS,
        },
    )


@require_GET
@never_cache
def healthz(request):
    """``{"status": "ok", "database": "ok"}``; 503 when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """``handler500``: a busy database (a lock wait timed out) outside any view — while a middleware
    saves the session, say — is still a 503 with ``Retry-After``; anything else the plain 500 page.
    Django calls this inside its ``except`` block, so the exception is in ``sys.exc_info()``."""
    exc = sys.exc_info()[1]
    if is_busy(exc):
        return busy_response(request, exc)
    return defaults.server_error(request)
