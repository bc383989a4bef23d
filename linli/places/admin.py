from django.contrib import admin

from linli.places.models import Community, Compound, Grid, ServiceSite, Street


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "street", "service_phone"]
    list_filter = ["street"]
    search_fields = ["code", "name"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community"]
    list_filter = ["community"]
    search_fields = ["code", "name"]


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "grid", "community"]
    list_filter = ["community"]
    search_fields = ["code", "name"]
    list_select_related = ["grid", "community"]


@admin.register(ServiceSite)
class ServiceSiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "address", "latitude", "longitude"]
    list_filter = ["kind", "community"]
    search_fields = ["name", "address"]
