from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.orders.models import MatchRun, Need, Resource, ServiceOrder


@admin.register(Need, Resource)
class ListAdmin(ReadOnlyAdmin):
    """Read-only: needs and resources change through the station's pages (validated, audited)."""

    list_display = ["__str__", "category", "community"]
    list_filter = ["community", "category"]


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyAdmin):
    """Read-only: every transition is a service with its role check and timeline row."""

    list_display = ["__str__", "status", "urgency", "volunteer", "created_at", "community"]
    list_filter = ["community", "status", "urgency", "category"]
    search_fields = ["person__name", "description"]


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "community", "orders_considered", "total_cost", "greedy_cost"]
    list_filter = ["community", "status"]
