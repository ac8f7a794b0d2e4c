"""The signed-in user's notices and channel preferences, mounted at /notifications/."""

from django.urls import path

from beacon.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.notification_read_all, name="read-all"),
    path("<int:notification_id>/read/", views.notification_read, name="read"),
    path("preferences/", views.preferences, name="preferences"),
]
