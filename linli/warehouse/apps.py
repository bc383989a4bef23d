from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "linli.warehouse"
    label = "warehouse"
    verbose_name = _("Love warehouse")

    def ready(self):
        from linli.core.audit import register_verbs
        from linli.core.panels import register_panel
        from linli.warehouse import views

        register_verbs(
            {
                "item.create": _("Added an item to the catalogue"),
                "item.update": _("Changed a catalogue item"),
                "location.create": _("Added a stock location"),
                "location.update": _("Changed a stock location"),
                "stock_level.set": _("Set a stock level"),
                "donation.receive": _("Received a donation of goods"),
                "pledge.create": _("Recorded a pledge of labour or services"),
                "pledge.update": _("Changed a pledge"),
                "distribution.create": _("Handed out goods"),
                "transfer.create": _("Moved goods between locations"),
                "count.start": _("Started a stock count"),
                "count.submit": _("Submitted a stock count for review"),
                "count.finalise": _("Finalised a stock count"),
                "count.cancel": _("Cancelled a stock count"),
                "write_off.create": _("Wrote off goods"),
                "medicine.check": _("Checked donated medicine"),
                "sale.settle": _("Sold goods at the charity supermarket"),
                "relief.grant": _("Granted a relief quota"),
                "loan.create": _("Lent a tool"),
                "loan.renew": _("Renewed a tool loan"),
                "loan.return": _("Took back a tool"),
            }
        )
        register_panel("household", views.household_panel)
        register_panel("person", views.person_panel)
        register_panel("dashboard", views.dashboard_panel)
