from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Connected accounts"

    def ready(self) -> None:
        from . import (
            lookups,  # noqa: F401  registers the ilike_contains lookup
            timeline,
        )

        timeline.register()  # how its audit events read on Home and Activity
        from platform_console import exports

        from .exports import EXPORTER

        exports.register(EXPORTER)  # the Connected accounts list as CSV
