from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "beacon.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from beacon.accounts.models import Team
        from beacon.core import configcache

        # Categories carry their default team from the configuration cache.
        configcache.watch(Team)
