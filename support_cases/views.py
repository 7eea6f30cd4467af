"""Pages of support cases.

Operators: the case page (the whole conversation, the team's private notes, the **Send support an
email** form) and the actions behind the Support cases panel of Account details.
Account holders (no login): the hosted support page reached by a support link, where the account
opens cases and follows them. It is built from the account-side partials and selectors, which never
carry platform messages.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from accounts.errors import LinkNotUsable
from accounts.models import AccountLink, Connection
from accounts.selectors import get_connection
from platform_console import permissions
from platform_console.audit import request_meta
from platform_console.decorators import operator_required, public_page

from . import panels, selectors, services
from .errors import CasesHidden, NotAllowed, SupportCaseError
from .forms import OpenCaseForm, PlatformNoteForm, ReplyForm
from .models import SupportCase

# --- operators --------------------------------------------------------------------------------------


def _connection(request: HttpRequest, account_id: str) -> Connection:
    return get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)


def _hidden_page(request: HttpRequest, connection: Connection, hidden: CasesHidden) -> HttpResponse:
    context = {
        "connection": connection,
        "account": connection.account,
        "reasons": hidden.reasons,
        "title": selectors.OperatorCases(reasons=hidden.reasons).hidden_title,
    }
    return render(request, "support_cases/case_hidden.html", context, status=403)


def _case_context(
    request: HttpRequest, connection: Connection, case: SupportCase, form: PlatformNoteForm
) -> dict:
    return {
        "connection": connection,
        "account": connection.account,
        "case": case,
        "conversation": selectors.conversation(case),
        "form": form,
        "can_email": request.membership.can(permissions.EMAIL_SUPPORT),
    }


@require_safe
@operator_required(permissions.VIEW_SUPPORT_CASES)
def case_detail(request: HttpRequest, account_id: str, case_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    try:
        case = selectors.operator_case(connection, case_id)
    except CasesHidden as hidden:
        return _hidden_page(request, connection, hidden)
    return render(
        request,
        "support_cases/case_detail.html",
        _case_context(request, connection, case, PlatformNoteForm()),
    )


@require_POST
@operator_required(permissions.EMAIL_SUPPORT)
@vary_on_headers("HX-Request")
def email_support(request: HttpRequest, account_id: str, case_id: str) -> HttpResponse:
    """Send support an email. With htmx: the reset form plus the new note appended to the
    conversation (out of band) and a toast; 422 with the form and its errors. Without: redirect."""
    connection = _connection(request, account_id)
    try:
        case = selectors.operator_case(connection, case_id)
    except CasesHidden as hidden:
        raise PermissionDenied(hidden.message) from hidden
    form = PlatformNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.email_support(
                actor=request.membership,
                case=case,
                body=form.cleaned_data["body"],
                request_meta=request_meta(request),
            )
        except (NotAllowed, CasesHidden) as error:
            raise PermissionDenied(error.message) from error
        except SupportCaseError as error:
            form.add_error("body", error.message)
        else:
            if not request.htmx:
                messages.success(
                    request, "Sent to provider support. Only your team and provider support can see it."
                )
                return redirect("support_cases:case_detail", account_id, case_id)
            context = {
                "form": PlatformNoteForm(),
                "note": note,
                "case": case,
                "account": connection.account,
                "can_email": True,
            }
            response = render(request, "support_cases/_note_sent.html", context)
            return trigger_client_event(response, "show-toast", "Sent to provider support")
    if request.htmx:
        context = {"form": form, "case": case, "account": connection.account, "can_email": True}
        return render(request, "support_cases/case_detail.html#email-form", context, status=422)
    context = _case_context(request, connection, case, form)
    return render(request, "support_cases/case_detail.html", context, status=422)


@require_POST
@operator_required(permissions.VIEW_SUPPORT_CASES)
@vary_on_headers("HX-Request")
def issue_link(request: HttpRequest, account_id: str) -> HttpResponse:
    """Send the account a new support link (the earlier one stops working) and show it once."""
    connection = _connection(request, account_id)
    try:
        _link, token = services.issue_support_link(
            actor=request.membership, connection=connection, request_meta=request_meta(request)
        )
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except SupportCaseError as error:
        if request.htmx:
            context = panels.panel_context(request, connection, link_error=error.message)
            return render(request, "support_cases/_panel.html", {"panel": context}, status=422)
        messages.error(request, error.message)
        return redirect("accounts:detail", account_id)
    url = request.build_absolute_uri(reverse("support_cases:hosted_entry", args=[token]))
    email = connection.account.email
    if request.htmx:
        context = panels.panel_context(request, connection, issued_url=url)
        response = render(request, "support_cases/_panel.html", {"panel": context})
        toast = f"Support link emailed to {email}" if email else "Support link created"
        return trigger_client_event(response, "show-toast", toast)
    context = {"connection": connection, "account": connection.account, "url": url, "email": email}
    return render(request, "support_cases/link_issued_page.html", context)


# --- account holders: the hosted support page ---------------------------------------------------------

SESSION_KEY = "support_link_id"
# Problem pages name no platform and no account: a wrong or stale token reveals nothing.
PROBLEMS = {
    "expired": (
        "This link has expired",
        "Support links work for 90 days. Ask the platform that sent it for a new link.",
    ),
    "revoked": (
        "This link has been replaced",
        (
            "A newer support link was sent for this account. Use the latest "
            "email, or ask the platform for a new link."
        ),
    ),
    "used": ("This link can no longer be used", "Ask the platform that sent it for a new link."),
    "invalid": (
        "This link isn't valid",
        "Check that you copied the whole link, or ask the platform that sent it for a new link.",
    ),
}


def link_problem(request: HttpRequest, state: str) -> HttpResponse:
    title, body = PROBLEMS.get(state, PROBLEMS["invalid"])
    status = 404 if state == "invalid" else 410
    return render(
        request,
        "accounts/hosted/link_problem.html",
        {"title": title, "body": body, "state": state},
        status=status,
    )



def hosted(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Hosted pages run inside the support link kept in the session, re-checked on every request
    (it may have expired or been replaced since it was opened)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        link_id = request.session.get(SESSION_KEY)
        try:
            link = services.usable_support_link(link_id) if link_id else None
        except LinkNotUsable as problem:
            return link_problem(request, problem.state)
        if link is None:
            return link_problem(request, "invalid")
        return view(request, link, *args, **kwargs)

    return wrapper


def _hosted_context(link: AccountLink, **extra) -> dict:
    connection = link.connection
    return {
        "platform": connection.platform,
        "connection": connection,
        "account": connection.account,
        "shared_with_platform": not selectors.hidden_reasons(connection),
        **extra,
    }


@public_page
@never_cache
@require_safe
def hosted_entry(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.open_support_link(token)
    except LinkNotUsable as problem:
        return link_problem(request, problem.state)
    request.session.cycle_key()
    request.session[SESSION_KEY] = link.pk
    return redirect("support_cases:hosted_cases")


@public_page
@never_cache
@require_safe
@hosted
def hosted_cases(request: HttpRequest, link: AccountLink) -> HttpResponse:
    cases = selectors.with_urls(
        selectors.account_side_cases(link.connection),
        lambda case: reverse("support_cases:hosted_case", args=[case.public_id]),
    )
    return render(request, "support_cases/hosted/cases.html", _hosted_context(link, cases=cases))


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
@hosted
def hosted_new_case(request: HttpRequest, link: AccountLink) -> HttpResponse:
    form = OpenCaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(
                connection=link.connection, request_meta=request_meta(request), **form.cleaned_data
            )
        except SupportCaseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, "Your case was sent to provider support. You'll find their answer here."
            )
            return redirect("support_cases:hosted_case", case.public_id)
    return render(
        request,
        "support_cases/hosted/new_case.html",
        _hosted_context(link, form=form),
        status=422 if form.errors else 200,
    )


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
@hosted
def hosted_case(request: HttpRequest, link: AccountLink, case_id: str) -> HttpResponse:
    connection = link.connection
    case = selectors.account_side_case(connection, case_id)
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not case.is_closed and form.is_valid():
        try:
            services.account_reply(
                connection=connection,
                case_id=case.public_id,
                body=form.cleaned_data["body"],
                request_meta=request_meta(request),
            )
        except SupportCaseError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Your reply was sent.")
            return redirect("support_cases:hosted_case", case.public_id)
    status = 422 if form.errors or (request.method == "POST" and case.is_closed) else 200
    return render(
        request, "support_cases/hosted/case.html", _hosted_context(link, case=case, form=form), status=status
    )
