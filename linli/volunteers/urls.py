from django.urls import path

from linli.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.volunteer_list, name="list"),
    path("register/<int:person_id>/", views.volunteer_register, name="register"),
    path("<int:volunteer_id>/", views.volunteer_detail, name="detail"),
    path("<int:volunteer_id>/certificate/", views.volunteer_certificate, name="certificate"),
    path("hours/", views.hours_queue, name="hours"),
    path("hours/<int:record_id>/", views.hours_decide, name="hours_decide"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/members/", views.team_add_member, name="team_add_member"),
    path(
        "teams/<int:team_id>/requests/<int:membership_id>/",
        views.team_decide,
        name="team_decide",
    ),
]
