from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.points.models import EarningRule


@admin.register(EarningRule)
class EarningRuleAdmin(ReadOnlyAdmin):
    """Read-only: rules change through the station's page (a new rule from a date)."""

    list_display = ["community", "kind", "points", "starts_on", "created_by", "created_at"]
    list_filter = ["community", "kind"]
