"""What money adds to pages of the accounts app, through accounts.hooks (registered in
MoneyConfig.ready): the Balances panel of Account details and the Connected accounts list column."""

from django.http import HttpRequest

from accounts.hooks import ListColumn, Panel
from accounts.models import Connection
from platform_console import permissions

from . import rules, selectors

RECENT = 5


def payout_schedule_label(connection: Connection) -> str:
    interval = connection.payout_interval
    delay = connection.payout_delay_days
    delay_text = f"{delay}-day delay" if delay else "minimum delay"
    if interval == Connection.PayoutInterval.MANUAL:
        return "Manual — pays out only on request"
    if interval == Connection.PayoutInterval.WEEKLY:
        anchor = (connection.payout_weekly_anchor or "monday").capitalize()
        return f"Weekly on {anchor}, {delay_text}"
    if interval == Connection.PayoutInterval.MONTHLY:
        return f"Monthly on day {connection.payout_monthly_anchor or 1}, {delay_text}"
    return f"Daily, {delay_text}"


def action_states(request: HttpRequest, connection: Connection) -> dict:
    """Whether Send funds and Pull funds are available for this account, and if not, why."""
    membership = request.membership
    send = rules.permission_refusal(membership, permissions.SEND_FUNDS) or rules.transfer_refusal(connection)
    consent = rules.current_consent(connection)
    pull = rules.permission_refusal(membership, permissions.PULL_FUNDS) or rules.debit_refusal(
        connection, request.platform, consent
    )
    return {
        "send_refusal": send.message if send else "",
        "pull_refusal": pull.message if pull else "",
        "consent": consent,
        "can_record_consent": membership.can(permissions.PULL_FUNDS) and connection.is_platform_liable,
    }


def account_panel_context(request: HttpRequest, connection: Connection) -> dict:
    if not request.membership.can(permissions.VIEW_BALANCES):
        return {"connection": connection, "hidden": True}
    transfers = list(selectors.connection_transfers(connection).order_by("-created_at", "-pk")[:RECENT])
    payouts = list(selectors.connection_payouts(connection).order_by("-created_at", "-pk")[:RECENT])
    recent = sorted(
        [("transfer", t) for t in transfers] + [("payout", p) for p in payouts],
        key=lambda pair: (pair[1].created_at, pair[0] == "payout"),
        reverse=True,
    )[:RECENT]
    return {
        "connection": connection,
        "balances": selectors.connection_balances(connection),
        "recent": [{"kind": kind, "item": item} for kind, item in recent],
        "schedule": payout_schedule_label(connection),
        **action_states(request, connection),
    }


ACCOUNT_PANEL = Panel(slot="money", template="money/_account_panel.html", context=account_panel_context)
BALANCE_COLUMN = ListColumn(
    header="Available balance",
    template="money/_balance_cell.html",
    annotate=selectors.annotate_available_balance,
    numeric=True,
)
