from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "linli.points"
    label = "points"
    verbose_name = _("Points bank")

    def ready(self):
        from linli.core.audit import register_verbs

        register_verbs({"earning_rule.set": _("Changed an earning rule")})
