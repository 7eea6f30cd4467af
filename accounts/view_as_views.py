"""The account-side pages shown in View Dashboard As: home, payouts, profile, support. Each reads
only `request.acting_as`; lower apps fill in their parts through accounts.hooks (view_as slots)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from platform_console import permissions
from platform_console.audit import record_audit, request_meta
from platform_console.decorators import operator_required

from . import hooks, selectors, view_as

PAGES = [("home", "Home"), ("payouts", "Payouts"), ("profile", "Profile"), ("support", "Support")]


@require_POST
@operator_required(permissions.VIEW_AS)
def start(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = selectors.get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)
    view_as.start(request, connection)
    record_audit(actor=request.membership, action="view_as.started", obj=connection.account,
                 account_public_id=connection.account.public_id, livemode=connection.livemode,
                 request_meta={**request_meta(request), "view_as_account": connection.account.public_id})
    return redirect("view_as:home")


@require_POST
@operator_required()
def exit_view_as(request: HttpRequest) -> HttpResponse:
    account_id = view_as.stop(request)
    if account_id is None:
        return redirect("accounts:list")
    record_audit(actor=request.membership, action="view_as.ended", account_public_id=account_id,
                 livemode=request.livemode, request_meta={**request_meta(request), "view_as_account": account_id})
    messages.info(request, "You stopped viewing the dashboard as this account.")
    if selectors.connections_in_scope(platform=request.platform, livemode=request.livemode).filter(
        account__public_id=account_id
    ).exists():
        return redirect("accounts:detail", account_id)
    return redirect("accounts:list")


def _page(request: HttpRequest, page: str) -> HttpResponse:
    connection = request.acting_as
    if connection is None:
        return redirect("accounts:list")
    if not request.membership.can(permissions.VIEW_AS):
        raise PermissionDenied("Your role cannot view the dashboard as an account.")
    record_audit(actor=request.membership, action="view_as.page_viewed", account_public_id=connection.account.public_id,
                 livemode=connection.livemode, after={"page": page},
                 request_meta={**request_meta(request), "view_as_account": connection.account.public_id})
    context = {
        "acting": connection,
        "account": connection.account,
        "page": page,
        "pages": PAGES,
        "panels": hooks.view_as_panels(request, connection, page),
    }
    return render(request, f"accounts/view_as/{page}.html", context)


@require_safe
@operator_required(permissions.VIEW_AS)
def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "home")


@require_safe
@operator_required(permissions.VIEW_AS)
def payouts(request: HttpRequest) -> HttpResponse:
    return _page(request, "payouts")


@require_safe
@operator_required(permissions.VIEW_AS)
def profile(request: HttpRequest) -> HttpResponse:
    return _page(request, "profile")


@require_safe
@operator_required(permissions.VIEW_AS)
def support(request: HttpRequest) -> HttpResponse:
    return _page(request, "support")
