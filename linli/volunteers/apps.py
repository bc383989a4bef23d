from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "linli.volunteers"
    label = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self):
        from linli.core.audit import register_verbs

        register_verbs(
            {
                "volunteer.register": _("Registered a volunteer"),
                "team.create": _("Opened a team"),
                "team.join_request": _("Asked to join a team"),
                "team.join_approve": _("Approved a join request"),
                "team.join_reject": _("Rejected a join request"),
                "volunteer.certificate": _("Printed a service certificate"),
                "hours.submit": _("Submitted service hours"),
                "hours.verify": _("Verified service hours"),
                "hours.reject": _("Rejected service hours"),
                "hours.reverse": _("Reversed service hours"),
            }
        )
