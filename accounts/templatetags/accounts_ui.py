from django import template
from django.urls import reverse

from accounts import hooks
from accounts.status import tone_of

register = template.Library()


@register.inclusion_tag("components/badge.html")
def status_badge(connection, testid: str = ""):
    return {"tone": tone_of(connection.status), "label": connection.get_status_display(), "testid": testid}


CAPABILITY_TONES = {
    "active": "success",
    "pending": "warning",
    "inactive": "danger",
    "disabled": "danger",
    "unrequested": "neutral",
}


@register.inclusion_tag("components/badge.html")
def capability_badge(capability):
    return {"tone": CAPABILITY_TONES.get(capability.status, "neutral"), "label": capability.get_status_display()}


@register.inclusion_tag("accounts/_detail_tabs.html", takes_context=True)
def account_tabs(context, account, current: str):
    """Overview, the tabs lower apps add (those the operator's role may see), then Activity."""
    membership = context.get("membership")
    tabs = [{"key": "overview", "label": "Overview", "url": reverse("accounts:detail", args=[account.public_id])}]
    for tab in hooks.detail_tabs:
        if tab.permission and not (membership and membership.can(tab.permission)):
            continue
        tabs.append({"key": tab.key, "label": tab.label, "url": reverse(tab.url_name, args=[account.public_id])})
    tabs.append({"key": "activity", "label": "Activity", "url": reverse("accounts:activity", args=[account.public_id])})
    return {"tabs": tabs, "current": current}


REASON_LABELS = {
    "requirements.fields_needed": "Information needed",
    "requirements.past_due": "Information past due",
    "pending.onboarding": "Onboarding not finished",
    "pending.review": "Being verified",
    "paused.inactivity": "On hold: no activity for 540 days",
    "platform_paused": "Paused by your platform",
    "platform_disabled": "Disabled by your platform",
    "rejected.fraud": "Rejected: suspected fraud",
    "rejected.platform_fraud": "Rejected by your platform: fraud",
    "rejected.platform_terms_of_service": "Rejected by your platform: terms of service",
    "rejected.platform_other": "Rejected by your platform",
    "rejected.other": "Rejected",
    "under_review": "Under review",
    "requirements.pending_verification": "Being verified",
    "action_required.requested_capabilities": "Onboarding not finished",
}


@register.filter
def reason_label(code: str) -> str:
    """A disabled_reason in words (domain.md §3.5); unknown codes fall back to a readable form."""
    if not code:
        return ""
    return REASON_LABELS.get(code, code.replace(".", ": ").replace("_", " ").capitalize())


@register.inclusion_tag("accounts/_account_menu.html", takes_context=True)
def account_menu(context, connection):
    """The ⋯ menu of the details header: View Dashboard As, Copy account ID, Remove account."""
    from accounts import management_services as manage_refusals
    from accounts.management_services import removal_refusal
    from platform_console import permissions

    membership = context.get("membership")
    can = membership.can if membership else (lambda _permission: False)
    removal = removal_refusal(connection)
    if not removal and not can(permissions.REMOVE_ACCOUNTS):
        removal = "Only Administrators can remove accounts."
    view_as = "" if can(permissions.VIEW_AS) else "Your role cannot view the dashboard as an account."
    pausing = "resume_payouts" if connection.payouts_paused else "pause_payouts"
    pause = manage_refusals.payouts_pause_refusal(connection, pause=not connection.payouts_paused)
    if not pause and not can(permissions.PAUSE_ACCOUNTS):
        pause = "Only Administrators can pause or resume payouts."
    reject = manage_refusals.rejection_refusal(connection)
    if not reject and not can(permissions.REJECT_ACCOUNTS):
        reject = "Only Administrators can reject accounts."
    return {"connection": connection, "account": connection.account, "removal_reason": removal,
            "view_as_reason": view_as, "csrf_token": context.get("csrf_token"), "pausing": pausing,
            "pausing_label": "Resume payouts" if connection.payouts_paused else "Pause payouts",
            "pause_reason": pause, "reject_reason": reject}
