from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "linli.orders"
    label = "orders"
    verbose_name = _("Needs and service orders")

    def ready(self):
        from linli.core.audit import register_verbs
        from linli.core.panels import register_panel
        from linli.orders import views

        register_verbs(
            {
                "need.create": _("Recorded a need"),
                "need.update": _("Changed a need"),
                "need.status": _("Changed the status of a need"),
                "resource.create": _("Listed a resource"),
                "resource.update": _("Changed a resource"),
                "order.create": _("Ordered a service"),
                "order.dispatch": _("Dispatched a service order"),
                "order.accept": _("Accepted a service order"),
                "order.decline": _("Declined a service order"),
                "order.check_in": _("Started a service"),
                "order.check_out": _("Finished a service"),
                "order.rate": _("Rated a service"),
                "order.team_account": _("Gave the team's account of a service"),
                "order.review": _("Reviewed a service (evaluation complete)"),
                "order.close": _("Closed a service order"),
                "order.cancel": _("Cancelled a service order"),
                "match.propose": _("Proposed a batch dispatch"),
                "match.apply": _("Applied a batch dispatch"),
                "match.discard": _("Discarded a batch dispatch"),
            }
        )
        register_panel("person", views.person_panel)
        register_panel("dashboard", views.dashboard_panel)
