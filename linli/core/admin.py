from django.contrib import admin

from linli.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only or service-owned rows: the admin shows them and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: audit events are append-only."""

    list_display = ["created_at", "actor", "verb", "target_repr", "community"]
    list_filter = ["verb", "community"]
    search_fields = ["target_repr", "actor__username"]
