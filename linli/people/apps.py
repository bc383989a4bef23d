from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = _("Residents")

    def ready(self):
        from linli.core.audit import register_verbs

        register_verbs({"person.reveal_limited": _("Refused a reveal over the hourly limit")})
