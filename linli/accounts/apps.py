from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "linli.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from linli.core.audit import register_verbs

        register_verbs(
            {
                "api_token.revoke": _("Revoked an API token"),
                "user.password_change": _("Changed their password"),
                "user.password_reset": _("Reset a user's password"),
            }
        )
