from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from linli.core import lookups

        lookups.register()  # ``pk__in`` with a 24-digit id: no rows, not an overflow
