from django.apps import AppConfig


class IntakeEmailConfig(AppConfig):
    name = "beacon.intake.email"
    label = "intake_email"
    verbose_name = "Email intake"

    def ready(self) -> None:
        # Agent replies on email tickets become outbox rows in the reply's own transaction.
        from beacon.intake.email import outbound
        from beacon.notifications.backends import register_sender
        from beacon.tickets import hooks

        hooks.subscribe_in_transaction("message_added", outbound.on_message_added)
        register_sender(outbound.REPLY_TEMPLATE, outbound.send_delivery)
        register_sender(outbound.AUTO_REPLY_TEMPLATE, outbound.send_delivery)
