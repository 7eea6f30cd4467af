from django.http import HttpRequest

from . import permissions
from .models import Membership


def console(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"livemode": getattr(request, "livemode", True)}

    def other_platforms() -> list[Membership]:
        return list(
            Membership.objects.filter(user=request.user).exclude(pk=membership.pk).select_related("platform")
        )

    return {
        "membership": membership,
        "current_platform": membership.platform,
        "livemode": request.livemode,
        "perms_console": membership.permissions,
        "P": permissions,
        # A callable: evaluated only by templates that render the switcher (full pages).
        "other_memberships": other_platforms,
    }
