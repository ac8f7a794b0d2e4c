"""`beacon createadmin --email X`: create an administrator, or make an existing user one."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from beacon.accounts.models import Role, User
from beacon.audit.services import audit_record

PASSWORD_VARIABLE = "BEACON_ADMIN_PASSWORD"  # noqa: S105 (the name of a variable, not a password)


class Command(BaseCommand):
    help = f"Create an administrator (or promote an existing user). The password is read from ${PASSWORD_VARIABLE} or asked for."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--email",
            required=True,
            help="Email address the administrator signs in with.",
        )
        parser.add_argument("--name", default="", help="Display name (optional).")

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not a valid email address.") from exc
        existing = User.objects.filter(email=email).first()
        password = self._password(
            existing or User(email=email, display_name=options["name"])
        )
        with transaction.atomic():
            user = existing or User(email=email)
            created = existing is None
            previous_role = user.role if existing else ""
            user.role = Role.ADMIN
            user.is_superuser = True
            user.is_active = True
            user.email_verified = True
            if options["name"]:
                user.display_name = options["name"]
            user.set_password(password)
            user.save()
            audit_record(
                actor=None,
                action="user.create_admin" if created else "user.promote_admin",
                target_type="user",
                target_id=user.pk,
                data={
                    "email": email,
                    "previous_role": previous_role,
                    "via": "createadmin",
                },
            )
        verb = "Created" if created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} administrator {email}. Sign in at /accounts/login/; the admin site is at /admin/."
            )
        )

    def _password(self, user: User) -> str:
        password = os.environ.get(PASSWORD_VARIABLE, "")
        if password:
            self._validate(password, user, source=f"${PASSWORD_VARIABLE}")
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                f"No password: set {PASSWORD_VARIABLE} or run the command in a terminal to be asked for one."
            )
        for _attempt in range(3):
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords do not match. Try again.")
                continue
            try:
                self._validate(password, user, source="The password")
            except CommandError as exc:
                self.stderr.write(str(exc))
                continue
            return password
        raise CommandError("No acceptable password after three attempts.")

    def _validate(self, password: str, user: User, *, source: str) -> None:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise CommandError(
                f"{source} is not acceptable: {' '.join(exc.messages)}"
            ) from exc
