from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from platform_console import permissions
from platform_console.decorators import operator_required
from platform_console.pagination import keyset_page

from . import hooks, selectors
from .forms import ConnectionFilterForm
from .models import Connection
from .status import tone_of


@require_GET
@operator_required(permissions.VIEW_ACCOUNTS)
@vary_on_headers("HX-Request")  # the browser must never cache the fragment as the page
def connection_list(request: HttpRequest) -> HttpResponse:
    form = ConnectionFilterForm(request.GET)
    filters = form.filters()
    query = selectors.parse_query(filters["q"])
    connections = selectors.search_connections(
        platform=request.platform,
        livemode=request.livemode,
        query=query,
        status=filters["status"],
        dashboard_type=filters["access"],
        country=filters["country"],
    )
    connections = hooks.annotate_list(connections)
    page = keyset_page(connections, after=filters["after"], before=filters["before"])
    context = {
        "form": form,
        "filters": filters,
        "query": query,
        "page": page,
        "is_filtered": bool(filters["q"] or filters["status"] or filters["access"] or filters["country"]),
        "status_tabs": _status_tabs(request, filters),
        "extra_columns": hooks.list_columns,
    }
    template = "accounts/connection_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


def _status_tabs(request: HttpRequest, filters: dict) -> list[dict]:
    counts = selectors.status_counts(platform=request.platform, livemode=request.livemode)
    tabs = [("", "All")]
    tabs += [
        (status.value, status.label)
        for status in (
            Connection.Status.RESTRICTED,
            Connection.Status.RESTRICTED_SOON,
            Connection.Status.IN_REVIEW,
            Connection.Status.INVITED,
            Connection.Status.REJECTED,
            Connection.Status.ENABLED,
        )
    ]
    return [
        {"value": value, "label": label, "count": counts[value], "active": filters["status"] == value}
        for value, label in tabs
    ]


@require_GET
@operator_required(permissions.VIEW_ACCOUNTS)
def connection_detail(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = selectors.connection_for_details(
        platform=request.platform, livemode=request.livemode, account_id=account_id
    )
    context = {
        "connection": connection,
        "account": connection.account,
        "status_tone": tone_of(connection.status),
        "panels": hooks.panels_for(request, connection),
        "tab": "overview",
    }
    return render(request, "accounts/connection_detail.html", context)


@require_GET
@operator_required(permissions.VIEW_ACCOUNTS)
def connection_activity(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = selectors.get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)
    events = selectors.account_activity(platform=request.platform, account_public_id=connection.account.public_id)
    context = {
        "connection": connection,
        "account": connection.account,
        "status_tone": tone_of(connection.status),
        "events": events,
        "tab": "activity",
    }
    return render(request, "accounts/connection_activity.html", context)
