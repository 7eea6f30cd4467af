from django.core.management.base import BaseCommand

from requirements_engine import sweeps


class Command(BaseCommand):
    help = "Run the requirement sweeps now: deadlines, future-requirement promotion, inactivity holds."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["deadlines", "future", "inactivity"], help="Run one sweep only.")

    def handle(self, *args, only=None, **options):
        if only in (None, "deadlines"):
            self.stdout.write(f"Deadline sweep: {sweeps.deadline_sweep()} connections re-evaluated.")
        if only in (None, "future"):
            self.stdout.write(f"Future requirements: {sweeps.promote_future_requirements()} connections re-evaluated.")
        if only in (None, "inactivity"):
            held, released = sweeps.hold_inactive_verifications()
            self.stdout.write(f"Inactivity check: {held} put on hold, {released} resumed.")
