"""First-run setup of a production install: a platform and its first Administrator's invitation."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from platform_console import team
from platform_console.countries import DEFAULT_CURRENCY


class Command(BaseCommand):
    help = ("Create a platform and invite its first Administrator; prints the invitation link once. "
            "Refuses to run twice for the same platform.")

    def add_arguments(self, parser):
        parser.add_argument("--platform", required=True, help='The platform\'s name, e.g. "Rocket Rides".')
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 country, e.g. US.")
        parser.add_argument("--admin-email", required=True, help="Who becomes the first Administrator.")
        parser.add_argument("--currency", help="Default currency (ISO 4217); the country's by default.")

    def handle(self, *args, platform: str, country: str, admin_email: str, currency: str | None, **options):
        name = platform.strip()
        country = country.strip().upper()
        if not name or len(name) > 100:
            raise CommandError("--platform needs a name of 1 to 100 characters.")
        if country not in DEFAULT_CURRENCY:
            raise CommandError(f"--country must be one of {', '.join(sorted(DEFAULT_CURRENCY))}.")
        try:
            validate_email(admin_email.strip())
        except ValidationError as error:
            raise CommandError(f"--admin-email {admin_email!r} is not an email address.") from error
        currency = (currency or DEFAULT_CURRENCY[country]).lower()
        try:
            created, token = team.bootstrap_platform(name=name, country=country, currency=currency,
                                                     admin_email=admin_email)
        except team.TeamError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self.style.SUCCESS(f"Created the platform {created.name} ({created.country}, "
                                             f"{created.default_currency.upper()})."))
        self.stdout.write(f"Invitation for its first Administrator, {admin_email.strip().lower()} "
                          f"(valid {team.INVITATION_DAYS} days, shown only now; it was emailed too):")
        self.stdout.write(f"  {team.invitation_url(token)}")
        self.stdout.write("Open it, choose a password, then complete the platform profile under Settings.")
