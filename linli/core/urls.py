from django.urls import path

from linli.core import views

app_name = "core"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("audit/", views.audit_list, name="audit"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
