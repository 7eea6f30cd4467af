from django import template

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
