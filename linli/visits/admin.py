from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.visits.models import GridVisitor, Visit, VisitPolicy, VisitRule


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    """Read-only: visits are recorded through the visit form (scoped, audited)."""

    list_display = ["__str__", "visitor", "wellbeing", "community"]
    list_filter = ["community", "kind"]
    search_fields = ["person__name", "findings"]


@admin.register(VisitRule, VisitPolicy, GridVisitor)
class VisitSettingsAdmin(ReadOnlyAdmin):
    """Read-only: the station changes these on the visit rules page."""

    list_display = ["__str__", "community"]
    list_filter = ["community"]
