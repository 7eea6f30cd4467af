from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors as account_selectors
from money import history as money_history

from . import permissions, services, timeline
from .audit import request_meta
from .decorators import operator_required, public_page
from .forms import PlatformProfileForm
from .middleware import SESSION_LIVEMODE, SESSION_PLATFORM
from .models import AuditEvent, Membership


@require_safe
@operator_required(permissions.VIEW_ACCOUNTS)
def home(request: HttpRequest) -> HttpResponse:
    counts = account_selectors.status_counts(platform=request.platform, livemode=request.livemode)
    recent = list(
        AuditEvent.objects.filter(platform=request.platform, livemode=request.livemode).select_related(
            "actor__user"
        )[:8]
    )
    tiles = [
        {"label": "Connected accounts", "count": counts[""], "status": "", "tone": "neutral"},
        {"label": "Restricted", "count": counts["restricted"], "status": "restricted", "tone": "danger"},
        {"label": "Restricted soon", "count": counts["restricted_soon"], "status": "restricted_soon", "tone": "warning"},
        {"label": "In review", "count": counts["in_review"], "status": "in_review", "tone": "info"},
        {"label": "Enabled", "count": counts["enabled"], "status": "enabled", "tone": "success"},
    ]
    names = account_selectors.display_names({event.account_public_id for event in recent if event.account_public_id})
    context = {"tiles": tiles, "recent_events": timeline.lines(recent, names=names)}
    if request.membership.can(permissions.VIEW_BALANCES):
        days = 90 if request.GET.get("days") == "90" else 30
        currency = request.platform.default_currency
        points = money_history.balance_history(platform=request.platform, livemode=request.livemode,
                                               currency=currency, days=days)
        context["balance_chart"] = {"days": days, "currency": currency, **money_history.chart(points)}
    return render(request, "platform_console/home.html", context)


def _back(request: HttpRequest, fallback: str = "home") -> HttpResponse:
    target = request.POST.get("next", "")
    # A path on this site, redirected to as it is: redirect() would first try it as a URL name and
    # answer 500 for anything that is neither ("next=123").
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect(fallback)


@require_POST
@operator_required()
def switch_platform(request: HttpRequest) -> HttpResponse:
    """Make another of the operator's own platforms the current one."""
    target = request.POST.get("platform", "")
    membership = (
        Membership.objects.filter(user=request.user, platform__public_id=target).select_related("platform").first()
    )
    if membership is None:
        messages.error(request, "You are not a member of that platform.")
        return redirect("home")
    request.session[SESSION_PLATFORM] = membership.platform_id
    messages.success(request, f"Switched to {membership.platform.name}.")
    # Pages of one platform's objects make no sense on another: always land on Home.
    return redirect("home")


@require_POST
@operator_required()
def set_mode(request: HttpRequest) -> HttpResponse:
    """The test-mode switch: every page shows only data of the chosen mode."""
    request.session[SESSION_LIVEMODE] = request.POST.get("mode") != "test"
    return _back(request)


@require_http_methods(["GET", "POST"])
@operator_required()
def platform_profile(request: HttpRequest) -> HttpResponse:
    """The platform profile: every operator can read it; Administrators complete and change it."""
    can_edit = request.membership.can(permissions.EDIT_PLATFORM_PROFILE)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Only Administrators can change the platform profile.")
    form = PlatformProfileForm(request.POST if request.method == "POST" else None, instance=request.platform)
    if request.method == "POST" and form.is_valid():
        services.update_platform_profile(actor=request.membership, data=form.cleaned_data, request_meta=request_meta(request))
        messages.success(request, "Platform profile saved." + (" You can now create connected accounts." if request.platform.country != "FR" else ""))
        return redirect("platform_profile")
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "platform_console/platform_profile.html", {"form": form, "can_edit": can_edit},
                  status=422 if form.errors else 200)


@public_page
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request, not when the URLs are imported: a management command on a server
    # whose static files were never collected must not need the manifest.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
