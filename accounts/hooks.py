"""Extension points that lower apps (requirements_engine, money, support_cases) fill in their
AppConfig.ready(), so that `accounts` never imports them (architecture.md, style.md §3).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Connection


@dataclass(frozen=True)
class Panel:
    """A block of the Account details page supplied by a lower app.

    `slot` is where it goes ("actions_required", "money", "support_cases"); `context` returns the
    template context (or None to hide the panel) and runs inside the details request, so the page is
    still rendered server-side in one response.
    """

    slot: str
    template: str
    context: Callable[["HttpRequest", "Connection"], dict[str, Any] | None]


# Called with a Connection inside the transaction of any accounts write that changes what the
# account must provide (account data, persons, capabilities).
after_account_change: list[Callable[["Connection"], None]] = []

detail_panels: list[Panel] = []

# Called with (connection, {field path: submitted value}) inside the transaction of a write that
# received field values, before write-only values (tax ids, id numbers) are discarded: the
# requirements engine verifies them (test-mode magic values, or the live review queue).
fields_submitted: list[Callable[["Connection", dict[str, Any]], None]] = []

# Called with (connection, person public id) after a person was deleted: lower apps delete what
# they hold about that person (verification results, documents), as removal must really delete it.
after_person_removed: list[Callable[["Connection", str], None]] = []

# Each returns the lifetime charge volume of each of the given connections, by connection pk, in
# minor units of its default currency, in a fixed number of queries however many it is given (the
# requirements engine gathers a thousand accounts at a time); the requirements engine promotes
# eventually-due items past the country's threshold.
lifetime_volume: list[Callable[[list["Connection"]], dict[int, int]]] = []

# Called with a Connection whose verifications are on inactivity hold, after a charge, transfer,
# payout or account debit for it committed: activity lifts the hold (domain.md §7.4), and the
# requirements engine re-evaluates the account at once instead of at its next daily sweep.
after_activity_while_held: list[Callable[["Connection"], None]] = []

# Each returns the requirement field paths a connection must provide during onboarding, or None
# to defer; the requirements engine registers one (from its rules). Without any, onboarding asks nothing.
onboarding_paths: list[Callable[["Connection"], set[str] | None]] = []


@dataclass(frozen=True)
class ListColumn:
    """An extra column of the Connected accounts list supplied by a lower app.

    `annotate` adds what the cell needs to the list queryset (a Subquery annotation, say), so the
    column costs no query per row; `cell` returns one cell's HTML for a connection of that
    queryset (built with format_html: a template include per row was a fifth of the page's time).
    """

    header: str
    cell: Callable[["Connection"], str]
    annotate: Callable[[Any], Any]
    numeric: bool = False
    permission: str = ""  # shown only to operators holding it
    text: Callable[["Connection"], str] | None = None  # the cell as plain text, for the CSV export


list_columns: list[ListColumn] = []


@dataclass(frozen=True)
class Tab:
    """An extra tab of the Account details page (after Overview), linking to a lower app's page."""

    key: str  # what the page passes as `tab` to light it up
    label: str
    url_name: str  # reversed with the account's public id
    permission: str = ""


detail_tabs: list[Tab] = []


@dataclass(frozen=True)
class ListAction:
    """A button in the Connected accounts list's header, from a lower app: a page that acts on the
    accounts the list shows (the list's search and filters go along in its query string)."""

    label: str
    url_name: str
    permission: str
    testid: str


list_actions: list[ListAction] = []

# Each issues a fresh remediation link for a connection without emailing it and returns its URL,
# or "" when the account cannot be remediated; the accounts export's "with remediation links"
# option writes one per account (the requirements engine registers it, with its permission).
remediation_link_issuers: list[tuple[str, Callable[[Any, "Connection"], str]]] = []


def remediation_link_issuer(membership) -> Callable[[Any, "Connection"], str] | None:
    return next((issue for permission, issue in remediation_link_issuers if membership.can(permission)), None)


def actions_for(membership) -> list[ListAction]:
    return [action for action in list_actions if membership.can(action.permission)]

# Parts of the View Dashboard As pages ("home", "payouts", "support"), supplied by lower apps:
# (page, template, context function of (request, connection) returning a dict or None).
view_as_parts: list[tuple[str, str, Callable[["HttpRequest", "Connection"], dict[str, Any] | None]]] = []


def account_changed(connection: "Connection") -> None:
    for fn in after_account_change:
        fn(connection)


def panels_for(request: "HttpRequest", connection: "Connection") -> dict[str, list[tuple[str, dict]]]:
    rendered: dict[str, list[tuple[str, dict]]] = {}
    for panel in detail_panels:
        context = panel.context(request, connection)
        if context is not None:
            rendered.setdefault(panel.slot, []).append((panel.template, context))
    return rendered


def columns_for(membership) -> list[ListColumn]:
    return [c for c in list_columns if not c.permission or membership.can(c.permission)]


def annotate_list(queryset, columns: list[ListColumn]):
    for column in columns:
        queryset = column.annotate(queryset)
    return queryset


def submitted(connection: "Connection", values: dict[str, Any]) -> None:
    for fn in fields_submitted:
        fn(connection, values)


def activity_while_held(connection: "Connection") -> None:
    for fn in after_activity_while_held:
        fn(connection)


def person_removed(connection: "Connection", person_public_id: str) -> None:
    for fn in after_person_removed:
        fn(connection, person_public_id)


def view_as_panels(request: "HttpRequest", connection: "Connection", page: str) -> list[tuple[str, dict]]:
    rendered = []
    for part_page, template, context in view_as_parts:
        if part_page == page:
            values = context(request, connection)
            if values is not None:
                rendered.append((template, values))
    return rendered
