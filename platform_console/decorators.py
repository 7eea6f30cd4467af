"""Access control for dashboard views: signed in, on a platform's team, holding a permission."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from . import security


def operator_required(
    permission: str | None = None, *, also: tuple[str, ...] = (), allow_without_two_factor: bool = False
) -> Callable:
    """Require a signed-in operator with a membership, and `permission` (and each of `also`) when
    given.

    Anonymous visitors go to the login page; a user with no platform gets a page that says so;
    a member whose roles lack the permission gets 403. Services check the permission again:
    this decorator is for the page, not the only guard.
    """

    if also and permission is None:
        raise ValueError("operator_required(also=...) needs a first permission")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                return render(request, "platform_console/no_platform.html", status=403)
            if not allow_without_two_factor and _must_enrol(request):
                return redirect("security_settings")
            for needed in (permission, *also) if permission is not None else ():
                if not request.membership.can(needed):
                    raise PermissionDenied(needed)
            return view(request, *args, **kwargs)

        # Read by the authorisation-matrix test: one code, or all the codes the view needs.
        wrapper.required_permission = (permission, *also) if also else permission
        return wrapper

    return decorator


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a page that needs no operator login (hosted pages reached through a bearer link).
    The authorisation tests read the mark: any other page must require a login."""
    view.is_public = True
    return view


def _must_enrol(request: HttpRequest) -> bool:
    """The platform requires two-step authentication and this operator has not set it up."""
    return security.requires_enrolment(request)
