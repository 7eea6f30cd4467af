from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "money"
    verbose_name = "Money"

    def ready(self) -> None:
        from . import timeline

        timeline.register()  # how its audit events read on Home and Activity
        from platform_console import exports as platform_exports

        from .exports import ACTIVITY, TRANSFERS

        platform_exports.register(TRANSFERS)
        platform_exports.register(ACTIVITY)
        from accounts import hooks

        from . import panels

        # Idempotent: ready() may run more than once (tests, autoreload).
        if panels.ACCOUNT_PANEL not in hooks.detail_panels:
            hooks.detail_panels.append(panels.ACCOUNT_PANEL)
        if panels.BALANCE_COLUMN not in hooks.list_columns:
            hooks.list_columns.append(panels.BALANCE_COLUMN)
        balances_tab = hooks.Tab(key="balances", label="Balances", url_name="money:account_balances",
                                 permission="money.view_balances")
        if balances_tab not in hooks.detail_tabs:
            hooks.detail_tabs.append(balances_tab)
        for part in panels.VIEW_AS_PARTS:
            if part not in hooks.view_as_parts:
                hooks.view_as_parts.append(part)
