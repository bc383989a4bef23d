from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.volunteers.models import (
    ServiceRecord,
    ServiceRecordEvent,
    Skill,
    Team,
    TeamMembership,
    Volunteer,
)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "code", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["person", "community", "status", "registered_on", "user"]
    list_filter = ["community", "status"]
    search_fields = ["person__name"]
    raw_id_fields = ["person", "user", "registered_by"]
    filter_horizontal = ["skills"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    raw_id_fields = ["volunteer", "decided_by"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "is_active"]
    list_filter = ["community", "is_active"]
    search_fields = ["name"]
    inlines = [TeamMembershipInline]


class ServiceRecordEventInline(admin.TabularInline):
    model = ServiceRecordEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor", "note", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    """Read-only: records move only through their services (verify, reject, reverse)."""

    list_display = ["volunteer", "served_on", "hours", "status", "points", "community"]
    list_filter = ["status", "community"]
    inlines = [ServiceRecordEventInline]
