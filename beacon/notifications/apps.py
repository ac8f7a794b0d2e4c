from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "beacon.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from beacon.core import configcache
        from beacon.notifications.models import WebhookEndpoint

        configcache.watch(WebhookEndpoint)

        from beacon.notifications import subscribers

        subscribers.connect()
