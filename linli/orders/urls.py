from django.urls import path

from linli.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="order_list"),
    path("new/", views.order_create, name="order_create"),
    path("<int:order_id>/", views.order_detail, name="order_detail"),
    path("<int:order_id>/<slug:action>/", views.order_action, name="order_action"),
    path("photos/<int:photo_id>/", views.order_photo, name="order_photo"),
    path(
        "photos/<int:photo_id>/thumb/",
        views.order_photo,
        {"thumbnail": True},
        name="order_photo_thumb",
    ),
    path("needs/", views.need_list, name="need_list"),
    path("needs/new/", views.need_edit, name="need_create"),
    path("needs/<int:need_id>/", views.need_detail, name="need_detail"),
    path("needs/<int:need_id>/edit/", views.need_edit, name="need_edit"),
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/new/", views.resource_edit, name="resource_create"),
    path("resources/<int:resource_id>/edit/", views.resource_edit, name="resource_edit"),
    path("batch/", views.match_list, name="match_list"),
    path("batch/<int:run_id>/", views.match_detail, name="match_detail"),
    path("projects/", views.project_list, name="project_list"),
]
