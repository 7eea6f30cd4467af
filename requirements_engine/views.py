from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from accounts import selectors as account_selectors
from accounts.errors import AccountError, NotAllowed
from accounts.status import tone_of
from platform_console import permissions
from platform_console.audit import record_audit, request_meta
from platform_console.decorators import operator_required

from . import labels, selectors, services
from .fields import RequirementForm, supported
from .forms import AnswerForm, ContactSupportForm
from .models import InformationRequest


def _connection(request: HttpRequest, account_id: str):
    return account_selectors.get_connection(platform=request.platform, livemode=request.livemode, account_id=account_id)


def _base(request, connection) -> dict:
    return {"connection": connection, "account": connection.account, "status_tone": tone_of(connection.status),
            "tab": "overview"}


def _paths_available(request, connection, path: str) -> dict:
    member = request.membership
    submit_reason = ""
    if not services.can_submit_for(connection, path):
        submit_reason = ("The account holder must accept the terms themselves." if path.startswith("tos_acceptance.")
                         else "This account provides its own information: send it a remediation link.")
    elif not supported(path):
        submit_reason = "This information can only be provided through a remediation link."
    elif not member.can(permissions.SUBMIT_REQUIREMENTS):
        submit_reason = "Your role cannot submit information for accounts."
    link_reason = "" if member.can(permissions.CREATE_REMEDIATION_LINKS) else "Your role cannot create remediation links."
    support_reason = "" if member.can(permissions.FILE_SUPPORT_TICKETS) else "Your role cannot contact provider support."
    return {"submit_reason": submit_reason, "link_reason": link_reason, "support_reason": support_reason}


@require_safe
@operator_required(permissions.VIEW_ACCOUNTS)
def requirement_detail(request: HttpRequest, account_id: str, path: str) -> HttpResponse:
    connection = _connection(request, account_id)
    row = selectors.requirement(connection, path)
    if row is None:
        raise Http404("This requirement is not outstanding for this account.")
    names = labels.person_names(connection) if path.startswith("person_") else None
    context = {
        **_base(request, connection),
        "requirement": row,
        "title": labels.title(path, names=names),
        "why": labels.why(path),
        "error_label": labels.error_label(row.error_code),
        "capability_labels": [labels.capability_label(c) for c in row.capabilities],
        "alternative_titles": [labels.title(a, names=names) for a in row.alternatives],
        **_paths_available(request, connection, path),
    }
    return render(request, "requirements_engine/requirement_detail.html", context)


@require_http_methods(["GET", "POST"])
@operator_required(permissions.SUBMIT_REQUIREMENTS)
def submit_information(request: HttpRequest, account_id: str, path: str) -> HttpResponse:
    connection = _connection(request, account_id)
    if selectors.requirement(connection, path) is None:
        raise Http404("This requirement is not outstanding for this account.")
    reasons = _paths_available(request, connection, path)
    if reasons["submit_reason"]:
        raise PermissionDenied(reasons["submit_reason"])
    form = RequirementForm(request.POST if request.method == "POST" else None, request.FILES if request.method == "POST" else None, connection=connection, path=path)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_requirement(actor=request.membership, connection=connection, path=path,
                                        data=form.cleaned_data, request_meta=request_meta(request))
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except AccountError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{labels.title(path)} submitted.")
            target = reverse("accounts:detail", args=[account_id])
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    template = "requirements_engine/submit_dialog.html" if request.htmx else "requirements_engine/submit_page.html"
    context = {**_base(request, connection), "form": form, "path": path, "title": labels.title(path)}
    return render(request, template, context, status=422 if form.errors else 200)


@require_POST
@operator_required(permissions.CREATE_REMEDIATION_LINKS)
def remediation_link(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    try:
        link, token = services.create_remediation_link(actor=request.membership, connection=connection,
                                                       request_meta=request_meta(request))
    except AccountError as error:
        messages.error(request, error.message)
        return redirect("accounts:detail", account_id)
    url = request.build_absolute_uri(reverse("remediate_entry", args=[token]))
    context = {"link": link, "url": url, "connection": connection}
    if request.htmx:
        response = render(request, "requirements_engine/_remediation_link.html", context)
        return trigger_client_event(response, "show-toast", f"Remediation link emailed to {connection.account.email}")
    return render(request, "requirements_engine/remediation_link_page.html", {**_base(request, connection), **context})


@require_http_methods(["GET", "POST"])
@operator_required(permissions.FILE_SUPPORT_TICKETS)
def contact_support(request: HttpRequest, account_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    path = request.GET.get("requirement", "")[:120]
    info_id = request.GET.get("request", "")[:40]
    info = selectors.information_request(connection, info_id) if info_id else None
    row = selectors.requirement(connection, path) if path else None
    if path and row is None:
        path = ""
    title = labels.title(path) if path else (info.title if info else "")
    initial_message = ""
    if row is not None:
        initial_message = f"Account {connection.account.public_id}: we need help with “{title}”."
        if row.error_code:
            initial_message += f"\nError: {labels.error_label(row.error_code)} — {row.error_reason}"
        if row.deadline:
            initial_message += f"\nDeadline: {row.deadline:%Y-%m-%d}"
    form = ContactSupportForm(request.POST if request.method == "POST" else None, initial={
        "subject": f"Help with {title}" if title else f"Help with {connection.account.display_name}",
        "message": initial_message,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_support(actor=request.membership, connection=connection, path=path,
                                     information_request=info, request_meta=request_meta(request), **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        messages.success(request, "Your ticket was sent to provider support. They will reply by email.")
        return redirect("accounts:detail", account_id)
    context = {**_base(request, connection), "form": form, "title": title, "requirement": row, "info": info}
    return render(request, "requirements_engine/contact_support.html", context, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@operator_required(permissions.VIEW_ACCOUNTS)
def request_detail(request: HttpRequest, account_id: str, request_id: str) -> HttpResponse:
    connection = _connection(request, account_id)
    info = selectors.information_request(connection, request_id)
    if info is None:
        raise Http404("No such information request.")
    can_answer = (
        "submit" in info.allowed_paths
        and info.status == InformationRequest.Status.OPEN
        and connection.is_platform_collected
        and request.membership.can(permissions.SUBMIT_REQUIREMENTS)
    )
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied("This request cannot be answered by your team.")
        if form.is_valid():
            with transaction.atomic():
                InformationRequest.objects.filter(pk=info.pk, status=InformationRequest.Status.OPEN).update(
                    answer=form.cleaned_data["answer"], status=InformationRequest.Status.SUBMITTED
                )
                record_audit(actor=request.membership, action="information_request.answered", obj=info,
                             account_public_id=connection.account.public_id, livemode=connection.livemode,
                             request_meta=request_meta(request))
                services.recompute(connection)
            messages.success(request, "Your answer was sent to provider staff for review.")
            return redirect("accounts:detail", account_id)
    context = {**_base(request, connection), "info": info, "form": form, "can_answer": can_answer,
               "tone": selectors.REQUEST_TONES.get(info.status, "info"),
               "capability_labels": [labels.capability_label(c) for c in info.affected_capabilities],
               **_paths_available(request, connection, "")}
    return render(request, "requirements_engine/request_detail.html", context, status=422 if form.errors else 200)
