"""View Dashboard As: an operator sees the dashboard from one connected account's perspective.

The account rides on every request — the `Console-Account` header on htmx requests, the session
for full page loads — and this one middleware resolves it (within the operator's platform and
mode) to `request.acting_as`. While acting as an account every write is refused and every page
outside the account's own dashboard is redirected there, so no acting-as request can return
another account's data (domain.md §7.5).
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from .models import Connection
from .selectors import connections_in_scope

SESSION_KEY = "view_as"
HEADER = "Console-Account"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def start(request: HttpRequest, connection: Connection) -> None:
    request.session[SESSION_KEY] = {
        "account": connection.account.public_id,
        "platform": connection.platform_id,
        "livemode": connection.livemode,
    }


def stop(request: HttpRequest) -> str | None:
    value = request.session.pop(SESSION_KEY, None)
    return value["account"] if value else None


class ViewAsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.acting_as = None
        membership = getattr(request, "membership", None)
        if membership is not None:
            stored = request.session.get(SESSION_KEY)
            header = request.headers.get(HEADER, "") if getattr(request, "htmx", False) else ""
            account_id = header or (stored or {}).get("account", "")
            if stored and (stored.get("platform") != request.platform.pk or stored.get("livemode") != request.livemode):
                # The operator switched platform or mode: viewing as ends.
                stop(request)
                account_id = header
            if account_id:
                request.acting_as = (
                    connections_in_scope(platform=request.platform, livemode=request.livemode)
                    .select_related("account")
                    .filter(account__public_id=account_id[:40])
                    .first()
                )
                if request.acting_as is None:
                    stop(request)
                    if header:
                        return render(request, "403.html", status=403)
        if request.acting_as is not None:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    @staticmethod
    def _refusal(request: HttpRequest) -> HttpResponse | None:
        path = request.path
        exit_url = reverse("view_as:exit")
        if path == exit_url or path == reverse("logout") or path.startswith("/static/"):
            return None
        if request.method not in SAFE_METHODS:
            return render(request, "accounts/view_as/read_only.html", status=403)
        if not path.startswith("/view-as/"):
            return HttpResponseRedirect(reverse("view_as:home"))
        return None
