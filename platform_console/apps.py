from django.apps import AppConfig


class PlatformConsoleConfig(AppConfig):
    name = "platform_console"
    verbose_name = "Platform console"
