from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "linli.visits"
    label = "visits"
    verbose_name = _("Visits")

    def ready(self):
        from linli.core.audit import register_verbs
        from linli.core.panels import register_panel

        register_verbs(
            {
                "visit.record": _("Recorded a visit"),
                "visit_rule.save": _("Changed a visit rule"),
                "visit_policy.save": _("Changed the monthly visit target"),
                "grid_visitor.set": _("Named a grid's visitor"),
            }
        )
        from linli.visits import views

        register_panel("person", views.person_panel)
        register_panel("dashboard", views.dashboard_panel)
