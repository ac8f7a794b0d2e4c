from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "beacon.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from beacon.notifications import subscribers

        subscribers.connect()
