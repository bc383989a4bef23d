from django.urls import path

from linli.points import views

app_name = "points"
urlpatterns = [
    path("rules/", views.earning_rules, name="rules"),
    path("people/<int:person_id>/", views.statement, name="statement"),
]
