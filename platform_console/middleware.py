"""Resolves, once per request, who is acting and on which platform and mode.

Every dashboard view and selector reads `request.membership`, `request.platform` and
`request.livemode` from here: the platform comes from the operator's own memberships only, so
no request can be scoped to a platform the operator does not belong to.
"""

import uuid
import zoneinfo
from functools import lru_cache

from django.http import HttpRequest
from django.utils import timezone

from . import sessions
from .models import Membership

SESSION_PLATFORM = "console_platform_id"
SESSION_LIVEMODE = "console_livemode"


def _memberships_of(request: HttpRequest) -> tuple[Membership | None, list[Membership]]:
    """The membership the request acts as (the platform chosen in the session, else the oldest)
    and the operator's others (the platform switcher lists them), from one query and its roles'."""
    user = request.user
    if not user.is_authenticated:
        return None, []
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("platform", "user")
        .prefetch_related("roles")
        .order_by("created_at", "id")
    )
    if not memberships:
        return None, []
    chosen = request.session.get(SESSION_PLATFORM)
    current = next((m for m in memberships if m.platform_id == chosen), memberships[0])
    return current, [m for m in memberships if m is not current]


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class OperatorContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not getattr(request, "request_id", ""):  # set by request_log, first in MIDDLEWARE
            request.request_id = uuid.uuid4().hex
        request.membership, request.other_memberships = _memberships_of(request)
        zone = _zone(request.user.time_zone) if request.user.is_authenticated else None
        if zone is not None:  # the member's own time zone for every time the page shows
            timezone.activate(zone)
        request.platform = request.membership.platform if request.membership else None
        if request.user.is_authenticated:
            sessions.enforce(request)  # idle timeout and lifetime; may sign the operator out
        # Live mode unless the operator switched to test mode (the switch is in the top bar).
        request.livemode = request.session.get(SESSION_LIVEMODE, True) if hasattr(request, "session") else True
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # nothing after the response (a task run in-process) inherits it

