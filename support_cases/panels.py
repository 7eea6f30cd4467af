"""The Support cases panel of the Account details page, registered on accounts.hooks in
SupportCasesConfig.ready(). The details page wraps it in its "Support cases" section card; the
panel renders the card's body."""

from django.http import Http404, HttpRequest
from django.urls import reverse

from accounts.hooks import Panel
from accounts.models import AccountLink, Connection
from accounts.selectors import latest_link
from platform_console import permissions

from . import selectors, services


def can_issue_links(membership) -> bool:
    return membership.can(permissions.VIEW_SUPPORT_CASES) and membership.can(
        permissions.CREATE_REMEDIATION_LINKS
    )


def panel_context(
    request: HttpRequest, connection: Connection, *, issued_url: str = "", link_error: str = ""
) -> dict:
    membership = request.membership
    if not membership.can(permissions.VIEW_SUPPORT_CASES):
        # Analysts and View only hold no right to read cases (domain.md §6): say so, list nothing.
        return {"connection": connection, "no_access": True}
    refusal = services.support_link_refusal(connection)
    show_link = not refusal and can_issue_links(membership)
    return {
        "connection": connection,
        "account": connection.account,
        "listing": selectors.operator_cases(connection),
        "window_days": selectors.WINDOW.days,
        "show_link": show_link,
        "support_link": latest_link(connection, kind=AccountLink.Kind.SUPPORT) if show_link else None,
        "issued_url": issued_url,
        "link_error": link_error,
    }


ACCOUNT_PANEL = Panel(slot="support_cases", template="support_cases/_panel.html", context=panel_context)


def view_as_support_context(request: HttpRequest, connection: Connection) -> dict:
    """View Dashboard As, Support: the account's own cases (or one of them, ?case=…), exactly as
    the account sees them — built from the account-side selectors, which never carry the
    platform's private messages."""
    # The platform sees through View Dashboard As no more than it may see on the case pages: its
    # role must read cases, the account must share them, and only the last 90 days count.
    if not request.membership.can(permissions.VIEW_SUPPORT_CASES):
        return {"refusal": "Your role does not include reading support cases."}
    visible = selectors.operator_cases(connection)
    if visible.hidden:
        return {"refusal": " ".join(reason.message for reason in visible.reasons)}
    allowed = {case.public_id for case in visible.cases}
    case_id = request.GET.get("case", "")[:40]
    if case_id:
        if case_id not in allowed:
            raise Http404("No such support case")
        return {"case": selectors.account_side_case(connection, case_id), "back_url": reverse("view_as:support")}
    cases = [case for case in selectors.account_side_cases(connection) if case.public_id in allowed]
    return {"cases": selectors.with_urls(cases, lambda case: f"{reverse('view_as:support')}?case={case.public_id}")}


VIEW_AS_SUPPORT = ("support", "support_cases/account/_view_as.html", view_as_support_context)
