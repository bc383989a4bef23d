from django.contrib import admin

from linli.core.admin import ReadOnlyAdmin
from linli.ledger.models import Account, LedgerTransaction, Posting


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    can_delete = False
    readonly_fields = ["account", "commodity", "quantity"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["key", "commodity", "balance", "may_go_negative", "community"]
    list_filter = ["commodity", "may_go_negative"]
    search_fields = ["key", "name"]


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "memo", "actor", "created_at"]
    list_filter = ["kind"]
    inlines = [PostingInline]
