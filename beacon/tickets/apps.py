from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "beacon.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from beacon.core import configcache
        from beacon.tickets.models import Category

        configcache.watch(Category)

        from django.db.backends.signals import connection_created

        from beacon.tickets.search import open_fts_index

        connection_created.connect(
            open_fts_index, dispatch_uid="beacon.tickets.open_fts_index"
        )
