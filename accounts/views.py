
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from platform_console import exports as platform_exports
from platform_console import permissions, timeline
from platform_console.audit import request_meta
from platform_console.countries import country_name
from platform_console.decorators import operator_required
from platform_console.pagination import KeysetPage
from platform_console.timeouts import statement_cancelled

from . import hooks, manage_views, onboarding, onboarding_flow, selectors, services
from .errors import AccountError, NotAllowed
from .forms import ConnectionFilterForm, CreateAccountForm
from .models import Connection
from .status import tone_of


@require_safe
@operator_required(permissions.VIEW_ACCOUNTS)
@vary_on_headers("HX-Request")  # the browser must never cache the fragment as the page
def connection_list(request: HttpRequest) -> HttpResponse:
    form = ConnectionFilterForm(request.GET)
    filters = form.filters()
    query = selectors.parse_query(filters["q"])
    columns = hooks.columns_for(request.membership)
    too_slow = False
    try:
        page = selectors.search_page(
            hooks.annotate_list(_filtered_connections(request, filters), columns),
            platform=request.platform, livemode=request.livemode, query=query,
            after=filters["after"], before=filters["before"],
        )
    except OperationalError as error:  # stopped at the statement timeout: say so beside the search
        if not statement_cancelled(error):
            raise
        page, too_slow = KeysetPage(items=[], next_cursor=None, previous_cursor=None), True
    context = {
        "form": form,
        "filters": filters,
        "query": query,
        "page": page,
        "too_slow": too_slow,
        "rows": _list_rows(page, columns),
        "is_filtered": any(filters[k] for k in ("q", "status", "access", "country", "needs")),
        "extra_columns": columns,
    }
    template = "accounts/connection_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        # Typing in the search box swaps the results only: no tabs, header or filters to work out.
        return render(request, template + "#results", context)
    context |= {
        "status_tabs": _status_tabs(request, filters),
        "create_blockers": services.creation_blockers(request.membership),
        "can_export": request.membership.can(permissions.EXPORT_ACCOUNTS),
        "can_export_links": hooks.remediation_link_issuer(request.membership) is not None,
        "list_actions": hooks.actions_for(request.membership),
    }
    return render(request, template, context)


def _filtered_connections(request: HttpRequest, filters: dict):
    return selectors.search_list(platform=request.platform, livemode=request.livemode, filters=filters)


@require_safe
@operator_required(permissions.EXPORT_ACCOUNTS)
def connection_export(request: HttpRequest) -> HttpResponse:
    """The Connected accounts list as CSV, with its current filters and search; audited. Streamed
    up to 10,000 accounts, written by a job beyond (platform_console/exports.py)."""
    filters = ConnectionFilterForm(request.GET).filters()
    params = {key: value for key, value in filters.items() if key not in ("after", "before")}
    if request.GET.get("remediation_links"):
        if hooks.remediation_link_issuer(request.membership) is None:
            raise PermissionDenied("Your role cannot create remediation links.")
        params["remediation_links"] = "1"
    return platform_exports.respond(request, kind="connected-accounts", params=params, action="accounts.exported")


def _list_rows(page, columns: list[hooks.ListColumn]) -> list[dict]:
    """What each row of the list shows, worked out here rather than by template tags, filters
    and includes per cell: the list is the page operators open most, and per-row template
    work was half of its server time (make bench)."""
    detail_url = reverse("accounts:detail", args=["acct_ID"])
    rows = []
    for connection in page:
        account = connection.account
        created = timezone.localtime(connection.created_at)
        day = f"{MONTHS_3[created.month].title()} {created.day}, {created.year}"
        rows.append(
            {
                "url": detail_url.replace("acct_ID", account.public_id),
                "name": account.display_name,
                "email": account.email,
                "public_id": account.public_id,
                "tone": tone_of(connection.status),
                "status": connection.get_status_display(),
                "access": connection.get_dashboard_type_display(),
                "country": country_name(account.country),
                "cells": [(column, column.cell(connection)) for column in columns],
                "created_iso": created.isoformat(),
                "created_day": day,
                "created_title": f"{day}, {created:%H:%M} {created.tzname()}",
            }
        )
    return rows


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


