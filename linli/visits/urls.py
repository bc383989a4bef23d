from django.urls import path

from linli.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.due, name="due"),
    path("record/", views.record, name="record"),
    path("log/", views.visit_list, name="list"),
    path("<int:visit_id>/", views.visit_detail, name="detail"),
    path("monthly/", views.monthly, name="monthly"),
    path("rules/", views.rules, name="rules"),
]
