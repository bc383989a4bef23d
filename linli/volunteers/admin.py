from django.contrib import admin

from linli.volunteers.models import Skill, Team, TeamMembership, Volunteer


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