@require_safe
@operator_required(permissions.VIEW_ACCOUNTS)
def connection_detail(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = selectors.connection_for_details(
        platform=request.platform, livemode=request.livemode, account_id=account_id
    )
    persons_reason = ""
    if not manage_views.manage.profile_editable(connection):
        persons_reason = "This account manages its own business owners."
    can_manage_persons = not persons_reason and request.membership.can(permissions.MANAGE_PERSONS)
    context = {
        **manage_views.profile_context(request, connection),
        **manage_views.schedule_context(request, connection),
        "connection": connection,
        "account": connection.account,
        "status_tone": tone_of(connection.status),
        "panels": hooks.panels_for(request, connection),
        "tab": "overview",
        "capabilities": list(connection.capabilities.all()),
        "can_edit_capabilities": request.membership.can(permissions.EDIT_CAPABILITIES),
        "can_manage_persons": can_manage_persons,
        "persons_reason": persons_reason,
        "link": selectors.latest_link(connection, kind="onboarding") if connection.lifecycle_state == "invited" else None,
        "can_issue": request.membership.can(permissions.CREATE_ACCOUNTS),
        "can_onboard": (
            connection.is_platform_collected
            and not connection.details_submitted
            and request.membership.can(permissions.EDIT_PROFILE)
        ),
    }
    if context["can_onboard"] or (connection.is_platform_collected and not connection.details_submitted):
        context["onboarding_steps"] = onboarding_flow.step_list(connection, "")
    return render(request, "accounts/connection_detail.html", context)


@require_safe
@operator_required(permissions.VIEW_ACCOUNTS)
def connection_activity(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = selectors.get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)
    events = selectors.account_activity(platform=request.platform, account_public_id=connection.account.public_id)
    context = {
        "connection": connection,
        "account": connection.account,
        "status_tone": tone_of(connection.status),
        "events": timeline.lines(events, names={connection.account.public_id: connection.account.display_name},
                                 link_accounts=False),
        "tab": "activity",
    }
    return render(request, "accounts/connection_activity.html", context)


def _meta(request: HttpRequest) -> dict:
    return request_meta(request)


@require_http_methods(["GET", "POST"])
@operator_required(permissions.VIEW_ACCOUNTS)
def create_account(request: HttpRequest) -> HttpResponse:
    """The + Create dialog. Roles that may not create, and French platforms, are refused on the
    server whatever the page showed; an incomplete platform profile is explained in the dialog."""
    blockers = services.creation_blockers(request.membership)
    hard = [b for b in blockers if b.code in ("role", "country")]
    if request.method == "POST" and hard:
        raise PermissionDenied(hard[0].message)
    template = "accounts/create_dialog.html" if request.htmx else "accounts/create_page.html"
    context = {"blockers": blockers, "livemode": request.livemode}
    if blockers:
        return render(request, template, context, status=422 if request.method == "POST" else 200)

    if request.method == "POST" and request.POST.get("step") == "edit":
        # The Edit step: show the controller properties, filled with the chosen access type's preset.
        access = request.POST.get("dashboard_type") or "express"
        initial = {**request.POST.dict(), **services.PRESETS.get(access, services.PRESETS["express"]),
                   "customize": True, "capabilities": request.POST.getlist("capabilities")}
        form = CreateAccountForm(initial=initial, platform=request.platform)
        return render(request, template, {**context, "form": form, "editing": True})

    form = CreateAccountForm(request.POST if request.method == "POST" else None, platform=request.platform)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            connection, token = services.create_account(
                actor=request.membership, livemode=request.livemode, country=data["country"], email=data["email"],
                dashboard_type=data["dashboard_type"], fees_payer=data["fees_payer"],
                losses_payments=data["losses_payments"], requirement_collection=data["requirement_collection"],
                business_type=data["business_type"], capabilities=data["capabilities"], metadata=data["metadata"],
                request_meta=_meta(request),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            detail = reverse("accounts:detail", args=[connection.account.public_id])
            if token is None:
                if request.htmx:
                    return HttpResponseClientRedirect(detail)
                return redirect(detail)
            url = request.build_absolute_uri(reverse("onboard_entry", args=[token]))
            result = {"connection": connection, "url": url, "detail_url": detail}
            if request.htmx:
                response = render(request, "accounts/create_result_dialog.html", result)
                return trigger_client_event(response, "accounts-changed")
            return render(request, "accounts/create_result_page.html", result)
    editing = bool(request.POST.get("customize"))
    return render(request, template, {**context, "form": form, "editing": editing},
                  status=422 if form.errors else 200)


@require_POST
@operator_required(permissions.CREATE_ACCOUNTS)
def reissue_onboarding_link(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = selectors.get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)
    try:
        link, token = services.issue_onboarding_link(actor=request.membership, connection=connection,
                                                     request_meta=_meta(request))
    except AccountError as error:
        messages.error(request, error.message)
        return redirect("accounts:detail", account_id)
    context = {"connection": connection, "account": connection.account, "link": link,
               "new_url": request.build_absolute_uri(reverse("onboard_entry", args=[token])), "can_issue": True}
    if request.htmx:
        return trigger_client_event(render(request, "accounts/_onboarding_card.html", context), "show-toast",
                                    f"New onboarding link emailed to {connection.account.email}")
    return render(request, "accounts/link_issued_page.html", context)


@require_http_methods(["GET", "POST"])
@operator_required(permissions.EDIT_PROFILE)
def operator_onboarding(request: HttpRequest, account_id: str, step: str) -> HttpResponse:
    """Finish onboarding of a platform-collected (None access) account on its behalf."""
    connection = selectors.get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)
    if not connection.is_platform_collected:
        raise PermissionDenied("This account provides its own information.")
    if connection.details_submitted:
        messages.info(request, "Onboarding details were already submitted for this account.")
        return redirect("accounts:detail", account_id)
    if step not in onboarding.step_slugs(connection.account):
        return redirect("accounts:onboarding", account_id, onboarding.first_incomplete_step(connection))
    base = {"connection": connection, "account": connection.account, "status_tone": tone_of(connection.status),
            "tab": "overview", "steps": onboarding_flow.step_list(connection, step), "hosted": False}
    if step == "review":
        review = onboarding_flow.review_context(connection)
        if request.method == "POST":
            if review["missing"]:
                messages.error(request, "Some required details are still missing: complete the steps marked below.")
            else:
                try:
                    services.submit_onboarding_for_account(actor=request.membership, connection=connection,
                                                           request_meta=_meta(request))
                except NotAllowed as error:
                    raise PermissionDenied(error.message) from error
                messages.success(request, "Onboarding details submitted.")
                return redirect("accounts:detail", account_id)
        return render(request, "accounts/operator_review.html",
                      {**base, **review, "step": onboarding.steps()["review"],
                       "previous_step": onboarding_flow.previous_step(connection.account, "review")})
    try:
        result = onboarding_flow.handle_step(request, connection, step, actor=request.membership,
                                             request_meta=_meta(request))
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    if result.done:
        connection.refresh_from_db()
        return redirect("accounts:onboarding", account_id, onboarding_flow.next_step(connection, step))
    return render(request, "accounts/operator_step.html", {**base, **result.context}, status=result.status)
