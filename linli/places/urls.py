from django.urls import path

from linli.places import views

app_name = "places"
urlpatterns = [
    path("", views.community_list, name="community_list"),
    path("<int:community_id>/", views.community_detail, name="community_detail"),
]
