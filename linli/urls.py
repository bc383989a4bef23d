from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from linli.api import api
from linli.core import views as core_views
from linli.volunteers import views as volunteer_views
from linli.warehouse import views as warehouse_views

admin.site.site_header = "邻里 Linli"
admin.site.site_title = "邻里 Linli"

urlpatterns = [
    path("", include("linli.core.urls")),
    path("accounts/", include("linli.accounts.urls")),
    path("places/", include("linli.places.urls")),
    path("residents/", include("linli.people.urls")),
    path("volunteers/", include("linli.volunteers.urls")),
    path("points/", include("linli.points.urls")),
    path("warehouse/", include("linli.warehouse.urls")),
    path("orders/", include("linli.orders.urls")),
    path("visits/", include("linli.visits.urls")),
    path("me/", include("linli.volunteers.me_urls")),
    path("me/", include("linli.orders.me_urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path(
        "check/certificate/<str:token>/",
        volunteer_views.certificate_check,
        name="certificate_check",
    ),
    path(
        "check/donation/<str:code>/",
        warehouse_views.certificate_check,
        name="warehouse_certificate_check",
    ),
]

# A busy database answers 503 + Retry-After even outside a view (linli.core.busy).
handler500 = "linli.core.views.server_error"
