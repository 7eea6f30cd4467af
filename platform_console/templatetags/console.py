from datetime import datetime

from django import template
from django.http import QueryDict
from django.utils import timezone
from django.utils.timesince import timesince

from platform_console.countries import country_name

register = template.Library()


@register.filter
def country(code: str) -> str:
    return country_name(code)


@register.filter
def relative(value: datetime | None) -> str:
    """"3 days ago" (or "in 3 days"); the exact time belongs in a title attribute beside it."""
    if value is None:
        return "—"
    now = timezone.now()
    if value <= now:
        delta = timesince(value, now, depth=1)
        return "just now" if delta.startswith("0") else f"{delta} ago"
    return f"in {timesince(now, value, depth=1)}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (empty values dropped)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
