from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.warehouse.models import (
    Distribution,
    Donation,
    Item,
    Location,
    Lot,
    Pledge,
    StockCount,
    Transfer,
    WriteOff,
)


@admin.register(Item, Location, Pledge)
class CatalogueAdmin(ReadOnlyAdmin):
    """Read-only: the catalogue, locations and pledges change through the station's pages
    (validated and audited by the services)."""

    list_display = ["__str__", "community"]
    list_filter = ["community"]
    search_fields = ["name"]

    def get_search_fields(self, request):
        return ["service"] if self.model is Pledge else self.search_fields


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "expires_on", "check_status", "source"]
    list_filter = ["check_status"]


@admin.register(Donation, Distribution, Transfer, StockCount, WriteOff)
class DocumentAdmin(ReadOnlyAdmin):
    """Read-only: every document posted a ledger transaction; corrections go through the pages."""

    list_display = ["__str__", "community"]
    list_filter = ["community"]
