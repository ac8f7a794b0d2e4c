from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "beacon.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from beacon.accounts.models import Membership, Team, User
        from beacon.core import configcache

        # Categories carry their default team from the configuration cache.
        configcache.watch(Team)
        # API tokens cache their owner with the owner's teams (api_auth.TokenAuth).
        post_save.connect(_user_changed, sender=User, dispatch_uid="api-token-user")
        for signal in (post_save, post_delete):
            signal.connect(
                _membership_changed,
                sender=Membership,
                dispatch_uid=f"api-token-membership-{signal is post_save}",
            )


def _user_changed(instance: Any, created: bool, **_kwargs: Any) -> None:  # noqa: FBT001 (signal argument)
    from beacon.accounts.api_auth import forget_tokens_of

    # A user saved for the first time cannot own a token yet.
    if not created:
        forget_tokens_of(instance.pk)


def _membership_changed(instance: Any, **_kwargs: Any) -> None:
    from beacon.accounts.api_auth import forget_tokens_of

    forget_tokens_of(instance.user_id)
