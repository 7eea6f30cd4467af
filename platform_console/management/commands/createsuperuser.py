"""Django's createsuperuser, refused in production where staff need two-step sign-in: a superuser
made here would have no authenticator and could not use the back office anyway."""

from django.conf import settings
from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        if not settings.BACKOFFICE_ALLOW_PASSWORD_ONLY:
            raise CommandError("Staff need two-step sign-in here: use `manage.py create_staff_user --email … "
                               "--superuser`, which sets up their authenticator (or set "
                               "BACKOFFICE_ALLOW_PASSWORD_ONLY=1 to allow password-only staff).")
        return super().handle(*args, **options)
