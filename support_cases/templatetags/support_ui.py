"""Badges of support cases, in the domain's words (ui.md: never raw enum values)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from support_cases.models import SupportCase

register = template.Library()

# The platform's view of a case: who has to act next.
OPERATOR_STATUS = {
    SupportCase.Status.OPEN: ("Open", "info"),
    SupportCase.Status.WAITING_ON_ACCOUNT: ("Waiting on account", "warning"),
    SupportCase.Status.WAITING_ON_PROVIDER: ("Waiting on provider", "info"),
    SupportCase.Status.CLOSED: ("Closed", "neutral"),
}


@register.simple_tag
def case_status_badge(case, testid: str = "") -> SafeString:
    """The operator-side status badge of a SupportCase."""
    label, tone = OPERATOR_STATUS[case.status]
    return SafeString(
        render_to_string("components/badge.html", {"tone": tone, "label": label, "testid": testid})
    )


@register.simple_tag
def account_status_badge(case, testid: str = "") -> SafeString:
    """The account-side status badge of a selectors.AccountCase ("Waiting on you")."""
    context = {"tone": case.status_tone, "label": case.status_label, "testid": testid}
    return SafeString(render_to_string("components/badge.html", context))
