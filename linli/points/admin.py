from django.contrib import admin

from linli.points.models import EarningRule


@admin.register(EarningRule)
class EarningRuleAdmin(admin.ModelAdmin):
    """Read-only: rules change through the station's page (a new rule from a date)."""

    list_display = ["community", "kind", "points", "starts_on", "created_by", "created_at"]
    list_filter = ["community", "kind"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
