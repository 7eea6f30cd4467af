"""Create a provider staff user for the back office, with two-step sign-in set up."""

import getpass
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from platform_console import security
from platform_console.models import User


class Command(BaseCommand):
    help = ("Create a back-office (staff) user and their authenticator; prints the key to scan and the "
            "recovery codes once. The password is asked for (or read from STAFF_PASSWORD).")

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--superuser", action="store_true", help="All back-office permissions.")
        parser.add_argument("--without-two-factor", action="store_true",
                            help="Only where BACKOFFICE_ALLOW_PASSWORD_ONLY is on (development).")

    def handle(self, *args, email: str, name: str, superuser: bool, without_two_factor: bool, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"{email!r} is not an email address.") from error
        if without_two_factor and not settings.BACKOFFICE_ALLOW_PASSWORD_ONLY:
            raise CommandError("Staff need two-step sign-in here; --without-two-factor needs "
                               "BACKOFFICE_ALLOW_PASSWORD_ONLY=1.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with the email {email} already exists.")
        password = self._password()
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=name, is_staff=True,
                                            is_superuser=superuser)
            if without_two_factor:
                self.stdout.write(self.style.WARNING(f"Created {email} without two-step sign-in."))
                return
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
            codes = security.new_recovery_codes(user)
        self.stdout.write(self.style.SUCCESS(f"Created the staff user {email}."))
        self.stdout.write("Add this key to an authenticator app (shown only now):")
        self.stdout.write(f"  {security.secret_base32(device)}")
        self.stdout.write(f"  {device.config_url}")
        self.stdout.write("Recovery codes (each works once):")
        for code in codes:
            self.stdout.write(f"  {code}")

    def _password(self) -> str:
        password = os.environ.get("STAFF_PASSWORD") or getpass.getpass("Password: ")
        if len(password) < 12:
            raise CommandError("Choose a password of at least 12 characters.")
        return password
