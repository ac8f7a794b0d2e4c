"""`beacon create_api_token --email X --name Y`: make a bearer token for an integration.

The secret is printed once and never stored (only its digest), so it cannot be shown again.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from beacon.accounts.models import User
from beacon.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print its secret (shown only this once)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--email", required=True, help="Email of the user the token acts as."
        )
        parser.add_argument(
            "--name",
            required=True,
            help="What the token is for, e.g. 'exchange backend'.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        name = str(options["name"]).strip()
        if not name:
            raise CommandError(
                _("--name must not be empty: say what the token is for.")
            )
        user = User.objects.filter(email=email).first()
        if user is None:
            raise CommandError(
                _(
                    "No user has the email %(email)s. Create the account first, then run this again."
                )
                % {"email": email}
            )
        if not user.is_active:
            raise CommandError(
                _(
                    "The account %(email)s is deactivated; a token for it would not work."
                )
                % {"email": email}
            )
        token, secret = api_token_create(user=user, name=name)
        self.stdout.write(
            _("Created token “%(name)s” for %(email)s (%(role)s).")
            % {"name": token.name, "email": user.email, "role": user.role}
        )
        self.stdout.write(
            _("Secret (shown only now; store it safely, it cannot be displayed again):")
        )
        self.stdout.write(secret)
