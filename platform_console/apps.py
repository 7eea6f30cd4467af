import logging

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PlatformConsoleConfig(AppConfig):
    default = True
    name = "platform_console"
    verbose_name = "Platform console"

    def ready(self) -> None:
        from django.conf import settings

        from . import lookups, security  # noqa: F401  the id-list lookup; the sign-in audit signal handlers

        for warning in getattr(settings, "STARTUP_WARNINGS", []):
            logging.getLogger("platform_console").warning(warning)


class BackofficeConfig(admin_apps.AdminConfig):
    """Django's admin, as the provider's back office with two-step sign-in (backoffice.py)."""

    default = False
    default_site = "platform_console.backoffice.BackofficeSite"
