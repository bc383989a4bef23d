from django.urls import path

from linli.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("export.xlsx", views.person_export, name="export"),
    path("new/", views.person_create, name="create"),
    path("pick/", views.person_pick, name="pick"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:batch_id>/", views.import_preview, name="import_preview"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("<int:person_id>/edit/", views.person_edit, name="edit"),
    path("<int:person_id>/reveal/", views.person_reveal, name="reveal"),
    path("<int:person_id>/tags/", views.person_tag_add, name="tag_add"),
    path("<int:person_id>/tags/<int:tag_id>/end/", views.person_tag_end, name="tag_end"),
    path("<int:person_id>/consents/", views.consent_add, name="consent_add"),
    path(
        "<int:person_id>/consents/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:person_id>/household/new/", views.household_create, name="household_create"),
    path("<int:person_id>/household/join/", views.household_join, name="household_join"),
]
