from django.urls import path

from linli.warehouse import views

app_name = "warehouse"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("alerts/", views.alerts, name="alerts"),
    path("items/", views.item_list, name="item_list"),
    path("items/new/", views.item_edit, name="item_create"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/new/", views.location_edit, name="location_create"),
    path("locations/<int:location_id>/", views.location_detail, name="location_detail"),
    path("locations/<int:location_id>/edit/", views.location_edit, name="location_edit"),
    path("locations/<int:location_id>/count/", views.count_start, name="count_start"),
    path(
        "locations/<int:location_id>/write-off-expired/",
        views.expired_write_off,
        name="expired_write_off",
    ),
    path("holdings/<int:holding_id>/write-off/", views.write_off_create, name="write_off_create"),
    path("donations/", views.donation_list, name="donation_list"),
    path("donations/new/", views.donation_create, name="donation_create"),
    path("donations/<int:donation_id>/", views.donation_detail, name="donation_detail"),
    path(
        "donations/<int:donation_id>/certificate/",
        views.donation_certificate,
        name="donation_certificate",
    ),
    path("distributions/", views.distribution_list, name="distribution_list"),
    path("distributions/new/", views.distribution_create, name="distribution_create"),
    path(
        "distributions/<int:distribution_id>/",
        views.distribution_detail,
        name="distribution_detail",
    ),
    path(
        "distributions/<int:distribution_id>/receipt/",
        views.distribution_receipt,
        name="distribution_receipt",
    ),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("counts/", views.count_list, name="count_list"),
    path("counts/<int:count_id>/", views.count_detail, name="count_detail"),
    path("counts/<int:count_id>/lines/", views.count_line_add, name="count_line_add"),
    path("counts/<int:count_id>/<str:action>/", views.count_action, name="count_action"),
    path("write-offs/", views.write_off_list, name="write_off_list"),
    path("medicine/", views.medicine_list, name="medicine_list"),
    path("medicine/<int:lot_id>/check/", views.medicine_check, name="medicine_check"),
    path("pledges/", views.pledge_list, name="pledge_list"),
    path("pledges/new/", views.pledge_edit, name="pledge_create"),
    path("pledges/<int:pledge_id>/", views.pledge_edit, name="pledge_edit"),
]
