from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "beacon.tickets"
    label = "tickets"
    verbose_name = "Tickets"
