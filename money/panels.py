"""What money adds to pages of the accounts app, through accounts.hooks (registered in
MoneyConfig.ready): the Balances panel of Account details and the Connected accounts list column."""

from django.http import HttpRequest
from django.utils.html import format_html

from accounts import payout_schedule
from accounts.hooks import ListColumn, Panel
from accounts.models import Connection
from platform_console import permissions

from . import currency, rules, selectors

RECENT = 5


def payout_schedule_label(connection: Connection) -> str:
    return payout_schedule.describe(payout_schedule.Schedule.of(connection))


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


def balance_cell(connection: Connection) -> str:
    """The Connected accounts list cell: the account's available balance in its default currency
    (from selectors.annotate_available_balance)."""
    amount = connection.money_available
    tone = " money-zero" if not amount else " money-negative" if amount < 0 else ""
    return format_html(
        '<span class="money-amount{}" data-testid="available-balance-cell">{}</span>',
        tone,
        currency.format_money(amount, connection.account.default_currency),
    )


def balance_text(connection: Connection) -> str:
    """The same balance for the CSV export: the amount in major units and its currency."""
    return f"{currency.input_value(connection.money_available, connection.account.default_currency)} " \
           f"{connection.account.default_currency.upper()}"


BALANCE_COLUMN = ListColumn(
    header="Available balance",
    cell=balance_cell,
    annotate=selectors.annotate_available_balance,
    numeric=True,
    permission=permissions.VIEW_BALANCES,
    text=balance_text,
)


def view_as_home_context(request: HttpRequest, connection: Connection) -> dict | None:
    """View Dashboard As, Home: the account's own balances and recent money movement (for roles
    that may see balances; the page says nothing of money to the others)."""
    if not request.membership.can(permissions.VIEW_BALANCES):
        return None
    transfers = list(selectors.connection_transfers(connection).order_by("-created_at", "-pk")[:RECENT])
    payouts = list(selectors.connection_payouts(connection).order_by("-created_at", "-pk")[:RECENT])
    return {"connection": connection, "balances": selectors.connection_balances(connection),
            "transfers": transfers, "payouts": payouts}


def view_as_payouts_context(request: HttpRequest, connection: Connection) -> dict | None:
    if not request.membership.can(permissions.VIEW_BALANCES):
        return None
    payouts = list(selectors.connection_payouts(connection).order_by("-created_at", "-pk")[:50])
    return {"connection": connection, "payouts": payouts, "schedule": payout_schedule_label(connection)}


VIEW_AS_PARTS = [
    ("home", "money/view_as/_home.html", view_as_home_context),
    ("payouts", "money/view_as/_payouts.html", view_as_payouts_context),
]
