from django.apps import AppConfig


class SupportCasesConfig(AppConfig):
    name = "support_cases"
    verbose_name = "Support cases"

    def ready(self) -> None:
        from . import timeline

        timeline.register()  # how its audit events read on Home and Activity
        from accounts import hooks

        from . import panels

        # Idempotent: ready() may run more than once (tests, autoreload).
        if panels.ACCOUNT_PANEL not in hooks.detail_panels:
            hooks.detail_panels.append(panels.ACCOUNT_PANEL)
        if panels.VIEW_AS_SUPPORT not in hooks.view_as_parts:
            hooks.view_as_parts.append(panels.VIEW_AS_SUPPORT)
