from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from linli.accounts.models import ApiToken, LoginFailure, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "mobile_masked", "is_active", "is_staff"]
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Linli", {"fields": ["display_name", "mobile_masked", "must_change_password"]}),
    )
    readonly_fields = ["mobile_masked"]
    inlines = [MembershipInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "expires_at", "last_used_at"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "key_hash",
        "auth_hash",
        "created_at",
        "expires_at",
        "last_used_at",
    ]


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed logins of the lockout window; delete rows to lift a lockout early."""

    list_display = ["identity", "address", "at"]
    list_filter = ["at"]
    search_fields = ["identity", "address"]
    readonly_fields = ["identity", "address", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
