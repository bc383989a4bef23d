from django.urls import path

from linli.points import views

app_name = "points"
urlpatterns = [
    path("rules/", views.earning_rules, name="rules"),
    path("people/<int:person_id>/", views.statement, name="statement"),
    path("mall/", views.reward_list, name="reward_list"),
    path("mall/new/", views.reward_edit, name="reward_create"),
    path("mall/<int:reward_id>/", views.reward_edit, name="reward_edit"),
    path("redemptions/", views.redemption_list, name="redemption_list"),
    path(
        "redemptions/<int:redemption_id>/cancel/", views.redemption_cancel, name="redemption_cancel"
    ),
    path("pool/", views.pool, name="pool"),
    path("pool/<int:community_id>/public/", views.pool_public, name="pool_public"),
]
