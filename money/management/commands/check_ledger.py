"""`manage.py check_ledger`: prove that every stored balance equals the sum of its entries and
every posting sums to zero per currency. Exits non-zero when anything is off."""

from django.core.management.base import BaseCommand, CommandError

from money.ledger import check_ledger
from platform_console.models import Platform


class Command(BaseCommand):
    help = "Check the ledger: balances equal their entries, postings sum to zero, no platform balance is negative."

    def add_arguments(self, parser):
        parser.add_argument("--platform", help="Only this platform (its acct_ id).")

    def handle(self, *args, platform: str | None = None, **options):
        scope = None
        if platform:
            scope = Platform.objects.filter(public_id=platform).first()
            if scope is None:
                raise CommandError(f"No platform {platform}.")
        problems = check_ledger(platform=scope)
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"The ledger has {len(problems)} problem{'s' if len(problems) != 1 else ''}.")
        self.stdout.write(self.style.SUCCESS("Ledger is consistent."))
