from django.http import HttpRequest

from . import permissions


def console(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"livemode": getattr(request, "livemode", True)}
    return {
        "membership": membership,
        "current_platform": membership.platform,
        "livemode": request.livemode,
        "perms_console": membership.permissions,
        "P": permissions,
        "other_memberships": getattr(request, "other_memberships", []),  # for the platform switcher
    }
