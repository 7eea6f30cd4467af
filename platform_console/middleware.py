"""Resolves, once per request, who is acting and on which platform and mode.

Every dashboard view and selector reads `request.membership`, `request.platform` and
`request.livemode` from here: the platform comes from the operator's own memberships only, so
no request can be scoped to a platform the operator does not belong to.
"""

import uuid

from django.http import HttpRequest

from . import sessions
from .models import Membership

SESSION_PLATFORM = "console_platform_id"
SESSION_LIVEMODE = "console_livemode"


def _membership_for(request: HttpRequest) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("platform", "user").prefetch_related("roles")
    chosen = request.session.get(SESSION_PLATFORM)
    if chosen is not None:
        membership = next(iter(memberships.filter(platform_id=chosen)), None)
        if membership is not None:
            return membership
    return next(iter(memberships.order_by("created_at", "id")[:1]), None)


class OperatorContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not getattr(request, "request_id", ""):  # set by request_log, first in MIDDLEWARE
            request.request_id = uuid.uuid4().hex
        request.membership = _membership_for(request)
        request.platform = request.membership.platform if request.membership else None
        if request.user.is_authenticated:
            sessions.enforce(request)  # idle timeout and lifetime; may sign the operator out
        # Live mode unless the operator switched to test mode (the switch is in the top bar).
        request.livemode = request.session.get(SESSION_LIVEMODE, True) if hasattr(request, "session") else True
        return self.get_response(request)

