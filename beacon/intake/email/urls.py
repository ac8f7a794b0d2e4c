from django.urls import path

from beacon.intake.email import views

app_name = "intake_email"

urlpatterns = [
    path("inbound/<slug:slug>/", views.inbound_message, name="inbound-message"),
    path(
        "tickets/<str:reference>/source/",
        views.ticket_email_source,
        name="ticket-source",
    ),
]
