from django.apps import AppConfig


class PlatformConsoleConfig(AppConfig):
    name = "platform_console"
    verbose_name = "Platform console"

    def ready(self) -> None:
        from . import security  # noqa: F401  connects the sign-in audit signal handlers
