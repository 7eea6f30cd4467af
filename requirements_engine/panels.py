"""What requirements_engine contributes to accounts pages through accounts.hooks."""

from django.http import HttpRequest

from accounts import hooks
from accounts.hooks import Panel
from accounts.models import Connection
from platform_console import permissions

from . import selectors
from .rules import load


def actions_required_panel(request: HttpRequest, connection: Connection) -> dict | None:
    """The Actions required card at the top of the details page; None (no card) when nothing is
    outstanding."""
    entries, in_review = selectors.actions_required(connection)
    if not entries and not in_review:
        return None
    return {"entries": entries, "in_review": in_review, "connection": connection}


def onboarding_paths(connection: Connection) -> set[str] | None:
    """The fields onboarding asks for: what the rules need now (stages C and P) for this account,
    owner and director placeholders ("owners.dob") included: the owners step asks them of each
    person it adds. Before the business type is known, what every business type needs."""
    account = connection.account
    requested = {c.name for c in connection.capabilities.all() if c.requested}

    def paths(business_type: str) -> set[str]:
        return {rule.field for rule in load().rules if rule.stage in ("C", "P") and rule.applies(
            country=account.country, business_type=business_type, capabilities=requested)}

    if not account.business_type:
        return paths("individual") & paths("company")
    return paths(account.business_type)


ACTIONS_REQUIRED_PANEL = Panel(
    slot="actions_required", template="requirements_engine/_actions_required.html", context=actions_required_panel
)


SEND_REMEDIATION_LINKS = hooks.ListAction(
    label="Send remediation links", url_name="requirements_engine:bulk_new",
    permission=permissions.CREATE_REMEDIATION_LINKS, testid="bulk-remediation",
)
